"""Events the daemon publishes for the web workers (SSE) and webhooks (decision 018)."""
import json

import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Event(BaseModel):
    """One published event: its id grows monotonically and is the SSE ``id`` a client resumes from."""

    type = peewee.CharField(max_length=40)
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    #: The extension numbers it concerns, as ``,701,702,`` (a personal token sees an event naming its own).
    extensions = peewee.CharField(max_length=255, default="")
    #: The event's data as JSON text.
    payload = peewee.TextField(default="{}")

    class Meta:
        table_name = "events"

    def data(self):
        """Return the payload as a dict."""
        return json.loads(self.payload)

    def as_dict(self):
        """Return what subscribers get: id, type, time (ISO, UTC) and data."""
        return {"id": self.id, "type": self.type, "created_at": self.created_at.isoformat() + "Z",
                "data": self.data()}
