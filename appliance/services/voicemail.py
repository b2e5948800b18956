"""An extension's mailbox as its owner sees it: list, play, mark heard, delete, change the PIN.

Messages are read from Asterisk's spool and always named by ``msg_id``; changes go through
AMI (VoicemailMove / VoicemailRemove) so that Asterisk renumbers the folder and re-publishes
the message-waiting lamp. Without AMI nothing is changed and the caller gets VoicemailUnavailable.
"""
from appliance.asterisk import control, voicemail_spool
from appliance.asterisk.ami import AmiActionFailed, AmiUnavailable
from appliance.asterisk.confgen.types import valid_pin
from appliance.db import database
from appliance.errors import DomainError, NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.services import Actor, audit, engine_sync


class VoicemailUnavailable(DomainError):
    """The phone system cannot be asked to change the mailbox right now."""


def spool_root():
    """Return the voicemail spool of the configured engine, or None when there is no engine."""
    engine = engine_sync.configured_engine()
    return voicemail_spool.spool_root(engine) if engine is not None else None


def list_messages(extension):
    """Return the extension's new and heard messages, newest first (none without an engine)."""
    root = spool_root()
    if root is None:
        return []
    return voicemail_spool.list_messages(root, extension.number)


def get_message(extension, msg_id):
    """Return the message ``msg_id`` of the extension's mailbox or raise NotFound."""
    root = spool_root()
    message = voicemail_spool.find_message(root, extension.number, msg_id) if root is not None else None
    if message is None:
        raise NotFound(N_("Message not found: it may have been deleted."))
    return message


def mark_heard(extension, msg_id, actor):
    """Move a new message to the heard folder (Old) through Asterisk; return the message as it was."""
    message = get_message(extension, msg_id)
    if message.folder == "Old":
        return message
    _ask_engine(lambda engine: engine.move_voicemail(extension.number, message.folder, message.msg_id, "Old"))
    _check_gone(extension, message)
    with database.atomic():
        audit.record(actor, "voicemail.heard", "extension", extension.id, extension.number,
                     after={"msg_id": message.msg_id})
    return message


def delete_message(extension, msg_id, actor):
    """Delete a message through Asterisk; return the message as it was."""
    message = get_message(extension, msg_id)
    _ask_engine(lambda engine: engine.remove_voicemail(extension.number, message.folder, message.msg_id))
    _check_gone(extension, message)
    with database.atomic():
        audit.record(actor, "voicemail.delete", "extension", extension.id, extension.number,
                     before={"msg_id": message.msg_id, "caller": message.caller, "folder": message.folder})
    return message


def _check_gone(extension, message):
    """Raise VoicemailUnavailable when ``message`` is still in its folder after Asterisk said Success.

    Asterisk 22 answers Success even when it could not touch the files (format_wav not loaded,
    a mailbox voicemail.conf lacks): only the spool tells whether the change happened.
    """
    if voicemail_spool.find_message(spool_root(), extension.number, message.msg_id, folders=(message.folder,)):
        raise VoicemailUnavailable(N_("The phone system accepted the change but did not make it. "
                                      "Ask an administrator to check the voicemail setup."))


def _ask_engine(action):
    """Run ``action(control)`` on the engine adapter; say in the user's words what a failure means."""
    engine = control.current()
    if engine is None:
        raise VoicemailUnavailable(N_("The phone system is not running: nothing was changed."))
    try:
        action(engine)
    except AmiUnavailable as exc:
        raise VoicemailUnavailable(N_("The phone system is not answering, so nothing was changed. "
                                      "Try again in a moment.")) from exc
    except AmiActionFailed as exc:
        raise VoicemailUnavailable(N_("The phone system refused the change: %(reason)s"), reason=exc.reason) from exc


def set_voicemail_pin(extension, pin, actor):
    """Set the mailbox PIN (4 to 12 digits) and push it to the extension's devices' rows."""
    pin = (pin or "").strip()
    if not valid_pin(pin):
        raise ValidationError.one("pin", N_("Use 4 to 12 digits."))
    if len(set(pin)) == 1 or pin in "01234567890123456789" or pin in "98765432109876543210":
        raise ValidationError.one("pin", N_("Choose a PIN that is harder to guess than a repeated digit or a "
                                            "sequence."))
    if pin == extension.number:
        raise ValidationError.one("pin", N_("The PIN cannot be the extension number."))
    with database.atomic():
        extension.voicemail_pin = pin
        extension.save(only=[type(extension).voicemail_pin])
        # Never the PIN itself: the audit log is readable by every admin.
        audit.record(actor, "voicemail.pin", "extension", extension.id, extension.number)
        engine_sync.request([device.sip_username for device in extension.devices], files=False)
    return extension


def mirror_pin_from_engine(context, mailbox, new_pin):
    """Record a PIN changed from a phone (app_voicemail's VoicemailPasswordChange event); return whether it did."""
    if context != voicemail_spool.CONTEXT or not valid_pin(new_pin):
        return False
    with database.atomic():
        extension = Extension.get_or_none(Extension.number == mailbox)
        if extension is None or extension.voicemail_pin == new_pin:
            return False
        extension.voicemail_pin = new_pin
        extension.save(only=[Extension.voicemail_pin])
        audit.record(Actor.system("phone"), "voicemail.pin", "extension", extension.id, extension.number)
    return True
