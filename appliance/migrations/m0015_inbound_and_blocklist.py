"""Inbound routes and blacklists."""
import datetime

import peewee


def up(db, migrator):
    """Create inbound_routes and blocked_numbers as of version 15."""

    class Extensions(peewee.Model):
        class Meta:
            database = db
            table_name = "extensions"

    class InboundRoutes(peewee.Model):
        name = peewee.CharField(max_length=64, default="")
        did = peewee.CharField(max_length=40, default="")
        caller_kind = peewee.CharField(max_length=8, default="")
        caller = peewee.CharField(max_length=20, default="")
        destination = peewee.CharField(max_length=40, default="hangup")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "inbound_routes"
            indexes = ((("did", "caller_kind", "caller"), True),)

    class BlockedNumbers(peewee.Model):
        direction = peewee.CharField(max_length=3)
        match = peewee.CharField(max_length=10, default="exact")
        number = peewee.CharField(max_length=20, default="")
        extension = peewee.ForeignKeyField(Extensions, null=True, on_delete="CASCADE")
        note = peewee.CharField(max_length=100, default="")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "blocked_numbers"
            indexes = ((("direction", "extension", "match", "number"), True),)

    db.create_tables([InboundRoutes, BlockedNumbers])
