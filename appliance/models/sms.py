"""SMS: providers (SMPP or HTTP), the numbers they carry, and every message as a durable row.

A message is written before anything is sent (status "queued"); the daemon's senders pick queued
rows up, so a restart loses nothing. Each part sent over SMPP has its own row carrying the SMSC's
message id, which delivery receipts name.
"""
import peewee

from appliance.db import BaseModel
from appliance.models.extensions import Extension
from appliance.models.users import utcnow

PROVIDER_KINDS = ("smpp", "http")
DIRECTIONS = ("in", "out")
#: internal: between extensions (SIP MESSAGE); smpp, http: a provider carried it.
CHANNELS = ("internal", "smpp", "http")
#: queued (stored, not yet handed over), sending (handed to the provider, no answer yet), accepted (the
#: provider took it), delivered (receipt), failed (with a reason), received (an inbound message).
STATUSES = ("queued", "sending", "accepted", "delivered", "failed", "received")
HTTP_METHODS = ("POST", "PUT", "GET")


class SmsProvider(BaseModel):
    """A way out to the phone network: an SMPP account (one bind, held by the daemon) or an HTTP API."""

    name = peewee.CharField(max_length=64, unique=True)
    kind = peewee.CharField(max_length=8)
    enabled = peewee.BooleanField(default=True)
    # SMPP
    host = peewee.CharField(max_length=255, default="")
    port = peewee.IntegerField(default=2775)
    system_id = peewee.CharField(max_length=16, default="")
    #: The SMPP password (at most 8 octets in SMPP 3.4): kept to bind, never shown again.
    password = peewee.CharField(max_length=64, default="")
    system_type = peewee.CharField(max_length=13, default="")
    # HTTP
    url = peewee.CharField(max_length=500, default="")
    method = peewee.CharField(max_length=8, default="POST")
    #: JSON object of request headers; values may hold secrets (never shown again).
    headers = peewee.TextField(default="{}")
    #: The request body with $to, $from, $body, $id placeholders (string.Template, values JSON-escaped).
    body_template = peewee.TextField(default="")
    #: Dotted path of the provider's message id in its JSON answer ("data.id"); "" none.
    id_path = peewee.CharField(max_length=100, default="")
    #: SHA-256 of the secret the provider's inbound calls (replies, delivery reports) carry.
    inbound_secret_hash = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sms_providers"

    def public_fields(self):
        """Return what an audit entry may show: never the password, headers or secret."""
        return {"name": self.name, "kind": self.kind, "enabled": self.enabled, "host": self.host, "port": self.port,
                "system_id": self.system_id, "url": self.url, "method": self.method}


class SmsNumber(BaseModel):
    """A public number a provider sends from and receives on, and the extension whose inbox it feeds."""

    number = peewee.CharField(max_length=20, unique=True)  # E.164
    provider = peewee.ForeignKeyField(SmsProvider, backref="numbers", on_delete="CASCADE")
    #: None: a shared number (sends for anyone; what arrives goes to the admins' view only).
    extension = peewee.ForeignKeyField(Extension, null=True, backref="sms_numbers", on_delete="SET NULL")

    class Meta:
        table_name = "sms_numbers"


class SmsMessage(BaseModel):
    """One message, in or out: written before it is sent; its status follows the provider's answers."""

    direction = peewee.CharField(max_length=3)
    channel = peewee.CharField(max_length=8)
    #: Our side: the extension's number (internal) or our public number (E.164).
    own_number = peewee.CharField(max_length=20)
    #: The other side: an extension number or an E.164 number.
    peer = peewee.CharField(max_length=20)
    #: Whose inbox/outbox it is in; None for a message to a shared number.
    extension = peewee.ForeignKeyField(Extension, null=True, backref="sms", on_delete="SET NULL")
    body = peewee.TextField()
    encoding = peewee.CharField(max_length=8, default="")
    parts = peewee.IntegerField(default=1)
    provider = peewee.ForeignKeyField(SmsProvider, null=True, backref="messages", on_delete="SET NULL")
    status = peewee.CharField(max_length=10, default="queued")
    reason = peewee.CharField(max_length=200, default="")
    #: Who asked for it (a user name, "api:<token name>"), for the audit trail.
    created_by = peewee.CharField(max_length=80, default="")
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    sent_at = peewee.DateTimeField(null=True)
    delivered_at = peewee.DateTimeField(null=True)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sms_messages"
        indexes = ((("extension", "peer", "id"), False), (("status", "channel"), False))


class SmsPart(BaseModel):
    """One submitted part of an outgoing message and the provider's id for it (what receipts name)."""

    message = peewee.ForeignKeyField(SmsMessage, backref="part_rows", on_delete="CASCADE")
    seq = peewee.IntegerField()
    provider_message_id = peewee.CharField(max_length=65, default="", index=True)
    status = peewee.CharField(max_length=10, default="sending")
    error = peewee.CharField(max_length=32, default="")

    class Meta:
        table_name = "sms_parts"
        indexes = ((("message", "seq"), True),)


class SmsFragment(BaseModel):
    """A received part of a concatenated message, kept until its siblings arrive (durable across restarts)."""

    provider = peewee.ForeignKeyField(SmsProvider, on_delete="CASCADE")
    peer = peewee.CharField(max_length=20)
    own_number = peewee.CharField(max_length=20)
    reference = peewee.IntegerField()
    total = peewee.IntegerField()
    seq = peewee.IntegerField()
    text = peewee.TextField()
    received_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sms_fragments"
        indexes = ((("provider", "peer", "reference", "seq"), True),)
