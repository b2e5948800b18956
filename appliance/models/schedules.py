"""Business hours: schedules (weekly shifts, holidays, custom dates, events) and their manual override."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Schedule(BaseModel):
    """A named set of business hours in one time zone, with where calls go when open, closed or on a holiday."""

    name = peewee.CharField(max_length=64, unique=True)
    timezone = peewee.CharField(max_length=64, default="America/Sao_Paulo")
    #: Public holidays from the ``holidays`` library: ISO country ("" none) and subdivision ("" national only).
    country = peewee.CharField(max_length=8, default="BR")
    subdivision = peewee.CharField(max_length=40, default="")
    #: Destinations' text (appliance.destinations); an empty holiday destination means the closed one.
    open_destination = peewee.CharField(max_length=40, default="hangup")
    closed_destination = peewee.CharField(max_length=40, default="hangup")
    holiday_destination = peewee.CharField(max_length=40, default="")
    #: Extension numbers, comma-separated, that may flip the override with the feature code.
    override_extensions = peewee.CharField(max_length=400, default="")
    #: The manual override as last set ("" none; "open", "closed", "holiday"), mirrored from AstDB.
    override_mode = peewee.CharField(max_length=8, default="")
    #: When it lapses by itself (UTC), or None for "until cleared".
    override_until = peewee.DateTimeField(null=True)
    override_by = peewee.CharField(max_length=64, default="")
    override_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "schedules"


class ScheduleShift(BaseModel):
    """Open on ``weekday`` (0 Monday … 6 Sunday) from ``start`` to ``end`` (minutes after local midnight)."""

    schedule = peewee.ForeignKeyField(Schedule, backref="shifts", on_delete="CASCADE")
    weekday = peewee.IntegerField()
    start = peewee.IntegerField()
    end = peewee.IntegerField()

    class Meta:
        table_name = "schedule_shifts"


class ScheduleDate(BaseModel):
    """A custom holiday: one date, or (``yearly``) the same day and month every year."""

    schedule = peewee.ForeignKeyField(Schedule, backref="dates", on_delete="CASCADE")
    day = peewee.DateField()
    yearly = peewee.BooleanField(default=False)
    name = peewee.CharField(max_length=64, default="")

    class Meta:
        table_name = "schedule_dates"


class ScheduleEvent(BaseModel):
    """A one-off event: from ``starts`` to ``ends`` (naive local times in the schedule's zone) calls go elsewhere."""

    schedule = peewee.ForeignKeyField(Schedule, backref="events", on_delete="CASCADE")
    name = peewee.CharField(max_length=64, default="")
    starts = peewee.DateTimeField()
    ends = peewee.DateTimeField()
    destination = peewee.CharField(max_length=40, default="hangup")

    class Meta:
        table_name = "schedule_events"
