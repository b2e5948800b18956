"""Extensions and their SIP devices."""
import datetime

import peewee


def up(db, migrator):
    """Create the extensions and devices tables as of version 2."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Extensions(Base):
        number = peewee.CharField(max_length=8, unique=True)
        name = peewee.CharField(max_length=64)
        enabled = peewee.BooleanField(default=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "extensions"

    class Devices(Base):
        extension = peewee.ForeignKeyField(Extensions, on_delete="CASCADE")
        label = peewee.CharField(max_length=64, default="")
        sip_username = peewee.CharField(max_length=40, unique=True)
        sip_password = peewee.CharField(max_length=64)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "devices"

    db.create_tables([Extensions, Devices])
