"""Blocked sources (SIP, voicemail and AMI login failures): one row per blocked address or (address, user name)."""
import datetime

import peewee


def up(db, migrator):
    """Create bans as of version 9."""

    class Bans(peewee.Model):
        address = peewee.CharField(max_length=45)
        username = peewee.CharField(max_length=64, default="")
        service = peewee.CharField(max_length=16)
        reason = peewee.CharField(max_length=16)
        failures = peewee.IntegerField(default=0)
        usernames = peewee.CharField(max_length=255, default="")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        expires_at = peewee.DateTimeField(index=True)
        enforced = peewee.BooleanField(default=False)

        class Meta:
            database = db
            table_name = "bans"
            indexes = ((("address", "username"), True),)

    db.create_tables([Bans])
