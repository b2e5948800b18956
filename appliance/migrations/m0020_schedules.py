"""Business hours: schedules, their shifts, custom dates and events."""
import datetime

import peewee


def up(db, migrator):
    """Create schedules, schedule_shifts, schedule_dates and schedule_events as of version 20."""

    class Schedules(peewee.Model):
        name = peewee.CharField(max_length=64, unique=True)
        timezone = peewee.CharField(max_length=64, default="America/Sao_Paulo")
        country = peewee.CharField(max_length=8, default="BR")
        subdivision = peewee.CharField(max_length=40, default="")
        open_destination = peewee.CharField(max_length=40, default="hangup")
        closed_destination = peewee.CharField(max_length=40, default="hangup")
        holiday_destination = peewee.CharField(max_length=40, default="")
        override_extensions = peewee.CharField(max_length=400, default="")
        override_mode = peewee.CharField(max_length=8, default="")
        override_until = peewee.DateTimeField(null=True)
        override_by = peewee.CharField(max_length=64, default="")
        override_at = peewee.DateTimeField(null=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "schedules"

    class ScheduleShifts(peewee.Model):
        schedule = peewee.ForeignKeyField(Schedules, on_delete="CASCADE")
        weekday = peewee.IntegerField()
        start = peewee.IntegerField()
        end = peewee.IntegerField()

        class Meta:
            database = db
            table_name = "schedule_shifts"

    class ScheduleDates(peewee.Model):
        schedule = peewee.ForeignKeyField(Schedules, on_delete="CASCADE")
        day = peewee.DateField()
        yearly = peewee.BooleanField(default=False)
        name = peewee.CharField(max_length=64, default="")

        class Meta:
            database = db
            table_name = "schedule_dates"

    class ScheduleEvents(peewee.Model):
        schedule = peewee.ForeignKeyField(Schedules, on_delete="CASCADE")
        name = peewee.CharField(max_length=64, default="")
        starts = peewee.DateTimeField()
        ends = peewee.DateTimeField()
        destination = peewee.CharField(max_length=40, default="hangup")

        class Meta:
            database = db
            table_name = "schedule_events"

    db.create_tables([Schedules, ScheduleShifts, ScheduleDates, ScheduleEvents])
