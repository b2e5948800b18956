"""SMS messages: compose (validated, stored before anything is sent), receive, delivery reports, listing.

Every message is a row written in the caller's transaction with status "queued"; the daemon's
senders (appliance/sms/senders.py) hand queued rows to Asterisk (between extensions) or to a
provider (SMPP, HTTP) and record each step (services/sms_delivery.py): accepted, delivered,
failed with a reason. What arrives (SIP MESSAGE from a phone, deliver_sm, an HTTP provider's webhook) lands through
``receive`` in the inbox of the extension owning the number.

``published`` is the one call site the webhook publisher hooks into (events ``sms.received``
and ``sms.delivered``); until it is wired it does nothing.
"""
import base64
import binascii
import datetime
from dataclasses import dataclass

import peewee

from appliance import events, phone_numbers
from appliance.db import database
from appliance.errors import NotFound, PermissionDenied, ValidationError  # noqa: F401 - callers catch them here
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.sms import SmsFragment, SmsMessage, SmsNumber, SmsProvider
from appliance.models.users import utcnow
from appliance.services.phonebook import is_admin
from appliance.sms import codec

#: The longest message: this many parts (1,530 GSM-7 or 670 UCS-2 characters); providers bill per part.
MAX_PARTS = 10
#: Fragments of a long inbound message whose siblings never came are dropped after this long.
FRAGMENT_HOURS = 24


@dataclass
class SendInput:
    """What a person (or an API client) composes: to whom (an extension or a phone number) and the text."""

    to: str = ""
    body: str = ""


def published(event, message):
    """Publish ``event`` ("sms.received", "sms.delivered") of ``message`` (appliance/events.py).

    The one call site for SMS events: webhooks and event streams take them from there. It runs
    after the commit that made the change; its caller swallows a failure.
    """
    number = message.extension.number if message.extension_id else ""
    events.publish(event, {
        "id": message.id, "direction": message.direction, "channel": message.channel,
        "own_number": message.own_number, "peer": message.peer, "extension": number, "body": message.body,
        "encoding": message.encoding, "parts": message.parts, "status": message.status, "reason": message.reason,
        "created_at": message.created_at, "delivered_at": message.delivered_at,
    }, extensions=(number,) if number else ())


def after_commit_publish(event, message_id):
    """Call ``published`` for message ``message_id`` once the current transaction commits."""
    def run():
        message = SmsMessage.get_or_none(SmsMessage.id == message_id)
        if message is not None:
            try:
                published(event, message)
            except Exception:  # noqa: BLE001 - a webhook problem never undoes a stored message
                pass
    database.after_commit(run)


def _clean_body(body, errors):
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        errors["body"] = (N_("Write the message."), {})
        return text, "", 0
    if any(ord(char) < 32 and char not in "\n\t" for char in text):
        errors["body"] = (N_("The message holds control characters."), {})
        return text, "", 0
    encoding, parts = codec.count_parts(text)
    if parts > MAX_PARTS:
        limit = codec.PER_PART[encoding] * MAX_PARTS
        errors["body"] = (N_("The message is too long: at most %(max)d characters with these letters."),
                          {"max": limit})
    return text, encoding, parts


def _clean_to(raw, sender, errors):
    """Return ``(extension or None, peer number)``: an extension of ours, or a public number in E.164."""
    text = phone_numbers.strip_separators((raw or "").strip())
    target = Extension.get_or_none(Extension.number == text) if text.isdigit() and len(text) <= 8 else None
    if target is not None:
        if sender is not None and target.id == sender.id:
            errors["to"] = (N_("Choose someone else: this is your own extension."), {})
        return target, target.number
    number = phone_numbers.normalize(text) if text else None
    if not number or not number.startswith("+"):
        errors["to"] = (N_("Enter an extension or a mobile number with its area code."), {})
        return None, ""
    return None, number


def sending_number(extension):
    """Return the SmsNumber ``extension`` sends outside from: its own, else a shared one; None if neither."""
    query = (SmsNumber.select(SmsNumber, SmsProvider).join(SmsProvider)
             .where(SmsProvider.enabled).order_by(SmsNumber.id))
    own = query.where(SmsNumber.extension == extension.id).first() if extension is not None else None
    return own or query.where(SmsNumber.extension.is_null()).first()


