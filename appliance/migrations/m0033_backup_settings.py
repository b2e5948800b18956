"""Encrypted backups: the key they are made for, the schedule and retention (decision 039)."""
import datetime

import peewee


def up(db, migrator):
    """Create backup_settings as of version 33."""

    class BackupSettings(peewee.Model):
        recipient = peewee.CharField(max_length=64, default="")
        salt = peewee.CharField(max_length=64, default="")
        include_voicemail = peewee.BooleanField(default=True)
        include_recordings = peewee.BooleanField(default=False)
        include_prompts = peewee.BooleanField(default=True)
        enabled = peewee.BooleanField(default=True)
        hour = peewee.IntegerField(default=3)
        keep_count = peewee.IntegerField(default=7)
        keep_days = peewee.IntegerField(default=30)
        last_backup_at = peewee.DateTimeField(null=True)
        last_error = peewee.CharField(max_length=500, default="")
        updated_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "backup_settings"

    db.create_tables([BackupSettings])
