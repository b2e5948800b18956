"""Counters of attempts per key (a login source, a user's click-to-call), shared by every process."""
import peewee

from appliance.db import BaseModel


class Throttle(BaseModel):
    """Attempts counted against one key since ``window_start``, and until when the key must wait."""

    key = peewee.CharField(max_length=200, unique=True)
    count = peewee.IntegerField(default=0)
    window_start = peewee.DateTimeField()
    last_at = peewee.DateTimeField(index=True)
    blocked_until = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "throttles"
