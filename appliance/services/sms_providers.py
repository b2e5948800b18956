"""SMS providers (admins): SMPP accounts and HTTP APIs, the public numbers they carry, the inbound secret.

Secrets (the SMPP password, HTTP headers, the inbound webhook secret) are written once and never
shown again: a form left empty keeps the stored one; the inbound secret is generated here and
returned once, only its SHA-256 kept.
"""
import hashlib
import json
import re
import secrets
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

from appliance import phone_numbers
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.sms import HTTP_METHODS, PROVIDER_KINDS, SmsMessage, SmsNumber, SmsProvider
from appliance.services import audit

_NAME = re.compile(r"[\w .\-]{1,64}")
_HOST = re.compile(r"[A-Za-z0-9.\-:]{1,255}")
_HEADER_NAME = re.compile(r"[A-Za-z0-9\-]{1,64}")
_ID_PATH = re.compile(r"([A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)?")
TEMPLATE_FIELDS = ("to", "from", "body", "id")


@dataclass
class ProviderInput:
    """A provider as the admin fills it in; empty secrets keep the stored ones."""

    name: str = ""
    kind: str = "smpp"
    enabled: bool = True
    host: str = ""
    port: int = 2775
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    url: str = ""
    method: str = "POST"
    headers: str = ""  # JSON object text
    body_template: str = ""
    id_path: str = ""


def get_provider(provider_id):
    """Return provider ``provider_id`` or raise NotFound."""
    provider = SmsProvider.get_or_none(SmsProvider.id == provider_id)
    if provider is None:
        raise NotFound(N_("SMS provider not found."))
    return provider


