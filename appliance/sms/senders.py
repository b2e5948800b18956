"""The daemon's SMS senders: internal messages through Asterisk, HTTP providers, and the SMPP sessions.

Each takes queued rows (appliance/services/sms.py ``due``), hands them on and records the answer.
SMPP keeps one bind per provider in its own thread (appliance/sms/smpp.py); ``SmppSessions``
starts and stops them as providers are added, changed, disabled or deleted.
"""
import json
import logging
import string
import urllib.error
import urllib.parse
import urllib.request

from appliance.asterisk import control
from appliance.errors import DomainError
from appliance.models.extensions import Device, Extension
from appliance.models.sms import SmsProvider
from appliance.services import sms_delivery
from appliance.sms.smpp import SmppSession

log = logging.getLogger(__name__)
HTTP_TIMEOUT = 15


# -- between extensions -------------------------------------------------------------------------------------


def send_internal_due():
    """Send queued messages between extensions as SIP MESSAGE to each device of the target extension."""
    engine = control.current()
    if engine is None:
        return
    for message in sms_delivery.due("internal"):
        sender = Extension.get_or_none(Extension.number == message.own_number)
        devices = [d.sip_username for d in Device.select().join(Extension).where(Extension.number == message.peer)]
        if not devices:
            sms_delivery.mark_failed(message.id, "the extension has no devices")
            continue
        sms_delivery.mark_sending(message.id)
        try:
            engine.send_text(devices, message.own_number, sender.name if sender else "", message.body)
        except DomainError as exc:
            sms_delivery.mark_retry(message.id, str(exc))
            continue
        # MessageSend succeeds once the SIP stack took it: no receipt follows (notes 7).
        sms_delivery.mark_accepted(message.id, delivered=True)


# -- HTTP providers --------------------------------------------------------------------------------------------


def _escaped(value, content_type):
    """Return ``value`` escaped for the request body: inside a JSON string, or form-encoded."""
    if "json" in content_type:
        return json.dumps(value)[1:-1]
    return urllib.parse.quote_plus(value)


def build_request(provider, message):
    """Return the urllib Request for ``message`` through HTTP ``provider`` (template placeholders escaped)."""
    headers = json.loads(provider.headers or "{}")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "application/json")
    values = {"to": message.peer, "from": message.own_number, "body": message.body, "id": str(message.id)}
    body = string.Template(provider.body_template).safe_substitute(
        {name: _escaped(value, content_type) for name, value in values.items()})
    url = provider.url
    data = body.encode()
    if provider.method == "GET":
        query = urllib.parse.urlencode(values)
        url, data = f"{url}{'&' if '?' in url else '?'}{query}", None
    headers.setdefault("Content-Type", content_type)
    return urllib.request.Request(url, data=data, headers=headers, method=provider.method)


def _dig(document, path):
    for key in path.split("."):
        if not isinstance(document, dict) or key not in document:
            return ""
        document = document[key]
    return str(document)


def send_http_due():
    """Send queued messages of every enabled HTTP provider; 2xx accepts, 4xx fails, the rest retries later."""
    for provider in SmsProvider.select().where(SmsProvider.kind == "http", SmsProvider.enabled):
        for message in sms_delivery.due("http", provider.id):
            sms_delivery.mark_sending(message.id)
            try:
                with urllib.request.urlopen(build_request(provider, message), timeout=HTTP_TIMEOUT) as answer:
                    raw = answer.read(65536)
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
                (sms_delivery.mark_failed if 400 <= exc.code < 500 and exc.code != 429
                 else sms_delivery.mark_retry)(message.id, reason)
                continue
            except (OSError, ValueError) as exc:
                sms_delivery.mark_retry(message.id, f"{type(exc).__name__}: {exc}"[:200])
                continue
            provider_id = ""
            if provider.id_path:
                try:
                    provider_id = _dig(json.loads(raw), provider.id_path)
                except ValueError:
                    provider_id = ""
            part = sms_delivery.part_submitted(message.id, 1)
            sms_delivery.part_accepted(part.id, provider_id or f"cn-{message.id}")


# -- SMPP ------------------------------------------------------------------------------------------------------


class SmppSessions:
    """One SmppSession per enabled SMPP provider; ``reconcile()`` follows the providers table."""

    def __init__(self):
        self.sessions = {}  # provider id -> (settings signature, session)

    @staticmethod
    def _signature(provider):
        return (provider.host, provider.port, provider.system_id, provider.password, provider.system_type)

    def reconcile(self):
        """Start sessions for new providers, restart changed ones, stop removed or disabled ones."""
        wanted = {p.id: self._signature(p) for p in SmsProvider.select().where(SmsProvider.kind == "smpp",
                                                                               SmsProvider.enabled)}
        for provider_id in list(self.sessions):
            signature, session = self.sessions[provider_id]
            if wanted.get(provider_id) != signature or not session.is_alive():
                session.stop()
                del self.sessions[provider_id]
        for provider_id, signature in wanted.items():
            if provider_id not in self.sessions:
                session = SmppSession(provider_id)
                session.start()
                self.sessions[provider_id] = (signature, session)

    def stop(self):
        """Unbind every session."""
        for _, session in self.sessions.values():
            session.stop()
        self.sessions.clear()
