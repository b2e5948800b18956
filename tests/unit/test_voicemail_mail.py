"""New voicemails are e-mailed once, with the audio, through a real SMTP server; failures are retried."""
import datetime

import pytest

from appliance.asterisk import voicemail_spool
from appliance.models.extensions import Extension
from appliance.models.mail import VoicemailMailing
from appliance.services import Actor, mail, voicemail_mail
from appliance.services import extensions as extension_service
from tests.smtp import SmtpServer
from tests.voicemail import wav_bytes, write_message


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def relay(database, smtp):
    """Mail settings pointing at the local SMTP server; extension 201 with e-mail, in Portuguese."""
    mail.save_settings(mail.MailSettingsInput("127.0.0.1", smtp.port, "none", "", "", "pbx@example.com"),
                       Actor.system("test"))
    extension, _ = extension_service.create(extension_service.ExtensionInput("201", "Maria"), Actor.system("test"))
    Extension.update(email="maria@example.com", language="pt_BR").where(Extension.id == extension.id).execute()
    return smtp


def test_a_new_message_is_mailed_once_with_its_audio(relay, tmp_path):
    write_message(tmp_path, "201", "INBOX", "1795600100-00000001", '"Cliente Silva" <1133334444>', 1795600100, 65)
    write_message(tmp_path, "201", "Old", "1795500000-00000000")  # heard already: not new
    result = voicemail_mail.notify(tmp_path, "America/Sao_Paulo")
    assert (result.sent, result.failed) == (1, 0)
    (sender, recipients, message), = relay.messages
    assert sender == "pbx@example.com" and recipients == ["maria@example.com"]
    assert message["Subject"] == "Novo recado de Cliente Silva <1133334444>"
    body = message.get_body(("plain",)).get_content()
    assert "1:05" in body and "1133334444" in body
    # origtime 1795600100 is 2026-11-25 09:48 UTC, 06:48 in São Paulo
    assert "25/11/2026 06:48" in body
    attachment, = message.iter_attachments()
    assert attachment.get_content_type() in ("audio/wav", "audio/x-wav")
    assert attachment.get_content() == wav_bytes()
    assert attachment.get_filename().endswith(".wav")

    assert voicemail_mail.notify(tmp_path, "America/Sao_Paulo").sent == 0
    assert len(relay.messages) == 1
    row = VoicemailMailing.get_by_id("1795600100-00000001")
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_renumbered_message_is_not_mailed_again(relay, tmp_path):
    first = write_message(tmp_path, "201", "INBOX", "1795600100-00000001")
    voicemail_mail.notify(tmp_path)
    second = write_message(tmp_path, "201", "INBOX", "1795600200-00000002")
    # Asterisk deletes msg0000 and renumbers: the old msg0001 becomes msg0000.
    for suffix in (".txt", ".wav"):
        first.with_suffix(suffix).unlink()
        second.with_suffix(suffix).rename(first.with_suffix(suffix))
    assert voicemail_mail.notify(tmp_path).sent == 1
    voicemail_mail.notify(tmp_path)
    assert [m["Subject"] for _, _, m in relay.messages] == ["Novo recado de Maria <202>"] * 2
    assert VoicemailMailing.select().count() == 2


def test_smtp_down_is_retried_later_and_sent_once(relay, tmp_path):
    write_message(tmp_path, "201", "INBOX", "1795600100-00000001")
    relay.stop()
    assert voicemail_mail.notify(tmp_path).failed == 1
    row = VoicemailMailing.get_by_id("1795600100-00000001")
    assert row.status == "failed" and "127.0.0.1" in row.last_error and row.next_attempt_at is not None
    assert voicemail_mail.notify(tmp_path).failed == 0  # not due yet: the relay is left alone

    relay.start()
    assert voicemail_mail.notify(tmp_path).sent == 0  # still waiting for its retry time
    later = row.next_attempt_at + datetime.timedelta(seconds=1)
    assert voicemail_mail.notify(tmp_path, now=later).sent == 1
    assert voicemail_mail.notify(tmp_path, now=later).sent == 0
    assert len(relay.messages) == 1
    row = VoicemailMailing.get_by_id("1795600100-00000001")
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_a_send_interrupted_by_a_crash_is_retried(relay, tmp_path):
    write_message(tmp_path, "201", "INBOX", "1795600100-00000001")
    VoicemailMailing.create(msg_id="1795600100-00000001", mailbox="201", recipient="maria@example.com",
                            status="sending", attempts=1)
    assert voicemail_mail.notify(tmp_path).sent == 1
    assert len(relay.messages) == 1


def test_nothing_is_mailed_without_address_voicemail_or_relay(relay, tmp_path):
    write_message(tmp_path, "201", "INBOX", "1795600100-00000001")
    write_message(tmp_path, "201", "INBOX", "1795600101-00000002", audio=False)  # still being written
    Extension.update(voicemail_enabled=False).execute()
    assert voicemail_mail.notify(tmp_path).sent == 0
    Extension.update(voicemail_enabled=True, email="").execute()
    assert voicemail_mail.notify(tmp_path).sent == 0
    assert not VoicemailMailing.select().exists() and relay.messages == []
    Extension.update(email="maria@example.com", language="en").execute()
    assert voicemail_mail.notify(tmp_path).sent == 1
    assert relay.messages[0][2]["Subject"] == "New voicemail from Maria <202>"


def test_spool_parsing(tmp_path):
    write_message(tmp_path, "201", "INBOX", "1-a", "Unknown", 0, 3)
    write_message(tmp_path, "201", "INBOX", "2-b", "1133334444", 1795600100, 3)
    (tmp_path / "default/201/INBOX/msg0002.txt").write_text("[message]\ncallerid=<1>\n")  # no msg_id yet
    messages = voicemail_spool.list_messages(tmp_path, "201")
    assert [(m.msg_id, m.caller, m.index) for m in messages] == [("2-b", "1133334444", 1), ("1-a", "", 0)]
    assert voicemail_spool.find_message(tmp_path, "201", "1-a").received_at is None
    assert voicemail_spool.find_message(tmp_path, "202", "1-a") is None
    with pytest.raises(ValueError):
        voicemail_spool.mailbox_dir(tmp_path, "../201")


def test_the_daemon_job_reads_the_engines_spool_and_mails_once(relay, tmp_path):
    from appliance import daemon
    from appliance.asterisk.engine import Engine, EngineSettings

    engine = Engine(EngineSettings(engine_root=tmp_path / "root", ami_secret="s" * 20))
    write_message(voicemail_spool.spool_root(engine), "201", "INBOX", "1795600100-00000001")
    job = daemon._safely("voicemail-email", voicemail_mail.notify)  # as the daemon schedules it
    job(voicemail_spool.spool_root(engine), "America/Sao_Paulo")
    job(voicemail_spool.spool_root(engine), "America/Sao_Paulo")
    assert len(relay.messages) == 1


def test_a_failing_daemon_job_is_logged_and_the_scheduler_goes_on(caplog):
    from appliance import daemon

    def broken():
        raise RuntimeError("disk full")

    daemon._safely("voicemail-email", broken)()  # returns: APScheduler keeps the job
    assert "voicemail-email failed" in caplog.text and "disk full" in caplog.text
