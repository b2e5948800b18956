"""Webhook endpoints, their deliveries (durable rows the daemon sends and retries) and each attempt."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow

DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookEndpoint(BaseModel):
    """A URL that receives the events it subscribes to, signed with its own secret."""

    name = peewee.CharField(max_length=64)
    url = peewee.CharField(max_length=500)
    #: The shared secret (``whsec_…``): needed in clear to sign, so kept; shown only once.
    secret = peewee.CharField(max_length=80)
    #: Space-separated event types (``call.ringing call.hungup``).
    event_types = peewee.TextField(default="")
    enabled = peewee.BooleanField(default=True)
    created_by = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    #: Since when every attempt failed (None: the last one succeeded, or none was made).
    failing_since = peewee.DateTimeField(null=True)
    last_success_at = peewee.DateTimeField(null=True)
    #: Why the daemon turned it off (empty when an admin did, or it is on).
    disabled_reason = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "webhook_endpoints"

    def type_list(self):
        """Return the subscribed event types, sorted."""
        return sorted(self.event_types.split())

    def public_fields(self):
        """Return the fields an audit entry may show (never the secret)."""
        return {"name": self.name, "url": self.url, "event_types": self.event_types, "enabled": self.enabled}


class WebhookDelivery(BaseModel):
    """One event to send to one endpoint: kept until delivered or given up, retried with backoff."""

    endpoint = peewee.ForeignKeyField(WebhookEndpoint, on_delete="CASCADE", backref="deliveries", index=True)
    #: The Event it carries (None for a test event).
    event_id = peewee.IntegerField(null=True)
    #: Sent as ``Centralina-Webhook-Id``: the same on every retry, so the receiver can skip duplicates.
    uid = peewee.CharField(max_length=40, unique=True)
    type = peewee.CharField(max_length=40)
    #: The exact JSON body sent (and signed).
    payload = peewee.TextField()
    status = peewee.CharField(max_length=16, default="pending")
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = peewee.DateTimeField(null=True, index=True)
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    last_attempt_at = peewee.DateTimeField(null=True)
    response_code = peewee.IntegerField(null=True)
    error = peewee.CharField(max_length=255, default="")
    latency_ms = peewee.FloatField(null=True)

    class Meta:
        table_name = "webhook_deliveries"


class WebhookAttempt(BaseModel):
    """One HTTP attempt of a delivery: the delivery log."""

    delivery = peewee.ForeignKeyField(WebhookDelivery, on_delete="CASCADE", backref="attempt_log", index=True)
    at = peewee.DateTimeField(default=utcnow)
    response_code = peewee.IntegerField(null=True)
    #: The first characters of the answer (what the receiver said about a failure).
    response_body = peewee.CharField(max_length=500, default="")
    error = peewee.CharField(max_length=255, default="")
    latency_ms = peewee.FloatField(null=True)

    class Meta:
        table_name = "webhook_attempts"
