"""Calls: click-to-call (ring an extension's phones, then dial), and every call record (nightly pulls)."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.errors import PermissionDenied, ValidationError
from appliance.i18n import N_
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.services import click_to_call
from web.api.auth import actor, principal, requires
from web.api.common import (
    PageArgs,
    UtcDateTime,
    json_response,
    length,
    naive_utc,
    page,
    page_of_either,
    page_schema,
    pattern,
)
from web.api.me import my_extension

blp = Blueprint("calls", __name__, url_prefix="/api/v1",
                description="Click-to-call, and the call records of every extension.")


class CallRequestSchema(Schema):
    """A call to place: to ``to``, from the token owner's extension (a service token names ``from``)."""

    to = fields.String(required=True, validate=length(min=1, max=40))
    from_ = fields.String(data_key="from", load_default=None, validate=[length(max=8), pattern(r"^[0-9]*$")],
                          metadata={"description": "Extension whose phones ring first (service tokens only)"})


class CallStartedSchema(Schema):
    """The call was asked of the phone system: the extension's phones ring first."""

    action_id = fields.String(required=True)


class CallRecordSchema(Schema):
    """One call record (CDR) as Asterisk wrote it."""

    id = fields.Integer()
    calldate = UtcDateTime()
    answer = UtcDateTime(allow_none=True)
    end = UtcDateTime(allow_none=True)
    src = fields.String()
    dst = fields.String()
    clid = fields.String()
    disposition = fields.String()
    duration = fields.Integer()
    billsec = fields.Integer()
    uniqueid = fields.String()
    linkedid = fields.String()


class CallRecordFilter(PageArgs):
    """Call record filters: a time range (UTC) and the number of either party."""

    since = fields.DateTime(load_default=None)
    until = fields.DateTime(load_default=None)
    number = fields.String(load_default="", validate=length(max=40))


def _calling_extension(wanted):
    """Return the extension whose phones ring first: a person's own; the one a service token names."""
    if principal().user is not None:
        return my_extension()
    extension = Extension.get_or_none(Extension.number == (wanted or ""))
    if extension is None:
        raise ValidationError.one("from", N_("Extension %(number)s does not exist."), number=wanted or "")
    return extension


@blp.route("/calls", methods=["POST"])
@requires(blp, "calls:originate")
@blp.arguments(CallRequestSchema)
@blp.response(202, CallStartedSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def call_create(data):
    """Click-to-call: ring the extension's phones; when one answers, dial ``to`` from it."""
    extension = _calling_extension(data["from_"])
    action_id = click_to_call.call(extension, data["to"], actor())
    return json_response({"action_id": str(action_id)}, 202)


@blp.route("/call-records")
@requires(blp, "cdr:read")
@blp.arguments(CallRecordFilter, location="query")
@blp.response(200, page_schema(CallRecordSchema))
def call_records(args):
    """List every call record by id (admins and service tokens; a person reads /me/call-history)."""
    owner = principal().user
    if owner is not None and owner.role != "admin":
        raise PermissionDenied(N_("Only administrators and service tokens read every call record."))
    query = CallRecord.select()
    if args["since"]:
        query = query.where(CallRecord.calldate >= naive_utc(args["since"]))
    if args["until"]:
        query = query.where(CallRecord.calldate < naive_utc(args["until"]))
    if args["number"]:
        return page_of_either(CallRecordSchema, [query.where(CallRecord.src == args["number"]),
                                                 query.where(CallRecord.dst == args["number"])], CallRecord.id, args)
    return page(CallRecordSchema, query, CallRecord.id, args)
