"""Engine generations, call records and ingest cursors."""
import datetime

import peewee


def up(db, migrator):
    """Create engine_generations, call_records and ingest_cursors as of version 3."""

    class Base(peewee.Model):
        class Meta:
            database = db
            # Index names from the table name, as the live models (BaseModel) get them.
            legacy_table_names = False

    class EngineGenerations(Base):
        number = peewee.IntegerField(unique=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow, index=True)
        status = peewee.CharField(max_length=16, index=True)
        files = peewee.TextField()
        changed = peewee.TextField(default="[]")
        restart_needed = peewee.TextField(default="[]")
        error = peewee.TextField(default="")
        duration_ms = peewee.IntegerField(default=0)

        class Meta:
            table_name = "engine_generations"

    class CallRecords(Base):
        calldate = peewee.DateTimeField(index=True)
        answer = peewee.DateTimeField(null=True)
        end = peewee.DateTimeField(null=True)
        src = peewee.CharField(max_length=80, default="", index=True)
        dst = peewee.CharField(max_length=80, default="", index=True)
        dcontext = peewee.CharField(max_length=80, default="")
        clid = peewee.CharField(max_length=160, default="")
        channel = peewee.CharField(max_length=160, default="")
        dstchannel = peewee.CharField(max_length=160, default="")
        lastapp = peewee.CharField(max_length=80, default="")
        lastdata = peewee.TextField(default="")
        duration = peewee.IntegerField(default=0)
        billsec = peewee.IntegerField(default=0)
        disposition = peewee.CharField(max_length=32, default="")
        accountcode = peewee.CharField(max_length=80, default="")
        uniqueid = peewee.CharField(max_length=150)
        linkedid = peewee.CharField(max_length=150, index=True)
        sequence = peewee.IntegerField()
        userfield = peewee.CharField(max_length=256, default="")

        class Meta:
            table_name = "call_records"
            indexes = ((("uniqueid", "sequence"), True),)

    class IngestCursors(Base):
        source = peewee.CharField(max_length=255, primary_key=True)
        position = peewee.BigIntegerField(default=0)
        marker = peewee.CharField(max_length=255, default="")
        updated_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "ingest_cursors"

    db.create_tables([EngineGenerations, CallRecords, IngestCursors])
