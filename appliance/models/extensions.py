"""Extensions (the numbers people dial) and their SIP devices."""
import peewee

from appliance.db import BaseModel
from appliance.models.ivr import Prompt
from appliance.models.profiles import CallProfile
from appliance.models.users import User, utcnow

#: Presence states a person can choose; shown in the company directory.
PRESENCE_STATES = ("available", "away", "busy", "lunch", "custom")


class Extension(BaseModel):
    """A number inside the company that rings one or more devices."""

    number = peewee.CharField(max_length=8, unique=True)
    name = peewee.CharField(max_length=64)
    enabled = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)
    email = peewee.CharField(max_length=254, default="")
    language = peewee.CharField(max_length=8, default="pt_BR")
    voicemail_enabled = peewee.BooleanField(default=True)
    voicemail_pin = peewee.CharField(max_length=12, default="")
    #: Channels of all its devices at once (ringing, talking, calling out); one more gets busy.
    max_calls = peewee.IntegerField(default=2)
    ring_seconds = peewee.IntegerField(default=25)
    #: The person who opens this extension's panel.
    user = peewee.ForeignKeyField(User, null=True, unique=True, on_delete="SET NULL", backref="extensions")
    # -- toggles the person changes (panel or feature codes); Asterisk reads them from AstDB.
    dnd = peewee.BooleanField(default=False)
    forward_always = peewee.CharField(max_length=32, default="")
    forward_busy = peewee.CharField(max_length=32, default="")
    forward_no_answer = peewee.CharField(max_length=32, default="")
    forward_unavailable = peewee.CharField(max_length=32, default="")
    presence = peewee.CharField(max_length=16, default="available")
    presence_text = peewee.CharField(max_length=64, default="")
    #: False from a change in the app until the toggles above reach AstDB (Asterisk may be down).
    #: A new extension has nothing to push: absent AstDB keys mean the defaults.
    toggles_pushed = peewee.BooleanField(default=True)
    #: What it may call outside (None: the default profile).
    profile = peewee.ForeignKeyField(CallProfile, null=True, on_delete="RESTRICT", backref="extensions")
    #: Caller ID (E.164) its outside calls carry, before the route's and the trunk's.
    external_callerid = peewee.CharField(max_length=20, default="")
    #: Recording of its calls (made and received): "never", "always", "on_demand" (m0028).
    recording = peewee.CharField(max_length=10, default="never")
    #: Days its recordings are kept (0: the global RECORDINGS_KEEP_DAYS; the longest applicable wins, m0030).
    recording_keep_days = peewee.IntegerField(default=0)
    #: The prompt the parties hear when its policy starts a recording (None: no announcement; m0030).
    recording_prompt = peewee.ForeignKeyField(Prompt, null=True, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "extensions"

    def public_fields(self):
        """Return the fields an audit entry may show (never the voicemail PIN)."""
        return {
            "number": self.number, "name": self.name, "enabled": self.enabled, "email": self.email,
            "language": self.language, "voicemail": self.voicemail_enabled, "max_calls": self.max_calls,
            "ring_seconds": self.ring_seconds, "user": self.user.username if self.user_id else "",
            "profile": self.profile_id, "external_callerid": self.external_callerid,
            "recording": self.recording, "recording_keep_days": self.recording_keep_days,
            "recording_prompt": self.recording_prompt_id,
        }


#: How a device reaches Asterisk: "sip" (UDP/TCP phones, softphones) or "webrtc" (the panel's browser phone).
DEVICE_KINDS = ("sip", "webrtc")


class Device(BaseModel):
    """One SIP device of an extension, with its own credentials; a desk phone also has its MAC."""

    extension = peewee.ForeignKeyField(Extension, backref="devices", on_delete="CASCADE")
    label = peewee.CharField(max_length=64, default="")
    #: One of DEVICE_KINDS: a "webrtc" device registers over the WebSocket with DTLS-SRTP and opus.
    kind = peewee.CharField(max_length=8, default="sip")
    sip_username = peewee.CharField(max_length=40, unique=True)
    # Kept in clear because phones are provisioned with it (digest needs it too);
    # the database file is readable by the appliance only.
    sip_password = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField(default=utcnow)
    # -- provisioned desk phones (null for softphones)
    mac = peewee.CharField(max_length=12, null=True, unique=True)
    vendor = peewee.CharField(max_length=16, default="")
    model = peewee.CharField(max_length=32, default="")
    firmware = peewee.CharField(max_length=64, default="")
    # 128-bit secret in the phone's provisioning URL: the MAC is an identifier, never a credential.
    prov_token = peewee.CharField(max_length=32, null=True, unique=True)
    # The phone's own web admin password, set through provisioning.
    phone_admin_password = peewee.CharField(max_length=32, default="")
    # Zero-touch window: until then, this address may fetch the secrets once without the token.
    # An empty address is bound to the first address that asks inside the window.
    bootstrap_until = peewee.DateTimeField(null=True)
    bootstrap_address = peewee.CharField(max_length=64, default="")
    # The last address refused for asking without the token (shown to the admin, who may allow it).
    refused_address = peewee.CharField(max_length=64, default="")
    refused_at = peewee.DateTimeField(null=True)
    last_fetch_at = peewee.DateTimeField(null=True)
    last_fetch_address = peewee.CharField(max_length=64, default="")
    last_user_agent = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "devices"
