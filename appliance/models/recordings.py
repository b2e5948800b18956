"""Call recordings: compressed files kept for a call, and who listened to them."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Recording(BaseModel):
    """One recorded stretch of a call: a stereo file, the recorded channel's party left, the other right.

    ``name`` is the file's (confgen/recording.py NAME: linkedid+uniqueid+epoch): ingesting the
    same file twice stores one row (docs/decisions/031). ``linkedid`` is the call's, as in its
    call records.
    """

    name = peewee.CharField(max_length=255, unique=True)
    #: The call's linkedid (its call records').
    linkedid = peewee.CharField(max_length=150, index=True)
    #: False when it was stored before (without) its call record: started_at is then the file's.
    call_found = peewee.BooleanField(default=True)
    #: When the call (or, without its record, the recording) started, UTC.
    started_at = peewee.DateTimeField(index=True)
    #: The compressed file, relative to the recordings folder.
    path = peewee.CharField(max_length=255)
    size = peewee.IntegerField(default=0)
    seconds = peewee.IntegerField(default=0)
    #: When the retention job deletes it (None: kept).
    delete_after = peewee.DateTimeField(null=True, index=True)
    created_at = peewee.DateTimeField(default=utcnow)
    #: Days it is kept (0: forever) and whose policy set them ("queue 700", "setting"...) (m0030).
    keep_days = peewee.IntegerField(default=0)
    kept_for = peewee.CharField(max_length=64, default="")
    #: When the retention job deleted its file (the row stays, marked; None: the file is there).
    deleted_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "recordings"
