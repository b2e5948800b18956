"""What every API resource shares: the problem schema, cursor pages, ETags and If-Match.

Schemas check types and shapes only; the services validate meaning (the pages' one path), so
their messages, already translated, reach ``errors`` the same way as the pages' forms.
"""
import datetime
import hashlib
import json
import numbers

import orjson
import peewee
from flask import Response, request
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import PreconditionFailed

from appliance.i18n import N_
from web.api.dumping import flat_dumper, plain_model_query, selection

#: Messages of type checks, each one a msgid in the catalogs (web.problems.FIELD_MESSAGES).
LENGTH = "Length or size out of range."
RANGE = "Value out of range."
CHOICE = "Must be one of the allowed values."
PATTERN = "String does not match expected pattern."
PAGE_LIMIT = (1, 200)
#: One line of text without control characters (the services refuse them).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
#: Path ids: SQLite's integers stop at 2**63 - 1; larger ones are simply not found (404).
ID = "int(max=2147483647)"


class UtcDateTime(fields.DateTime):
    """A stored (naive UTC) time, written as RFC 3339 with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class JsonInteger(fields.Integer):
    """An integer of a JSON body as JSON Schema means it: 3 (or 3.0), never "3", 2.5 or true.

    marshmallow's own Integer casts whatever ``int()`` takes, so a document saying "integer"
    would accept 2.5 and "3" (schemathesis: "schema-violating request accepted"). Query
    arguments arrive as text: they keep marshmallow's Integer.
    """

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
                isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class JsonBoolean(fields.Boolean):
    """A boolean of a JSON body: true or false, never 1, "yes" or "on" (marshmallow's Boolean takes those)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def length(**bounds):
    """A length check with the catalog's message."""
    return validate.Length(error=LENGTH, **bounds)


def value_range(**bounds):
    """A range check with the catalog's message."""
    return validate.Range(error=RANGE, **bounds)


def one_of(choices):
    """A choice check with the catalog's message."""
    return validate.OneOf(choices, error=CHOICE)


def pattern(regex):
    """A regular-expression check with the catalog's message."""
    return validate.Regexp(regex, error=PATTERN)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "Always about:blank"})
    title = fields.String(required=True, metadata={"description": "The status, in words"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "What went wrong, in the requested language"})
    errors = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "Field name → message (422)"})


class PageArgs(Schema):
    """Query arguments of every list: how many rows, and where the last page ended."""

    limit = fields.Integer(load_default=50, validate=value_range(min=PAGE_LIMIT[0], max=PAGE_LIMIT[1]))
    # Plain digits (the last key seen), so that any well-formed cursor means something: a
    # cursor that parses but names nothing would be a 422 no client could foresee.
    cursor = fields.String(load_default=None, validate=pattern(r"^[0-9]{1,18}$"),
                           metadata={"description": "next_cursor of the previous page"})


def page_schema(item_schema):
    """Return the schema of one page of ``item_schema`` rows: items and the next page's cursor."""
    name = item_schema.__name__.removesuffix("Schema") + "Page"
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True,
                                     metadata={"description": "null on the last page"}),
    }, name=name)


def paginate(query, key, args, newest_first=False):
    """Return ``(rows, next_cursor)`` of one page of ``query`` walked by the unique integer column ``key``.

    A cursor is the last key seen, so rows added or deleted meanwhile never make a page skip or
    repeat one; ``newest_first`` walks the key downwards.
    """
    rows = list(_page_query(query, key, args, newest_first))
    return _cut(rows, args["limit"], lambda row: getattr(row, key.name))


def _page_query(query, key, args, newest_first):
    if args.get("cursor"):
        last = int(args["cursor"])
        query = query.where(key < last if newest_first else key > last)
    return query.order_by(key.desc() if newest_first else key.asc()).limit(args["limit"] + 1)


