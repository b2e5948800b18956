"""Webhook endpoints: create (the secret shown once), change, delete, test, redeliver (decision 018).

Only administrators (pages) and tokens with ``webhooks:write`` set URLs. A URL is ``http`` or
``https`` with a host name or address and no credentials; where it may point is checked again
at every delivery against the address it resolves to then (webhook_delivery.resolve), so a
name that later resolves to a forbidden address is refused too.
"""
import ipaddress
import json
import secrets
import unicodedata
import urllib.parse
from dataclasses import dataclass

from appliance import events
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.users import utcnow
from appliance.models.webhooks import WebhookDelivery, WebhookEndpoint
from appliance.services import audit

SECRET_PREFIX = "whsec_"
#: Endpoints one installation may have: each multiplies every event's deliveries.
MAX_ENDPOINTS = 50


@dataclass
class EndpointInput:
    """What an administrator enters for an endpoint."""

    name: str
    url: str
    event_types: tuple
    enabled: bool = True


def new_secret():
    """Return a fresh signing secret: ``whsec_`` and 32 random bytes in URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def literal_address(host):
    """Return the IP address ``host`` spells (brackets allowed), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def address_allowed(address, allow_private):
    """Tell whether a webhook may be sent to ``address`` (an ip_address).

    Never: link-local (cloud metadata at 169.254.169.254), multicast, unspecified, reserved.
    Loopback and private ranges only with WEBHOOK_ALLOW_PRIVATE (a CRM on the office network).
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
        return False
    if address.is_loopback or address.is_private or not address.is_global:
        return bool(allow_private)
    return True


def _check_url(url, allow_private, errors):
    url = (url or "").strip()
    if not url:
        errors["url"] = (N_("Enter the URL that receives the events."), {})
        return url
    if len(url) > 500 or any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url):
        errors["url"] = (N_("Enter a URL of at most 500 characters, without spaces."), {})
        return url
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        errors["url"] = (N_("Enter a valid URL, like https://crm.example.com/hooks/pbx."), {})
        return url
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors["url"] = (N_("Enter a valid URL, like https://crm.example.com/hooks/pbx."), {})
    elif parts.username or parts.password:
        errors["url"] = (N_("Put no user name or password in the URL: the signature authenticates each event."), {})
    elif parts.fragment:
        errors["url"] = (N_("Enter a valid URL, like https://crm.example.com/hooks/pbx."), {})
    else:
        address = literal_address(parts.hostname)
        if address is not None and not address_allowed(address, allow_private):
            errors["url"] = (N_("Webhooks may not be sent to %(address)s."), {"address": str(address)})
    return url


def _validate(data, allow_private, current_id=None):
    errors = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = (N_("Enter a name."), {})
    elif len(name) > 64:
        errors["name"] = (N_("Use at most %(max)d characters."), {"max": 64})
    elif any(unicodedata.category(ch).startswith("C") for ch in name):
        errors["name"] = (N_("Control characters are not allowed."), {})
    elif WebhookEndpoint.select().where((WebhookEndpoint.name == name) & (WebhookEndpoint.id != (current_id or 0))
                                        ).exists():
        errors["name"] = (N_("Another webhook already has this name."), {})
    url = _check_url(data.url, allow_private, errors)
    types = sorted(set(data.event_types or ()))
    if not types:
        errors["event_types"] = (N_("Choose at least one event."), {})
    elif not set(types) <= set(events.TYPES):
        errors["event_types"] = (N_("Choose events from the list."), {})
    if errors:
        raise ValidationError(errors)
    return name, url, types


def get_endpoint(endpoint_id):
    """Return endpoint ``endpoint_id`` or raise NotFound."""
    row = WebhookEndpoint.get_or_none(WebhookEndpoint.id == endpoint_id)
    if row is None:
        raise NotFound(N_("Webhook not found."))
    return row


def list_endpoints():
    """Return every endpoint, by name."""
    return WebhookEndpoint.select().order_by(WebhookEndpoint.name)


def create(data, actor, allow_private=False):
    """Create an endpoint; return (row, secret). The secret is never shown again."""
    name, url, types = _validate(data, allow_private)
    secret = new_secret()
    with database.atomic():
        if WebhookEndpoint.select().count() >= MAX_ENDPOINTS:
            raise ValidationError.one("name", N_("At most %(max)d webhooks: delete one first."), max=MAX_ENDPOINTS)
        row = WebhookEndpoint.create(name=name, url=url, secret=secret, event_types=" ".join(types),
                                     enabled=bool(data.enabled), created_by=actor.username, created_at=utcnow())
        audit.record(actor, "webhook.create", "webhook", row.id, name, after=row.public_fields())
    return row, secret


def update(endpoint_id, data, actor, allow_private=False):
    """Change an endpoint's name, URL, events and whether it is on; return it."""
    name, url, types = _validate(data, allow_private, current_id=endpoint_id)
    with database.atomic():
        row = get_endpoint(endpoint_id)
        before = row.public_fields()
        row.name, row.url, row.event_types = name, url, " ".join(types)
        if bool(data.enabled) and not row.enabled:
            row.failing_since, row.disabled_reason = None, ""  # turned on again: a fresh start
        row.enabled = bool(data.enabled)
        row.save()
        audit.record(actor, "webhook.update", "webhook", row.id, name, before=before, after=row.public_fields())
    return row


