"""SIP trunks: the company's carriers, and their live health as the daemon last saw it."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Trunk(BaseModel):
    """One carrier connection; compiled into PJSIP objects ``trunk_<id>`` (see confgen/trunks.py).

    Its kinds, transports, DTMF modes and number formats are the choices confgen/trunks.py lists
    (KINDS, TRANSPORTS, DTMF_MODES, NUMBER_FORMATS): the service and the row type check against them.
    """

    name = peewee.CharField(max_length=40, unique=True)
    kind = peewee.CharField(max_length=16, default="registration")
    enabled = peewee.BooleanField(default=True)
    host = peewee.CharField(max_length=253)
    port = peewee.IntegerField(default=5060)
    transport = peewee.CharField(max_length=8, default="udp")
    #: Digest credentials (registration trunks, and IP trunks whose carrier still challenges calls).
    username = peewee.CharField(max_length=64, default="")
    # Kept in clear: digest needs it. Shown once when typed, never again (pages show whether one is set).
    password = peewee.CharField(max_length=128, default="")
    from_user = peewee.CharField(max_length=64, default="")
    from_domain = peewee.CharField(max_length=253, default="")
    #: Seconds a registration lasts before it is renewed.
    expiry = peewee.IntegerField(default=600)
    #: Seconds between retries after a registration fails.
    retry_interval = peewee.IntegerField(default=60)
    #: Other addresses or networks the carrier sends calls from (IP trunks), comma separated.
    match = peewee.CharField(max_length=500, default="")
    codecs = peewee.CharField(max_length=100, default="alaw,ulaw")
    dtmf_mode = peewee.CharField(max_length=8, default="rfc4733")
    #: Calls at once, in and out together; 0: no limit but the carrier's.
    max_channels = peewee.IntegerField(default=0)
    number_format = peewee.CharField(max_length=16, default="e164")
    callerid_format = peewee.CharField(max_length=16, default="e164")
    #: Carrier selection code (two digits) for the *_csp formats.
    csp = peewee.CharField(max_length=2, default="")
    #: Area code (DDD) of the trunk's line: local numbers in and out are in this area.
    area_code = peewee.CharField(max_length=2, default="")
    #: The caller ID sent when neither the route nor the extension sets one (E.164).
    default_callerid = peewee.CharField(max_length=20, default="")
    #: Behind NAT: answer to the source address and rewrite the carrier's contact.
    nat = peewee.BooleanField(default=True)
    #: Seconds between OPTIONS checks of the carrier; 0 turns them off.
    qualify_seconds = peewee.IntegerField(default=60)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "trunks"

    @property
    def endpoint(self):
        """The PJSIP object name of this trunk (endpoint, aor, auth, registration, identify)."""
        return f"trunk_{self.id}"

    def public_fields(self):
        """Return the fields an audit entry may show (never the password)."""
        return {
            "name": self.name, "kind": self.kind, "enabled": self.enabled, "host": self.host, "port": self.port,
            "transport": self.transport, "username": self.username, "password_set": bool(self.password),
            "from_user": self.from_user, "from_domain": self.from_domain, "expiry": self.expiry,
            "retry_interval": self.retry_interval, "match": self.match, "codecs": self.codecs,
            "dtmf_mode": self.dtmf_mode, "max_channels": self.max_channels, "number_format": self.number_format,
            "callerid_format": self.callerid_format, "csp": self.csp, "area_code": self.area_code,
            "default_callerid": self.default_callerid, "nat": self.nat, "qualify_seconds": self.qualify_seconds,
        }


class TrunkStatus(BaseModel):
    """What the daemon last heard about a trunk from Asterisk's events (one row per trunk)."""

    trunk = peewee.ForeignKeyField(Trunk, primary_key=True, backref="status_rows", on_delete="CASCADE")
    #: "registered", "unregistered", "rejected", "failed" or "" (an IP trunk, or not heard yet).
    registration = peewee.CharField(max_length=16, default="")
    #: "reachable", "unreachable" or "" (qualify off, or not heard yet).
    reachability = peewee.CharField(max_length=16, default="")
    rtt_ms = peewee.FloatField(null=True)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "trunk_status"
