"""SMS delivery: what the daemon's senders report about queued messages (appliance/sms/).

Each function records one step of a message's way out — taken for sending, accepted with the
provider's id per part, refused (retry later or fail), a delivery receipt — in its own
transaction, so a crash between two steps leaves a row the next start picks up again.
"""
import datetime

from appliance.db import database
from appliance.models.sms import SmsMessage, SmsPart
from appliance.models.users import utcnow
from appliance.services.sms import after_commit_publish
from appliance.sms import codec

#: Waits (seconds) before each new attempt at a message a provider could not take; then it fails.
RETRY_DELAYS = (5, 30, 120, 600, 1800)


def due(channel, provider_id=None, limit=20):
    """Return queued messages of ``channel`` (and provider) whose next attempt is due, oldest first."""
    now = utcnow()
    query = (SmsMessage.select().where(SmsMessage.status == "queued", SmsMessage.channel == channel,
                                       SmsMessage.direction == "out",
                                       (SmsMessage.next_attempt_at.is_null()) | (SmsMessage.next_attempt_at <= now))
             .order_by(SmsMessage.id).limit(limit))
    if provider_id is not None:
        query = query.where(SmsMessage.provider == provider_id)
    return list(query)


def _set(message_id, **fields):
    fields["updated_at"] = utcnow()
    SmsMessage.update(**fields).where(SmsMessage.id == message_id).execute()


def mark_sending(message_id):
    """Record that ``message_id`` is being handed over (one more attempt)."""
    with database.atomic():
        _set(message_id, status="sending", attempts=SmsMessage.attempts + 1, sent_at=utcnow())


def mark_accepted(message_id, delivered=False):
    """Record that the provider (or Asterisk) took ``message_id``; ``delivered`` when nothing more will come."""
    with database.atomic():
        if delivered:
            _set(message_id, status="delivered", delivered_at=utcnow(), reason="")
            after_commit_publish("sms.delivered", message_id)
        else:
            SmsMessage.update(status="accepted", updated_at=utcnow()).where(
                SmsMessage.id == message_id, SmsMessage.status.in_(("queued", "sending"))).execute()


def mark_retry(message_id, reason):
    """Put ``message_id`` back in the queue for a later attempt, or fail it once the attempts are spent."""
    with database.atomic():
        message = SmsMessage.get_by_id(message_id)
        if message.attempts > len(RETRY_DELAYS):
            _set(message_id, status="failed", reason=reason[:200])
            return
        wait = RETRY_DELAYS[max(message.attempts - 1, 0)]
        _set(message_id, status="queued", reason=reason[:200],
             next_attempt_at=utcnow() + datetime.timedelta(seconds=wait))


def mark_failed(message_id, reason):
    """Record that ``message_id`` cannot be delivered, and why."""
    with database.atomic():
        _set(message_id, status="failed", reason=reason[:200])


def requeue_unfinished(channel, provider_id=None):
    """Put messages left "sending" by a stopped sender back in the queue (a restart loses none).

    A message the provider took just before the stop may go twice: SMPP has no idempotency key.
    """
    query = SmsMessage.update(status="queued", updated_at=utcnow()).where(
        SmsMessage.status == "sending", SmsMessage.channel == channel)
    if provider_id is not None:
        query = query.where(SmsMessage.provider == provider_id)
    with database.atomic():
        SmsPart.delete().where(SmsPart.message.in_(
            SmsMessage.select(SmsMessage.id).where(SmsMessage.status == "sending", SmsMessage.channel == channel)),
            SmsPart.provider_message_id == "").execute()
        return query.execute()


def part_submitted(message_id, seq):
    """Record that part ``seq`` of ``message_id`` went out; return the part row."""
    with database.atomic():
        part, _ = SmsPart.get_or_create(message=message_id, seq=seq)
        SmsPart.update(status="sending", provider_message_id="", error="").where(SmsPart.id == part.id).execute()
    return part


def part_accepted(part_id, provider_message_id):
    """Record the provider's id of a part; the message is "accepted" once every part is."""
    with database.atomic():
        part = SmsPart.get_by_id(part_id)
        SmsPart.update(provider_message_id=codec.normal_id(provider_message_id), status="accepted").where(
            SmsPart.id == part_id).execute()
        message = part.message
        taken = SmsPart.select().where(SmsPart.message == message.id, SmsPart.status != "sending").count()
        if taken >= message.parts:
            mark_accepted(message.id)


def part_refused(part_id, reason, retry):
    """Record that the provider refused a part: retry the whole message later, or fail it."""
    part = SmsPart.get_by_id(part_id)
    with database.atomic():
        SmsPart.delete().where(SmsPart.message == part.message_id).execute()
        (mark_retry if retry else mark_failed)(part.message_id, reason)


def apply_receipt(provider_id, provider_message_id, status, error=""):
    """Apply a delivery receipt to the part it names; return the message, or None when no part matches.

    A message is delivered once every part is, and failed as soon as one part fails.
    """
    with database.atomic():
        part = (SmsPart.select(SmsPart, SmsMessage).join(SmsMessage)
                .where(SmsPart.provider_message_id.in_(codec.id_forms(provider_message_id)),
                       SmsMessage.provider == provider_id).order_by(SmsPart.id.desc()).first())
        if part is None:
            return None
        message = part.message
        if status not in ("delivered", "failed"):
            return message
        SmsPart.update(status=status, error=(error or "")[:32]).where(SmsPart.id == part.id).execute()
        if status == "failed" and message.status != "failed":
            _set(message.id, status="failed", reason=f"{error or 'undeliverable'}"[:200])
        elif status == "delivered":
            done = SmsPart.select().where(SmsPart.message == message.id, SmsPart.status == "delivered").count()
            if done >= message.parts and message.status not in ("delivered", "failed"):
                _set(message.id, status="delivered", delivered_at=utcnow(), reason="")
                after_commit_publish("sms.delivered", message.id)
        return SmsMessage.get_by_id(message.id)


def apply_http_report(provider_id, provider_message_id, status, reason=""):
    """Apply an HTTP provider's delivery report (one id for the whole message)."""
    with database.atomic():
        message = (SmsMessage.select().join(SmsPart)
                   .where(SmsPart.provider_message_id == codec.normal_id(provider_message_id),
                          SmsMessage.provider == provider_id).first())
        if message is None:
            return None
        if status == "delivered" and message.status != "delivered":
            _set(message.id, status="delivered", delivered_at=utcnow(), reason="")
            after_commit_publish("sms.delivered", message.id)
        elif status == "failed":
            _set(message.id, status="failed", reason=(reason or "undeliverable")[:200])
        return SmsMessage.get_by_id(message.id)