def rotate_secret(endpoint_id, actor):
    """Give the endpoint a new secret; return (row, secret), shown once. The old one stops at once."""
    with database.atomic():
        row = get_endpoint(endpoint_id)
        secret = new_secret()
        row.secret = secret
        row.save()
        audit.record(actor, "webhook.rotate_secret", "webhook", row.id, row.name)
    return row, secret


def delete(endpoint_id, actor):
    """Delete an endpoint and its delivery log."""
    with database.atomic():
        row = get_endpoint(endpoint_id)
        audit.record(actor, "webhook.delete", "webhook", row.id, row.name, before=row.public_fields())
        row.delete_instance(recursive=True)


def body(uid, type_, data, event_id=None, created_at=None):
    """Return the JSON text sent for one delivery (what the signature covers)."""
    return json.dumps({"id": uid, "type": type_, "event_id": event_id,
                       "created_at": (created_at or utcnow()).isoformat() + "Z", "data": data},
                      separators=(",", ":"), default=str)


def send_test(endpoint_id, actor):
    """Queue a test event for the endpoint (sent by the daemon within a second); return the delivery."""
    with database.atomic():
        row = get_endpoint(endpoint_id)
        uid = "test_" + secrets.token_hex(10)
        delivery = WebhookDelivery.create(
            endpoint=row.id, uid=uid, type=events.TEST_TYPE, created_at=utcnow(), next_attempt_at=utcnow(),
            payload=body(uid, events.TEST_TYPE, {"message": "Centralina test event", "webhook": row.name}))
        audit.record(actor, "webhook.test", "webhook", row.id, row.name)
    return delivery


def get_delivery(delivery_id, endpoint_id=None):
    """Return delivery ``delivery_id`` (of ``endpoint_id`` when given) or raise NotFound."""
    query = WebhookDelivery.select().where(WebhookDelivery.id == delivery_id)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint == endpoint_id)
    row = query.first()
    if row is None:
        raise NotFound(N_("Delivery not found."))
    return row


def redeliver(delivery_id, actor, endpoint_id=None):
    """Send a delivery again now (the same id and body, a new signature); return it."""
    with database.atomic():
        row = get_delivery(delivery_id, endpoint_id)
        row.status, row.next_attempt_at, row.error = "pending", utcnow(), ""
        row.save()
        audit.record(actor, "webhook.redeliver", "webhook", row.endpoint_id, row.uid)
    return row


def list_deliveries(endpoint_id, status=""):
    """Return the endpoint's deliveries, newest first (``status``: only those)."""
    query = WebhookDelivery.select().where(WebhookDelivery.endpoint == endpoint_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return query.order_by(WebhookDelivery.id.desc())
