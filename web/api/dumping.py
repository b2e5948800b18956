"""Lists dumped without building a model object and a marshmallow pass per row.

A page of 100 call records spent most of its time creating peewee objects and walking
marshmallow's per-field machinery. For a schema of plain fields (numbers, text, booleans,
times) over one model's columns, ``flat_dumper`` reads just those columns as tuples and
turns each value the way the marshmallow field would (tests/unit/test_api_dumping.py holds
the two to the same output). Any other schema (hooks, nested or computed fields) answers None
and is dumped by marshmallow as before: the schema stays the one description of a row.

The tuples are the database cursor's own (decision 046): peewee's per-column conversion of
every value (a stored time parsed into a datetime, then written back out as text) was a third
of a page's cost. Each column's step does what the model field's ``python_value`` and then the
marshmallow field would do, straight from the stored value when it has the usual shape (an
integer, a text, a naive UTC time as SQLite holds it), through both of them otherwise.
"""
import functools

from marshmallow import fields
from peewee import (
    SQL,
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)


def _integer(value):
    return None if value is None else int(value)


def _string(value):
    return None if value is None else str(value)


def _boolean(field):
    truthy, falsy = field.truthy, field.falsy

    def convert(value):
        if value is None:
            return None
        if truthy and value in truthy:
            return True
        if falsy and value in falsy:
            return False
        return bool(value)

    return convert


def _utc(value):
    if value is None:
        return None
    if value.tzinfo is None:
        # Naive means UTC: the text .replace(tzinfo=UTC).isoformat() gives, at a third of its cost
        # (300 times a page of call records).
        return value.isoformat() + "+00:00"
    return value.isoformat()


def _iso(value):
    return None if value is None else value.isoformat()


def _stored_time(text):
    """Return ``text`` (a naive time as stored: ``YYYY-MM-DD HH:MM:SS[.ffffff]``) as isoformat writes it, else None."""
    if type(text) is not str or len(text) not in (19, 26) or text[10] != " " or text[4] != "-" or text[13] != ":":
        return None
    if len(text) == 19:
        return text[:10] + "T" + text[11:]
    if text[19] != ".":
        return None
    # isoformat leaves out a zero fraction; a stored one never has it, but the text could.
    return text[:10] + "T" + (text[11:19] if text[20:] == "000000" else text[11:])


def _from_stored(model_field, convert):
    """Return the step from a stored (cursor) value to what ``convert`` makes of the model's value."""
    python_value = model_field.python_value

    def through_peewee(value):
        return convert(python_value(value))

    kind = type(model_field.rel_field if isinstance(model_field, ForeignKeyField) else model_field)
    # None stays None through both steps (python_value, then _integer, _string or the others).
    # Exact classes: a subclass may convert on its own (its python_value is then called).
    if convert is _integer and kind in (IntegerField, AutoField, BigAutoField, BigIntegerField, SmallIntegerField):
        return lambda value: value if type(value) is int or value is None else through_peewee(value)
    if convert is _string and kind in (CharField, TextField):
        return lambda value: value if type(value) is str or value is None else through_peewee(value)
    if convert in (_utc, _iso) and kind is DateTimeField:
        suffix = "+00:00" if convert is _utc else ""

        def time(value):
            if value is None:
                return None
            text = _stored_time(value)
            return through_peewee(value) if text is None else text + suffix
        return time
    if kind is BooleanField:  # SQLite holds 0 or 1; peewee's python_value is bool()
        return lambda value: convert(value != 0) if type(value) is int else through_peewee(value)
    return through_peewee


def _converter(field):
    """Return the function that dumps a value as ``field`` would, or None for a field this module leaves alone."""
    kind = type(field)
    if kind is fields.Integer or kind.__name__ == "JsonInteger":
        return None if field.as_string else _integer
    if kind is fields.String:
        return _string
    if kind is fields.Boolean or kind.__name__ == "JsonBoolean":
        return _boolean(field)
    if kind.__name__ == "UtcDateTime" and field.format in (None, "iso"):  # web.api.common's, naive = UTC
        return _utc
    if kind is fields.DateTime and field.format in (None, "iso"):
        return _iso
    return None


@functools.lru_cache(maxsize=256)
def flat_dumper(schema_class, model):
    """Return ``(columns, dump)`` for ``schema_class`` over ``model``'s columns, or None when it is not flat.

    ``columns`` are the model fields to select; ``dump(tuples)`` turns rows of them, as the
    database cursor returns them (or as peewee's ``.tuples()`` does), into the list marshmallow
    would have made.
    """
    schema = schema_class()
    if any(schema._hooks.values()):
        return None
    by_attribute = {}
    for model_field in model._meta.sorted_fields:
        by_attribute[model_field.name] = model_field
        if isinstance(model_field, ForeignKeyField):
            by_attribute[model_field.object_id_name] = model_field
    columns, plan = [], []
    for name, field in schema.dump_fields.items():
        convert = _converter(field)
        attribute = field.attribute or name
        model_field = by_attribute.get(attribute)
        if convert is None or model_field is None:
            return None
        if isinstance(model_field, ForeignKeyField) and attribute == model_field.name:
            return None  # the related object itself, not its id: marshmallow's business
        plan.append((field.data_key or name, len(columns), _from_stored(model_field, convert)))
        columns.append(model_field)

    def dump(rows):
        return [{key: convert(row[index]) for key, index, convert in plan} for row in rows]

    return tuple(columns), dump


@functools.lru_cache(maxsize=256)
def selection(columns, key):
    """Return the SELECT list of ``columns`` then ``key`` as one SQL node, written once.

    peewee renders each column of a select anew on every query (a third of a filtered page's
    SQL building); a page's query has one table and no join, so bare column names are enough.
    """
    return SQL(", ".join(f'"{field.column_name}"' for field in (*columns, key)))


def plain_model_query(query):
    """Return the model ``query`` selects whole rows of (``Model.select()`` with filters), else None."""
    model = getattr(query, "model", None)
    if model is None or getattr(query, "_returning", None) != model._meta.sorted_fields:
        return None
    if getattr(query, "_from_list", None) != [model] or getattr(query, "_joins", None):
        return None
    return model
