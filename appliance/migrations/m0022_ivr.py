"""Prompts and IVR menus."""
import datetime

import peewee


def up(db, migrator):
    """Create prompts, ivrs and ivr_options as of version 22."""

    class Prompts(peewee.Model):
        name = peewee.CharField(max_length=64, unique=True)
        source = peewee.CharField(max_length=8, default="upload")
        language = peewee.CharField(max_length=8, default="")
        text = peewee.TextField(default="")
        duration = peewee.FloatField(default=0.0)
        version = peewee.IntegerField(default=0)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "prompts"

    class Ivrs(peewee.Model):
        name = peewee.CharField(max_length=64, unique=True)
        number = peewee.CharField(max_length=8, default="")
        greeting = peewee.ForeignKeyField(Prompts, null=True, on_delete="SET NULL", backref="+")
        timeout_seconds = peewee.IntegerField(default=5)
        timeout_prompt = peewee.ForeignKeyField(Prompts, null=True, on_delete="SET NULL", backref="+")
        timeout_retries = peewee.IntegerField(default=2)
        invalid_prompt = peewee.ForeignKeyField(Prompts, null=True, on_delete="SET NULL", backref="+")
        invalid_retries = peewee.IntegerField(default=2)
        final_destination = peewee.CharField(max_length=40, default="hangup")
        direct_dial = peewee.BooleanField(default=False)
        direct_ranges = peewee.CharField(max_length=200, default="")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "ivrs"

    class IvrOptions(peewee.Model):
        ivr = peewee.ForeignKeyField(Ivrs, backref="options", on_delete="CASCADE")
        key = peewee.CharField(max_length=1)
        destination = peewee.CharField(max_length=40)

        class Meta:
            database = db
            table_name = "ivr_options"
            indexes = ((("ivr", "key"), True),)

    db.create_tables([Prompts, Ivrs, IvrOptions])
