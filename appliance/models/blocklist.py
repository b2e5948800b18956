"""Blacklists: callers refused on the way in, numbers refused on the way out."""
import peewee

from appliance.db import BaseModel
from appliance.models.extensions import Extension
from appliance.models.users import utcnow


class BlockedNumber(BaseModel):
    """One entry: a direction, a match (exact, prefix, or anonymous callers), for everyone or one extension."""

    direction = peewee.CharField(max_length=3)  # "in" or "out"
    match = peewee.CharField(max_length=10, default="exact")  # "exact", "prefix", "anonymous"
    #: E.164 or as dialled (short numbers, prefixes); "" for anonymous.
    number = peewee.CharField(max_length=20, default="")
    #: None: system-wide; else only calls to (in) or from (out) this extension.
    extension = peewee.ForeignKeyField(Extension, null=True, backref="blocks", on_delete="CASCADE")
    note = peewee.CharField(max_length=100, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "blocked_numbers"
        indexes = ((("direction", "extension", "match", "number"), True),)