def _cut(rows, limit, key_of):
    """Return the page's rows and the next cursor (None on the last page) from ``limit`` + 1 rows."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(key_of(rows[-1])) if more else None)


def page(schema, query, key, args, newest_first=False):
    """Return the JSON response of one page of ``query`` dumped with ``schema``.

    A flat schema over whole rows of one model reads only its columns, as the cursor's own tuples
    (web/api/dumping.py).
    """
    model = plain_model_query(query)
    fast = flat_dumper(schema, model) if model is not None else None
    if fast is None:
        rows, cursor = paginate(query, key, args, newest_first)
        return json_response({"items": schema(many=True).dump(rows), "next_cursor": cursor})
    columns, dump = fast
    if query._where is None:
        query = _page_query(query.select(selection(columns, key)), key, args, newest_first)
    else:
        query = _rows_of(model, columns, key, _page_query(query.select(key), key, args, newest_first), newest_first)
    rows = model._meta.database.execute(query).fetchall()
    rows, cursor = _cut(rows, args["limit"], lambda row: row[-1])
    return json_response({"items": dump(rows), "next_cursor": cursor})


def _rows_of(model, columns, key, keys, newest_first=False):
    """Return the query of ``columns`` (then ``key``) of the rows whose key the subquery ``keys`` selects.

    A filtered page finds its keys first: an index holds the key of every entry (SQLite's rowid),
    so the filter and the sort by key run on the index alone and only the page's rows are read
    from the table. Reading whole rows while filtering read every match (a day of call records:
    2,880 rows sorted for the 101 kept), or both sides of an OR: about half the cost (decision 046).
    """
    return (model.select(selection(columns, key)).where(key.in_(keys))
            .order_by(key.desc() if newest_first else key.asc()))


def page_of_either(schema, queries, key, args):
    """Return the JSON response of one page (by ascending ``key``) of the rows any of ``queries`` finds.

    For an OR across two indexed columns (a call record whose source or destination is a number):
    each query walks its own index in key order (SQLite's rowid rides in every index) for at most
    one page, and the union of those few rows is sorted; ``WHERE a = ? OR b = ?`` instead collected
    every match into a temporary B-tree before the first row (2.9 ms against 0.3 ms on 1,000,000
    records). Only keys are united and sorted; the page's rows are read once, by key (``_rows_of``).
    ``schema`` must be flat over the queries' one model (web/api/dumping.py).
    """
    model = plain_model_query(queries[0])
    columns, dump = flat_dumper(schema, model)
    parts, params = [], []
    for number, query in enumerate(queries):
        sql, values = _page_query(query.select(key), key, args, newest_first=False).sql()
        parts.append(f"SELECT * FROM ({sql}) AS either{number}")
        params.extend(values)
    # UNION, not UNION ALL: a row both queries find (source and destination the same) comes once.
    keys = peewee.SQL(f"({' UNION '.join(parts)} ORDER BY 1 LIMIT {int(args['limit']) + 1})", params)
    rows = model._meta.database.execute(_rows_of(model, columns, key, keys)).fetchall()
    rows, cursor = _cut(rows, args["limit"], lambda row: row[-1])
    return json_response({"items": dump(rows), "next_cursor": cursor})


def naive_utc(moment):
    """Return a query's time as the database stores it: naive UTC (a time without an offset is UTC)."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None) if moment and moment.tzinfo else moment


#: orjson writes what ``json.dumps(data, ensure_ascii=False, default=str)`` wrote, without its spaces:
#: times and dataclasses go through ``str`` as before (not orjson's own forms), keys that are not
#: text become text. A page of 100 call records: 0.015 ms against 0.18 (decision 046).
_ORJSON = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json_body(data):
    """Return ``data`` as JSON bytes (UTF-8, anything else through ``str``), as every API answer writes it."""
    try:
        return orjson.dumps(data, default=str, option=_ORJSON)
    except orjson.JSONEncodeError:  # what orjson refuses and json takes: an integer past 64 bits
        return json.dumps(data, ensure_ascii=False, default=str).encode()


def json_response(data, status=200, headers=None):
    """Return ``data`` as a JSON response (no body for a 204)."""
    body = b"" if status == 204 else _json_body(data)
    response = Response(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def etag_of(data):
    """Return the strong ETag of a representation (the dumped JSON of a row)."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def respond(schema, obj, status=200, headers=None, version=None):
    """Dump ``obj`` with ``schema`` and answer it with its ETag.

    ``version``: the schema of what a write can change, when the answer also carries live state
    (a trunk's health, an entry's blocked attempts): the ETag then covers that part only, so the
    state moving on its own never makes an If-Match stale.
    """
    data = schema().dump(obj)
    tag = etag_of(version().dump(obj) if version else data)
    return json_response(data, status, {"ETag": tag, **(headers or {})})


def check_if_match(schema, obj):
    """Refuse (412) a write whose If-Match names another version of ``obj`` than the current one.

    Without If-Match the write goes ahead (last writer wins, as on the pages).
    """
    if not request.if_match or request.if_match.star_tag:
        return
    current = etag_of(schema().dump(obj)).strip('"')
    if not request.if_match.contains(current):
        raise PreconditionFailed(N_("This row changed since you read it: read it again, then retry."))


#: Documents the optional If-Match header of writes (schemathesis sends it as declared).
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": "The ETag read before; a stale one gets 412"}


def linked(blp, status, parameter, pointer, *targets):
    """Document OpenAPI links from a response to the operations on the row it made (schemathesis follows them).

    ``parameter`` of each ``(method, path)`` in ``targets`` takes the value at ``pointer`` in the body.
    """
    links = {}
    for method, path in targets:
        escaped = path.replace("~", "~0").replace("/", "~1")
        name = f"{method.lower()}_{path.rstrip('/').rsplit('/', 1)[-1].strip('{}')}"
        links[name] = {"operationRef": f"#/paths/{escaped}/{method.lower()}",
                       "parameters": {parameter: f"$response.body#{pointer}"}}
    return blp.doc(responses={status: {"links": links}})