def may_act_for(actor, extension):
    """Raise PermissionDenied unless ``actor`` is an admin or the person ``extension`` belongs to."""
    if is_admin(actor):
        return
    if extension is None or extension.user_id is None or extension.user_id != actor.user_id:
        raise PermissionDenied(N_("You may send messages only from your own extension."))


def send(sender, data, actor):
    """Store a message from extension ``sender`` to ``data.to`` (queued) and return it; nothing is stored on error.

    To an extension it goes as SIP MESSAGE to its devices and also lands in its inbox; to a
    public number it goes through the provider of the sender's SMS number.
    """
    may_act_for(actor, sender)
    errors = {}
    body, encoding, parts = _clean_body(data.body, errors)
    target, peer = _clean_to(data.to, sender, errors)
    route = None
    if target is None and peer and not errors:
        route = sending_number(sender)
        if route is None:
            errors["to"] = (N_("No SMS provider is set up to send to outside numbers."), {})
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        now = utcnow()
        if target is not None:
            message = SmsMessage.create(direction="out", channel="internal", own_number=sender.number, peer=peer,
                                        extension=sender, body=body, encoding="text", parts=1, status="queued",
                                        created_by=actor.username, created_at=now, updated_at=now)
            SmsMessage.create(direction="in", channel="internal", own_number=target.number, peer=sender.number,
                              extension=target, body=body, encoding="text", parts=1, status="received",
                              created_by=actor.username, created_at=now, updated_at=now)
        else:
            message = SmsMessage.create(direction="out", channel=route.provider.kind, own_number=route.number,
                                        peer=peer, extension=sender, body=body, encoding=encoding, parts=parts,
                                        provider=route.provider, status="queued", created_by=actor.username,
                                        created_at=now, updated_at=now)
    return message


def get_message(message_id):
    """Return the message with ``message_id`` or raise NotFound."""
    message = SmsMessage.get_or_none(SmsMessage.id == message_id)
    if message is None:
        raise NotFound(N_("Message not found."))
    return message


def get_visible(message_id, extension=None):
    """Return message ``message_id`` if ``extension`` (None: every message, for admins) may see it; else NotFound."""
    message = get_message(message_id)
    if extension is not None and message.extension_id != extension.id:
        raise NotFound(N_("Message not found."))
    return message


def list_messages(extension=None, peer="", direction="", status="", channel=""):
    """Return a query of messages, newest first: ``extension``'s own (None: everyone's), filtered."""
    query = SmsMessage.select().order_by(SmsMessage.id.desc())
    if extension is not None:
        query = query.where(SmsMessage.extension == extension.id)
    if peer:
        query = query.where(SmsMessage.peer == peer)
    if direction:
        query = query.where(SmsMessage.direction == direction)
    if status:
        query = query.where(SmsMessage.status == status)
    if channel:
        query = query.where(SmsMessage.channel == channel)
    return query


@dataclass(frozen=True)
class Conversation:
    """The messages between one of our numbers (an extension or a public number) and one peer."""

    extension_id: int | None
    own_number: str
    peer: str
    count: int
    last_id: int
    last_body: str
    last_at: object


def conversations(extension=None, limit=50, before_id=None):
    """Return ``extension``'s conversations (None: everyone's), the one with the newest message first."""
    newest = peewee.fn.MAX(SmsMessage.id)
    grouped = (SmsMessage.select(SmsMessage.extension, SmsMessage.own_number, SmsMessage.peer,
                                 peewee.fn.COUNT(SmsMessage.id).alias("count"), newest.alias("last_id"))
               .group_by(SmsMessage.extension, SmsMessage.own_number, SmsMessage.peer)
               .order_by(newest.desc()).limit(limit))
    if extension is not None:
        grouped = grouped.where(SmsMessage.extension == extension.id)
    if before_id is not None:
        grouped = grouped.having(newest < before_id)
    rows = list(grouped.dicts())
    last = {m.id: m for m in SmsMessage.select().where(SmsMessage.id.in_([row["last_id"] for row in rows]))}
    return [Conversation(row["extension"], row["own_number"], row["peer"], row["count"], row["last_id"],
                         last[row["last_id"]].body, last[row["last_id"]].created_at) for row in rows]


