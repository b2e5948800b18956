"""Inbound routes: which destination a call from a carrier reaches, by DID and caller."""
import peewee

from appliance.db import BaseModel
from appliance.models.ivr import Prompt
from appliance.models.users import utcnow


class InboundRoute(BaseModel):
    """A DID (E.164 or a pattern on E.164; empty: the catch-all), an optional caller match, a destination."""

    name = peewee.CharField(max_length=64, default="")
    did = peewee.CharField(max_length=40, default="")
    #: "" (any caller), "exact" or "prefix"; ``caller`` is E.164 or digits as dialled.
    caller_kind = peewee.CharField(max_length=8, default="")
    caller = peewee.CharField(max_length=20, default="")
    #: A destination's text (appliance.destinations), e.g. "extension:201".
    destination = peewee.CharField(max_length=40, default="hangup")
    created_at = peewee.DateTimeField(default=utcnow)
    #: "never" or "always": calls it takes are recorded from the start (m0028).
    recording = peewee.CharField(max_length=10, default="never")
    #: Days its recordings are kept (0: the global RECORDINGS_KEEP_DAYS; the longest applicable wins, m0030).
    recording_keep_days = peewee.IntegerField(default=0)
    #: The prompt the parties hear when its policy starts a recording (None: no announcement; m0030).
    recording_prompt = peewee.ForeignKeyField(Prompt, null=True, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "inbound_routes"
        indexes = ((("did", "caller_kind", "caller"), True),)
