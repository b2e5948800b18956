"""Automatic transcripts of voicemail, with the bots' offline recogniser, when the mailbox's language has a model.

The daemon's mailer asks for a message's transcript before it e-mails it (``for_message``); it is
made once and kept by msg_id (an empty text when nothing was heard), so the panel shows the same
words the e-mail carried, marked as automatic. English uses pocketsphinx's shipped model; other
languages need a Vosk model installed under the instance's ``lib/asr/<language>``.
"""
import logging
import wave

from appliance.db import database
from appliance.models.bots import VoicemailTranscript
from appliance.voicebot import asr

log = logging.getLogger("centralina.voicemail_transcripts")

#: Longest recording transcribed, in seconds (longer ones: the first this many seconds).
MAX_SECONDS = 180
#: The extension's language (Babel's code) -> the recogniser's.
LANGUAGES = {"pt_BR": "pt-BR", "en": "en"}
_instance_dir = None


def configure(instance_dir):
    """Transcribe with the models of the engine instance at ``instance_dir`` (host path); None turns it off."""
    global _instance_dir
    _instance_dir = instance_dir


def pcm16_of(path):
    """Return a WAV recording as 16 kHz mono signed linear (8 kHz voicemail is upsampled), at most MAX_SECONDS."""
    with wave.open(str(path), "rb") as recording:
        rate, width, channels = recording.getframerate(), recording.getsampwidth(), recording.getnchannels()
        frames = recording.readframes(min(recording.getnframes(), rate * MAX_SECONDS))
    if width != 2 or channels != 1 or rate not in (8000, 16000):
        raise ValueError(f"unexpected voicemail format: {rate} Hz, {width * 8} bit, {channels} channels")
    return asr.upsample(frames) if rate == 8000 else frames


def for_message(message, language):
    """Return the automatic transcript of ``message`` (a VoicemailMessage) in ``language``; "" when none.

    None of this stops the e-mail: no model, an unreadable file or a recogniser error gives "".
    """
    row = VoicemailTranscript.get_or_none(VoicemailTranscript.msg_id == message.msg_id)
    if row is not None:
        return row.text
    code = LANGUAGES.get(language, language)
    if _instance_dir is None or message.audio_path is None or message.audio_path.suffix.lower() != ".wav":
        return ""
    try:
        recogniser = asr.dictation(_instance_dir, code)
    except asr.AsrUnavailable:
        return ""
    try:
        text = recogniser.transcribe(pcm16_of(message.audio_path)).strip()
    except (ValueError, OSError, RuntimeError, wave.Error):
        log.exception("voicemail %s not transcribed", message.msg_id)
        return ""
    with database.atomic():
        VoicemailTranscript.insert(msg_id=message.msg_id, mailbox=message.mailbox, language=code,
                                   text=text).on_conflict_ignore().execute()
    return text


def of_messages(msg_ids):
    """Return ``{msg_id: text}`` of the transcripts kept for ``msg_ids`` (the panel's list)."""
    ids = [value for value in msg_ids if value]
    if not ids:
        return {}
    query = VoicemailTranscript.select().where(VoicemailTranscript.msg_id.in_(ids) & (VoicemailTranscript.text != ""))
    return {row.msg_id: row.text for row in query}


def transcribe_new(root):
    """Transcribe the new (INBOX) messages under the spool ``root`` not transcribed yet; return how many were.

    The daemon runs it every few seconds, so the panel has transcripts when e-mail is off too.
    """
    from appliance.asterisk import voicemail_spool
    from appliance.models.extensions import Extension

    if _instance_dir is None or root is None:
        return 0
    done = 0
    for extension in Extension.select().where(Extension.enabled & Extension.voicemail_enabled):
        try:
            messages = voicemail_spool.list_messages(root, extension.number, folders=("INBOX",))
        except ValueError:
            continue
        known = set(VoicemailTranscript.select(VoicemailTranscript.msg_id).where(
            VoicemailTranscript.mailbox == extension.number).tuples())
        for message in messages:
            if message.audio_path is not None and (message.msg_id,) not in known:
                for_message(message, extension.language)
                done += 1
    return done
