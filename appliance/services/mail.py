"""Outgoing e-mail through the SMTP relay an admin configured: settings, sending, and a test message.

The relay's refusals become ``MailError`` with a translatable reason, so the admin page and
the daemon's log say what the server did not like (login, sender, recipient, TLS, connection).
"""
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from appliance.db import database
from appliance.errors import DomainError, ValidationError
from appliance.i18n import N_, translations
from appliance.models.mail import SECURITY_MODES, MailSettings
from appliance.models.users import utcnow
from appliance.services import audit

#: Seconds to wait for the relay on connect and on each reply.
TIMEOUT = 20
HOST_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                     r"[A-Za-z0-9])?)*\.?$|^\[?[0-9A-Fa-f:.]+\]?$")
# Deliberately loose (RFC 5321 allows far more), but no spaces, no second @, nothing that could end a header.
ADDRESS_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


class MailError(DomainError):
    """The relay could not be reached or refused the message."""


@dataclass
class MailSettingsInput:
    """What an admin types on the e-mail settings page; an empty password keeps the stored one."""

    host: str
    port: int | None
    security: str
    username: str
    password: str
    sender: str
    clear_password: bool = False


def find_settings():
    """Return the saved relay settings, or None when e-mail was never set up."""
    return MailSettings.get_or_none(MailSettings.id == 1)


def is_configured():
    """Tell whether there is a relay to send through."""
    settings = find_settings()
    return settings is not None and bool(settings.host and settings.sender)


def valid_address(address):
    """Tell whether ``address`` looks like an e-mail address we can put in a header."""
    return bool(address) and len(address) <= 254 and bool(ADDRESS_RE.match(address))


def _validate(data):
    errors = {}
    host = (data.host or "").strip()
    if not host:
        errors["host"] = (N_("Enter the mail server's name or address."), {})
    elif not HOST_RE.match(host):
        errors["host"] = (N_("Enter a host name or an IP address."), {})
    port = data.port
    if port is None or not 1 <= int(port) <= 65535:
        errors["port"] = (N_("Enter a port between 1 and 65535."), {})
    if data.security not in SECURITY_MODES:
        errors["security"] = (N_("Choose how the connection is protected."), {})
    sender = (data.sender or "").strip()
    if not valid_address(sender):
        errors["sender"] = (N_("Enter a valid e-mail address, like pbx@example.com."), {})
    username = (data.username or "").strip()
    if data.password and not username:
        errors["username"] = (N_("Enter the user name that goes with the password."), {})
    if any(ch in (data.password or "") for ch in "\r\n"):
        errors["password"] = (N_("The password cannot contain line breaks."), {})
    if errors:
        raise ValidationError(errors)
    return host, int(port), sender, username


def save_settings(data, actor):
    """Validate and store the relay settings; return them."""
    host, port, sender, username = _validate(data)
    with database.atomic():
        settings = find_settings() or MailSettings(id=1)
        before = settings.public_fields() if settings.host else {}
        settings.host, settings.port, settings.security = host, port, data.security
        settings.username, settings.sender = username, sender
        if data.clear_password or not username:
            settings.password = ""
        elif data.password:
            settings.password = data.password
        settings.updated_at = utcnow()
        settings.save(force_insert=not MailSettings.select().where(MailSettings.id == 1).exists())
        audit.record(actor, "mail.settings", "mail", 1, host, before=before, after=settings.public_fields())
    return settings


def new_message(to, subject, body):
    """Return an EmailMessage from the configured sender to ``to``, ready for attachments."""
    settings = find_settings()
    message = EmailMessage()
    message["From"] = settings.sender if settings else ""
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = settings.sender.rpartition("@")[2] if settings else None
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(body)
    return message


def send(message, settings=None):
    """Send ``message`` through the relay; raise MailError with the server's reason when it fails."""
    settings = settings or find_settings()
    if settings is None or not settings.host:
        raise MailError(N_("E-mail is not set up: an administrator must enter the mail server first."))
    where = f"{settings.host}:{settings.port}"
    try:
        with _connect(settings) as smtp:
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(N_("The mail server refused the user name or password: %(reason)s"),
                        reason=_reply(exc)) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(N_("The mail server at %(where)s does not offer %(feature)s."),
                        where=where, feature=_feature(exc)) from exc
    except smtplib.SMTPSenderRefused as exc:
        raise MailError(N_("The mail server refused the sender %(sender)s: %(reason)s"),
                        sender=settings.sender, reason=_reply(exc)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(f"{rcpt}: {_reply_text(code, text)}" for rcpt, (code, text) in exc.recipients.items())
        raise MailError(N_("The mail server refused the recipient: %(reason)s"), reason=reasons) from exc
    except smtplib.SMTPResponseException as exc:
        raise MailError(N_("The mail server refused the message: %(reason)s"), reason=_reply(exc)) from exc
    except ssl.SSLError as exc:
        raise MailError(N_("The secure connection to %(where)s failed: %(reason)s"),
                        where=where, reason=exc.reason or str(exc)) from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, unknown host, dropped
        raise MailError(N_("Cannot reach the mail server at %(where)s: %(reason)s"),
                        where=where, reason=str(exc) or type(exc).__name__) from exc


def send_test(to, actor, language="pt_BR"):
    """Send a short test message to ``to`` in ``language`` with the saved settings; raise MailError when it fails."""
    to = (to or "").strip()
    if not valid_address(to):
        raise ValidationError.one("to", N_("Enter a valid e-mail address, like pbx@example.com."))
    _ = translations(language).gettext
    message = new_message(to, _(N_("Centralina test message")),
                          _(N_("This message proves that Centralina can send e-mail through this server.")))
    send(message)
    with database.atomic():
        audit.record(actor, "mail.test", "mail", 1, to)


def _connect(settings):
    context = ssl.create_default_context()
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    try:
        if settings.security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS")
            smtp.starttls(context=context)
            smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _feature(exc):
    text = str(exc)
    if "STARTTLS" in text.upper():
        return "STARTTLS"
    return "AUTH" if "AUTH" in text.upper() else text


def _reply(exc):
    return _reply_text(exc.smtp_code, exc.smtp_error)


def _reply_text(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()
