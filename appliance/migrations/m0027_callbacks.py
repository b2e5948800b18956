"""Callbacks: requests to call a customer back (scheduled, retried, from a queue)."""
import datetime

import peewee


def up(db, migrator):
    """Create callbacks and disa_numbers as of version 27."""

    class Callbacks(peewee.Model):
        number = peewee.CharField(max_length=32)
        reason = peewee.CharField(max_length=40, default="")
        agent = peewee.CharField(max_length=40)
        source = peewee.CharField(max_length=8, default="web")
        status = peewee.CharField(max_length=8, default="pending", index=True)
        due_at = peewee.DateTimeField(default=datetime.datetime.utcnow, index=True)
        schedule_id = peewee.IntegerField(null=True)
        position = peewee.IntegerField(default=0)
        pin_failures = peewee.IntegerField(default=0)
        attempts = peewee.IntegerField(default=0)
        max_attempts = peewee.IntegerField(default=3)
        retry_seconds = peewee.IntegerField(default=300)
        last_result = peewee.CharField(max_length=16, default="")
        failure = peewee.CharField(max_length=16, default="")
        action_id = peewee.CharField(max_length=64, default="")
        started_at = peewee.DateTimeField(null=True)
        created_by = peewee.CharField(max_length=64, default="")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        updated_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "callbacks"

    class Extensions(peewee.Model):
        class Meta:
            database = db
            table_name = "extensions"

    class DisaNumbers(peewee.Model):
        number = peewee.CharField(max_length=20, unique=True)
        dial = peewee.CharField(max_length=32)
        extension = peewee.ForeignKeyField(Extensions, backref="+", on_delete="CASCADE")
        pin_hash = peewee.CharField(max_length=255)
        enabled = peewee.BooleanField(default=True)
        max_per_day = peewee.IntegerField(default=5)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "disa_numbers"

    db.create_tables([Callbacks, DisaNumbers])
