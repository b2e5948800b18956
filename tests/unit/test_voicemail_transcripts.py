"""Voicemail transcripts with the bots' recogniser: in the e-mail (marked automatic) when the mailbox's language
has a model (English ships with pocketsphinx), none for Portuguese without an installed model."""
import io
import wave

import pytest

from appliance.models.bots import VoicemailTranscript
from appliance.models.extensions import Extension
from appliance.services import Actor, mail, voicemail_mail, voicemail_transcripts
from appliance.services import extensions as extension_service
from appliance.voicebot import speech
from tests.smtp import SmtpServer
from tests.voicemail import write_message


@pytest.fixture
def relay(database, tmp_path):
    server = SmtpServer().start()
    mail.save_settings(mail.MailSettingsInput("127.0.0.1", server.port, "none", "", "", "pbx@example.com"),
                       Actor.system("test"))
    voicemail_transcripts.configure(tmp_path / "instance")
    yield server
    voicemail_transcripts.configure(None)
    server.stop()


def _mailbox(number, language):
    extension, _ = extension_service.create(extension_service.ExtensionInput(number, "Maria"), Actor.system("test"))
    Extension.update(email=f"m{number}@example.com", language=language).where(Extension.id == extension.id).execute()


def _spoken_wav(text):
    """``text`` spoken by espeak-ng as an 8 kHz WAV, as app_voicemail records it."""
    pcm16 = speech.speak(text, "en")
    import numpy

    pcm8 = numpy.frombuffer(pcm16, dtype="<i2")[::2].tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(8000)
        recording.writeframes(b"\0" * 8000 + pcm8 + b"\0" * 8000)
    return out.getvalue()


def test_an_english_voicemail_is_mailed_with_its_automatic_transcript(relay, tmp_path):
    _mailbox("201", "en")
    stem = write_message(tmp_path / "spool", "201", "INBOX", "1795600100-00000001")
    stem.with_suffix(".wav").write_bytes(_spoken_wav("Please call me back tomorrow morning"))
    assert voicemail_mail.notify(tmp_path / "spool").sent == 1
    (_, _, message), = relay.messages
    body = message.get_body(("plain",)).get_content()
    assert "Automatic transcript" in body
    text = VoicemailTranscript.get_by_id("1795600100-00000001").text
    # Something was heard and is in the e-mail; with the generic model on 8 kHz synthetic speech the words are
    # mostly wrong (the closing note of issue 15 reports it): the e-mail and the panel say it is automatic.
    assert text and text in body


def test_a_portuguese_mailbox_without_a_model_gets_no_transcript(relay, tmp_path):
    _mailbox("202", "pt_BR")
    stem = write_message(tmp_path / "spool", "202", "INBOX", "1795600200-00000002")
    stem.with_suffix(".wav").write_bytes(_spoken_wav("hello"))
    assert voicemail_transcripts.transcribe_new(tmp_path / "spool") == 1
    assert VoicemailTranscript.get_or_none(VoicemailTranscript.msg_id == "1795600200-00000002") is None
    assert voicemail_mail.notify(tmp_path / "spool").sent == 1
    body = relay.messages[0][2].get_body(("plain",)).get_content()
    assert "transcri" not in body.lower()
