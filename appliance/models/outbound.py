"""Outbound routes: which dialled numbers go out, rewritten how, through which trunks in which order."""
import peewee

from appliance.db import BaseModel
from appliance.models.ivr import Prompt
from appliance.models.trunks import Trunk
from appliance.models.users import utcnow

#: What a pattern's rewritten number is: E.164 (formatted per trunk) or a number every trunk gets as is.
RESULTS = ("e164", "asis")


class OutboundRoute(BaseModel):
    """One route: its permission class, its caller ID, its patterns and trunks; routes are tried in position order."""

    name = peewee.CharField(max_length=40, unique=True)
    position = peewee.IntegerField(default=0, index=True)
    #: One of models.profiles.PERMISSION_CLASSES.
    permission_class = peewee.CharField(max_length=16)
    #: Caller ID (E.164) sent on this route unless the extension has its own; "" uses the trunk's.
    callerid = peewee.CharField(max_length=20, default="")
    enabled = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)
    #: "never" or "always": calls it takes are recorded from the start (m0028).
    recording = peewee.CharField(max_length=10, default="never")
    #: Days its recordings are kept (0: the global RECORDINGS_KEEP_DAYS; the longest applicable wins, m0030).
    recording_keep_days = peewee.IntegerField(default=0)
    #: The prompt the parties hear when its policy starts a recording (None: no announcement; m0030).
    recording_prompt = peewee.ForeignKeyField(Prompt, null=True, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "outbound_routes"


class RoutePattern(BaseModel):
    """A dial pattern (Asterisk syntax) of a route and how the dialled number is rewritten."""

    route = peewee.ForeignKeyField(OutboundRoute, backref="patterns", on_delete="CASCADE")
    position = peewee.IntegerField(default=0)
    #: Asterisk pattern without the leading "_", e.g. 0ZXZZ[2-5]XXXXXXX (or an exact number: 190).
    pattern = peewee.CharField(max_length=40)
    #: Leading characters of the dialled number removed, then ``prepend`` put in front.
    strip = peewee.IntegerField(default=0)
    prepend = peewee.CharField(max_length=20, default="")
    result = peewee.CharField(max_length=8, default="e164")

    class Meta:
        table_name = "outbound_route_patterns"


class RouteTrunk(BaseModel):
    """A trunk of a route, in failover order."""

    route = peewee.ForeignKeyField(OutboundRoute, backref="trunk_links", on_delete="CASCADE")
    trunk = peewee.ForeignKeyField(Trunk, backref="route_links", on_delete="RESTRICT")
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "outbound_route_trunks"
        indexes = ((("route", "trunk"), True),)