def _validate(data, current, errors):
    clean = {"name": (data.name or "").strip(), "kind": data.kind, "enabled": bool(data.enabled)}
    if not _NAME.fullmatch(clean["name"]):
        errors["name"] = (N_("Use letters, digits, spaces, dots and dashes, at most %(max)d."), {"max": 64})
    elif SmsProvider.select().where(SmsProvider.name == clean["name"],
                                    SmsProvider.id != (current.id if current else 0)).exists():
        errors["name"] = (N_("Another provider has this name."), {})
    if data.kind not in PROVIDER_KINDS:
        errors["kind"] = (N_("Choose an option from the list."), {})
    if data.kind == "smpp":
        clean.update(host=(data.host or "").strip(), system_id=(data.system_id or "").strip(),
                     system_type=(data.system_type or "").strip())
        if not _HOST.fullmatch(clean["host"]):
            errors["host"] = (N_("Enter a host name or address."), {})
        try:
            clean["port"] = int(data.port)
            if not 1 <= clean["port"] <= 65535:
                raise ValueError
        except (TypeError, ValueError):
            errors["port"] = (N_("Enter a port from 1 to 65535."), {})
        if not clean["system_id"] or len(clean["system_id"]) > 15 or not clean["system_id"].isprintable():
            errors["system_id"] = (N_("Enter the system ID the provider gave you (at most 15 characters)."), {})
        if len(clean["system_type"]) > 12 or not clean["system_type"].isprintable():
            errors["system_type"] = (N_("Use at most %(max)d characters."), {"max": 12})
        if data.password:
            if len(data.password) > 8 or not data.password.isprintable():
                errors["password"] = (N_("SMPP passwords have at most 8 characters."), {})
            clean["password"] = data.password
        elif current is None or not current.password:
            errors["password"] = (N_("Enter the password."), {})
    if data.kind == "http":
        url = (data.url or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500 or not url.isprintable():
            errors["url"] = (N_("Enter an http:// or https:// address."), {})
        clean["url"] = url
        if data.method not in HTTP_METHODS:
            errors["method"] = (N_("Choose an option from the list."), {})
        clean["method"] = data.method
        if data.headers:
            try:
                headers = json.loads(data.headers)
                if not isinstance(headers, dict) or not all(
                        _HEADER_NAME.fullmatch(str(k)) and isinstance(v, str) and v.isprintable()
                        for k, v in headers.items()):
                    raise ValueError
                clean["headers"] = json.dumps(headers)
            except ValueError:
                errors["headers"] = (N_('Write the headers as a JSON object: {"Authorization": "Bearer ..."}.'),
                                     {})
        template = data.body_template or ""
        try:
            names = {m.group("named") or m.group("braced")
                     for m in string.Template.pattern.finditer(template) if m.group("invalid") is None}
            names.discard(None)
            if any(m.group("invalid") is not None for m in string.Template.pattern.finditer(template)):
                raise ValueError
        except ValueError:
            names = {"?"}
        if len(template) > 4000 or names - set(TEMPLATE_FIELDS):
            errors["body_template"] = (N_("Use only the placeholders $to, $from, $body and $id."), {})
        clean["body_template"] = template
        if not _ID_PATH.fullmatch(data.id_path or ""):
            errors["id_path"] = (N_("Write a dotted path such as data.id, or leave it empty."), {})
        clean["id_path"] = data.id_path or ""
    return clean


def create(data, actor):
    """Create a provider; return ``(provider, inbound secret)`` — the secret is shown this once only."""
    errors = {}
    clean = _validate(data, None, errors)
    if errors:
        raise ValidationError(errors)
    secret = "whsms_" + secrets.token_urlsafe(24)
    with database.atomic():
        provider = SmsProvider.create(**clean, inbound_secret_hash=hashlib.sha256(secret.encode()).hexdigest())
        audit.record(actor, "sms_provider.create", "sms_provider", provider.id, provider.name,
                     after=provider.public_fields())
    return provider, secret


def update(provider_id, data, actor):
    """Change a provider (empty secrets keep the stored ones); return it."""
    with database.atomic():
        provider = get_provider(provider_id)
        before = provider.public_fields()
        errors = {}
        clean = _validate(data, provider, errors)
        if errors:
            raise ValidationError(errors)
        for name, value in clean.items():
            setattr(provider, name, value)
        provider.save()
        audit.record(actor, "sms_provider.update", "sms_provider", provider.id, provider.name, before=before,
                     after=provider.public_fields())
    return provider


def new_inbound_secret(provider_id, actor):
    """Replace the provider's inbound secret; return the new one (shown once)."""
    secret = "whsms_" + secrets.token_urlsafe(24)
    with database.atomic():
        provider = get_provider(provider_id)
        provider.inbound_secret_hash = hashlib.sha256(secret.encode()).hexdigest()
        provider.save()
        audit.record(actor, "sms_provider.secret", "sms_provider", provider.id, provider.name)
    return secret


def check_inbound_secret(provider, presented):
    """Tell whether ``presented`` is ``provider``'s inbound secret (constant-time)."""
    digest = hashlib.sha256((presented or "").encode()).hexdigest()
    return bool(provider.inbound_secret_hash) and secrets.compare_digest(digest, provider.inbound_secret_hash)


def delete(provider_id, actor):
    """Delete a provider and its numbers; messages keep their text and lose the link."""
    with database.atomic():
        provider = get_provider(provider_id)
        SmsMessage.update(provider=None).where(SmsMessage.provider == provider.id).execute()
        audit.record(actor, "sms_provider.delete", "sms_provider", provider.id, provider.name,
                     before=provider.public_fields())
        provider.delete_instance(recursive=False)
        SmsNumber.delete().where(SmsNumber.provider == provider.id).execute()


def add_number(provider_id, number, extension_number, actor):
    """Attach public ``number`` to a provider, feeding ``extension_number``'s inbox ("" shared); return it."""
    errors = {}
    provider = get_provider(provider_id)
    clean = phone_numbers.normalize(number or "")
    if not clean or not clean.startswith("+"):
        errors["number"] = (N_("Enter a phone number with its area code."), {})
    elif SmsNumber.select().where(SmsNumber.number == clean).exists():
        errors["number"] = (N_("This number is already on the list."), {})
    extension = None
    if extension_number:
        extension = Extension.get_or_none(Extension.number == extension_number.strip())
        if extension is None:
            errors["extension"] = (N_("No such extension: %(numbers)s."), {"numbers": extension_number})
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        row = SmsNumber.create(number=clean, provider=provider, extension=extension)
        audit.record(actor, "sms_number.create", "sms_number", row.id, clean,
                     after={"provider": provider.name, "extension": extension.number if extension else ""})
    return row


def remove_number(number_id, actor):
    """Detach a public number from its provider."""
    with database.atomic():
        row = SmsNumber.get_or_none(SmsNumber.id == number_id)
        if row is None:
            raise NotFound(N_("Number not found."))
        audit.record(actor, "sms_number.delete", "sms_number", row.id, row.number)
        row.delete_instance()
