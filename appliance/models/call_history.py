"""Call records copied from Asterisk's CDR file, and the cursors that make copying idempotent."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class CallRecord(BaseModel):
    """One Asterisk CDR: a call leg from ``src`` to ``dst`` with its outcome.

    One call can fork several records sharing a ``uniqueid`` (transfers, forked
    dials); Asterisk numbers every record it creates with ``sequence``, so
    (uniqueid, sequence) names one record and re-ingesting it is a no-op.
    """

    calldate = peewee.DateTimeField(index=True)  # start, UTC
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
        # Also the uniqueid index: lookups by uniqueid use its leading column.
        indexes = (
            (("uniqueid", "sequence"), True),
            # Per-extension history by date (m0007).
            (("src", "calldate"), False),
            (("dst", "calldate"), False),
        )


class IngestCursor(BaseModel):
    """How far a copy from one of Asterisk's durable files has got, committed with the copied rows."""

    source = peewee.CharField(max_length=255, primary_key=True)
    #: Last source row copied (SQLite rowid).
    position = peewee.BigIntegerField(default=0)
    #: Identity of the row at ``position``: a mismatch means the source file was replaced.
    marker = peewee.CharField(max_length=255, default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "ingest_cursors"