# -- what arrives ----------------------------------------------------------------------------------------------


def _own(number):
    """Return the SmsNumber for our public ``number`` (E.164 or as the SMSC wrote it), or None."""
    normal = phone_numbers.normalize(number if number.startswith("+") else f"+{number}") or number
    return SmsNumber.get_or_none(SmsNumber.number == normal)


def _e164(number):
    text = (number or "").strip()
    if text.isdigit() and len(text) > 8:
        return phone_numbers.normalize(f"+{text}") or text
    return phone_numbers.normalize(text) or text[:20]


def receive(provider_id, source, destination, segment):
    """Store a received SMS (or one part of a long one); return the message once whole, else None.

    ``segment`` is a codec.Segment; parts wait in sms_fragments until all have come.
    """
    peer = _e164(source)
    route = _own(destination)
    own_number = route.number if route is not None else _e164(destination)
    with database.atomic():
        if segment.total > 1:
            SmsFragment.insert(provider=provider_id, peer=peer, own_number=own_number, reference=segment.reference,
                               total=segment.total, seq=segment.seq, text=segment.text,
                               received_at=utcnow()).on_conflict_ignore().execute()
            held = list(SmsFragment.select().where(SmsFragment.provider == provider_id, SmsFragment.peer == peer,
                                                   SmsFragment.reference == segment.reference)
                        .order_by(SmsFragment.seq))
            if len({fragment.seq for fragment in held}) < segment.total:
                return None
            text = "".join(fragment.text for fragment in held)
            SmsFragment.delete().where(SmsFragment.id.in_([fragment.id for fragment in held])).execute()
        else:
            text = segment.text
        provider = SmsProvider.get_by_id(provider_id)
        encoding, parts = codec.count_parts(text)
        now = utcnow()
        message = SmsMessage.create(direction="in", channel=provider.kind, own_number=own_number, peer=peer,
                                    extension=route.extension_id if route is not None else None, body=text,
                                    encoding=encoding, parts=max(parts, segment.total), provider=provider_id,
                                    status="received", created_at=now, updated_at=now)
        after_commit_publish("sms.received", message.id)
    return message


def receive_internal(from_extension, to_extension, body):
    """Store a SIP MESSAGE one extension's phone sent another's (reported by the dialplan); return the two rows."""
    sender = Extension.get_or_none(Extension.number == from_extension)
    target = Extension.get_or_none(Extension.number == to_extension)
    if sender is None or target is None or not body:
        return None
    now = utcnow()
    with database.atomic():
        out = SmsMessage.create(direction="out", channel="internal", own_number=sender.number, peer=target.number,
                                extension=sender, body=body[:2000], encoding="text", status="delivered",
                                created_by=sender.number, created_at=now, updated_at=now, sent_at=now,
                                delivered_at=now)
        received = SmsMessage.create(direction="in", channel="internal", own_number=target.number,
                                     peer=sender.number, extension=target, body=body[:2000], encoding="text",
                                     status="received", created_at=now, updated_at=now)
        after_commit_publish("sms.received", received.id)
    return out, received


def forget_stale_fragments():
    """Drop parts of long messages whose siblings never came (older than FRAGMENT_HOURS)."""
    cutoff = utcnow() - datetime.timedelta(hours=FRAGMENT_HOURS)
    with database.atomic():
        return SmsFragment.delete().where(SmsFragment.received_at < cutoff).execute()


def receive_internal_event(from_extension, to_extension, body_base64):
    """Store what the dialplan reported of a phone-to-phone SIP MESSAGE (UserEvent, body in base64)."""
    try:
        body = base64.b64decode(body_base64, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return None
    return receive_internal(from_extension.strip(), to_extension.strip(), body.strip())
