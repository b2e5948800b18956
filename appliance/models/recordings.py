"""Call recordings: compressed files kept for a call, and who listened to them."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Recording(BaseModel):
    """One recorded call: a stereo file (caller left, the other party right) named by the recorded channel.

    ``uniqueid`` is the recorded channel's (the call records' ``uniqueid``); ingesting the same
    file twice stores one row (docs/decisions/031).
    """

    uniqueid = peewee.CharField(max_length=150, unique=True)
    #: The call's linkedid (its call records'), "" until the call record is ingested.
    linkedid = peewee.CharField(max_length=150, default="", index=True)
    #: When the recording started (UTC), from its call record or the file.
    started_at = peewee.DateTimeField(index=True)
    #: The compressed file, relative to the recordings folder.
    path = peewee.CharField(max_length=255)
    size = peewee.IntegerField(default=0)
    seconds = peewee.IntegerField(default=0)
    #: When the retention job deletes it (None: kept).
    delete_after = peewee.DateTimeField(null=True, index=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "recordings"
