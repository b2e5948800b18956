"""E-mail every new voicemail to its extension's address, with the audio attached, exactly once.

The daemon calls ``notify()`` every few seconds; Asterisk's own mailer is not used. Each message
is decided in the database before the SMTP conversation starts: a ``voicemail_mailings`` row
keyed by Asterisk's ``msg_id``, committed as "sending". A message found again is skipped, a
failed send is marked "failed" and retried later with a growing pause, and a row still
"sending" when a run starts belongs to a run that died mid-send (only one daemon runs, and the
scheduler never overlaps runs), so it is retried: the one case that may send twice is a crash
between the relay accepting the message and our commit, which beats losing a voicemail.
"""
import datetime
import logging
import mimetypes
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from appliance.asterisk import voicemail_spool
from appliance.db import database
from appliance.i18n import N_, translations
from appliance.models.extensions import Extension
from appliance.models.mail import VoicemailMailing
from appliance.models.users import utcnow
from appliance.services import mail, voicemail_transcripts

log = logging.getLogger("centralina.voicemail_mail")

#: Pause before retrying a failed send: doubles from the first value up to the second (seconds).
RETRY_BACKOFF = (30, 3600)
#: Relays commonly refuse messages over 10-25 MB; a longer recording is announced without its audio.
MAX_ATTACHMENT = 10 * 1024 * 1024


@dataclass
class NotifyResult:
    """What one run did."""

    sent: int = 0
    failed: int = 0


def notify(root, time_zone="America/Sao_Paulo", now=None):
    """E-mail the new INBOX messages under the spool ``root`` that were not e-mailed yet; return a NotifyResult."""
    result = NotifyResult()
    if not mail.is_configured():
        return result
    now = now or utcnow()
    for extension in _recipients():
        try:
            messages = voicemail_spool.list_messages(root, extension.number, folders=("INBOX",))
        except ValueError:
            continue
        for message in messages:
            if message.audio_path is None:
                continue  # Asterisk is still moving the recording into place
            if not _claim(message, extension, now):
                continue
            if _send(message, extension, time_zone):
                result.sent += 1
            else:
                result.failed += 1
    return result


def _recipients():
    """Return the extensions whose voicemail is e-mailed."""
    return [
        extension for extension in Extension.select().where(
            Extension.enabled & Extension.voicemail_enabled & (Extension.email != "")).order_by(Extension.number)
        if mail.valid_address(extension.email)
    ]


def _claim(message, extension, now):
    """Record the decision to send ``message`` (or to retry it); return False when it is not due."""
    with database.atomic():
        row = VoicemailMailing.get_or_none(VoicemailMailing.msg_id == message.msg_id)
        if row is None:
            VoicemailMailing.create(msg_id=message.msg_id, mailbox=extension.number, recipient=extension.email,
                                    status="sending", attempts=1, created_at=now)
            return True
        if row.status == "sent":
            return False
        if row.status == "failed" and row.next_attempt_at and row.next_attempt_at > now:
            return False
        row.status, row.attempts, row.recipient = "sending", row.attempts + 1, extension.email
        row.save()
        return True


def _send(message, extension, time_zone):
    """Send the e-mail about ``message``; record the outcome; return whether it went."""
    try:
        transcript = voicemail_transcripts.for_message(message, extension.language)
        mail.send(build_email(message, extension, time_zone, transcript))
    except (mail.MailError, OSError) as exc:
        reason = str(exc)[:500]
        log.warning("voicemail %s for %s not e-mailed: %s", message.msg_id, extension.number, reason)
        with database.atomic():
            row = VoicemailMailing.get_by_id(message.msg_id)
            pause = min(RETRY_BACKOFF[0] * 2 ** max(row.attempts - 1, 0), RETRY_BACKOFF[1])
            row.status, row.last_error = "failed", reason
            row.next_attempt_at = utcnow() + datetime.timedelta(seconds=pause)
            row.save()
        return False
    with database.atomic():
        VoicemailMailing.update(status="sent", sent_at=utcnow(), last_error="", next_attempt_at=None).where(
            VoicemailMailing.msg_id == message.msg_id).execute()
    log.info("voicemail %s e-mailed to %s", message.msg_id, extension.email)
    return True


def build_email(message, extension, time_zone="America/Sao_Paulo", transcript=""):
    """Return the e-mail about ``message``, in the extension's language, with the recording attached.

    ``transcript``: the automatic transcript (services/voicemail_transcripts.py), said to be automatic.
    """
    catalog = translations(extension.language)
    _ = catalog.gettext
    caller = message.caller or _(N_("an unknown caller"))
    when = ""
    if message.received_at is not None:
        local = message.received_at.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(time_zone))
        when = local.strftime("%d/%m/%Y %H:%M" if extension.language == "pt_BR" else "%Y-%m-%d %H:%M")
    minutes, seconds = divmod(message.duration, 60)
    params = {"caller": caller, "number": extension.number, "when": when, "duration": f"{minutes}:{seconds:02d}"}
    subject = _(N_("New voicemail from %(caller)s")) % params
    lines = [
        _(N_("Extension %(number)s has a new voicemail.")) % params,
        "",
        _(N_("From: %(caller)s")) % params,
        _(N_("Received: %(when)s")) % params,
        _(N_("Length: %(duration)s")) % params,
        "",
    ]
    if transcript:
        lines += [_(N_("Automatic transcript (may contain mistakes):")), transcript, ""]
    size = message.audio_path.stat().st_size
    if size <= MAX_ATTACHMENT:
        lines.append(_(N_("The recording is attached.")))
    else:
        lines.append(_(N_("The recording is too large to attach; listen to it on the phone or in the panel.")))
    email = mail.new_message(extension.email, subject, "\n".join(lines) + "\n")
    if size <= MAX_ATTACHMENT:
        maintype, _sep, subtype = (mimetypes.guess_type(message.audio_path.name)[0] or "audio/wav").partition("/")
        name = f"voicemail-{extension.number}-{message.msg_id}{message.audio_path.suffix.lower()}"
        email.add_attachment(message.audio_path.read_bytes(), maintype=maintype, subtype=subtype, filename=name)
    return email
