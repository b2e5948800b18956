"""The panel's voicemail: list, play, download, mark heard and delete through AMI, only one's own; the PIN."""
from pathlib import PurePosixPath

import pytest

from appliance.asterisk.engine import Engine, EngineSettings
from appliance.models.extensions import Extension
from appliance.models.users import AuditEntry
from appliance.services import engine_sync, users
from tests.conftest import csrf_token, make_person
from tests.voicemail import AmiVoicemailServer, write_message

PASSWORD = "Blue-Lantern-Pass-77"


def _person(username, number):
    return make_person(username, number, language="en", password=PASSWORD)


@pytest.fixture
def spool(app, tmp_path):
    """Extensions 201 (maria) and 202 (joao), an engine whose spool is under tmp_path, and its AMI server."""
    _person("maria", "201")
    _person("joao", "202")
    settings = EngineSettings(engine_root=tmp_path / "root", ami_port=1, ami_secret="s" * 20)
    root = Engine(settings).host_path(PurePosixPath(settings.instance_dir) / "spool" / "voicemail")
    server = AmiVoicemailServer(root)
    engine = Engine(EngineSettings(engine_root=tmp_path / "root", ami_port=server.port, ami_secret="s" * 20))
    engine_sync.configure(engine)
    yield root, server
    engine_sync.configure(None)
    server.close()


@pytest.fixture
def mailbox(spool):
    """201 has one new and one heard message; 202 has one new message."""
    root, server = spool
    write_message(root, "201", "INBOX", "1795600100-00000001", '"Cliente Silva" <1133334444>', 1795600100, 65)
    write_message(root, "201", "Old", "1795500000-00000000", "<202>", 1795500000, 5)
    write_message(root, "202", "INBOX", "1795600200-00000002", '"Maria" <201>', 1795600200, 12)
    return root, server


def _login(client, auth):
    auth.login("maria", PASSWORD)
    return csrf_token(client.get("/panel/voicemail").get_data(as_text=True))


def test_new_and_heard_messages_are_listed_with_caller_date_and_length(auth, client, mailbox):
    auth.login("maria", PASSWORD)
    page = client.get("/panel/voicemail").get_data(as_text=True)
    new, heard = page.split('id="voicemail-heard"')
    assert "Cliente Silva &lt;1133334444&gt;" in new and "1:05" in new
    assert "1795600100-00000001/audio" in new
    assert "202" in heard and "0:05" in heard
    assert "1795600200-00000002" not in page  # joao's message


def test_a_message_plays_inline_and_downloads(auth, client, mailbox):
    auth.login("maria", PASSWORD)
    played = client.get("/panel/voicemail/1795600100-00000001/audio")
    assert played.status_code == 200 and played.mimetype == "audio/wav"
    assert played.data.startswith(b"RIFF") and "attachment" not in played.headers.get("Content-Disposition", "")
    assert "no-store" in played.headers["Cache-Control"]
    downloaded = client.get("/panel/voicemail/1795600100-00000001/audio?download=1")
    assert "attachment" in downloaded.headers["Content-Disposition"] and ".wav" in downloaded.headers[
        "Content-Disposition"]


@pytest.mark.parametrize("method, suffix", [("get", "audio"), ("post", "heard"), ("post", "delete")])
def test_another_extensions_message_is_not_found(auth, client, mailbox, method, suffix):
    token = _login(client, auth)
    response = getattr(client, method)(f"/panel/voicemail/1795600200-00000002/{suffix}", data={"csrf_token": token})
    assert response.status_code == 404
    assert mailbox[1].actions == []


@pytest.mark.parametrize("msg_id", ["..%2F..%2Fetc%2Fpasswd", "msg0000", "..", "1795600100-00000001.txt"])
def test_a_path_in_place_of_a_message_id_is_not_found(auth, client, mailbox, msg_id):
    auth.login("maria", PASSWORD)
    assert client.get(f"/panel/voicemail/{msg_id}/audio").status_code == 404


def test_another_persons_mailbox_is_forbidden(auth, client, mailbox):
    token = _login(client, auth)
    assert client.get("/panel/voicemail?ext=202").status_code == 403
    assert client.get("/panel/voicemail/1795600200-00000002/audio?ext=202").status_code == 403
    assert client.post("/panel/voicemail/1795600200-00000002/delete?ext=202",
                       data={"csrf_token": token}).status_code == 403


def test_mark_heard_asks_asterisk_to_move_the_message(auth, client, mailbox):
    root, server = mailbox
    token = _login(client, auth)
    response = client.post("/panel/voicemail/1795600100-00000001/heard", data={"csrf_token": token})
    assert response.status_code == 302
    assert server.actions == [{"Action": "VoicemailMove", "ActionID": server.actions[0]["ActionID"],
                               "Context": "default", "Mailbox": "201", "Folder": "INBOX",
                               "ID": "1795600100-00000001", "ToFolder": "Old"}]
    assert not (root / "default/201/INBOX/msg0000.txt").exists()
    assert "msg_id=1795600100-00000001" in (root / "default/201/Old/msg0001.txt").read_text()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Message marked as heard." in page
    assert "1795600100-00000001" in page.split('id="voicemail-heard"')[1]
    assert AuditEntry.get(AuditEntry.action == "voicemail.heard").target_name == "201"


def test_delete_asks_asterisk_to_remove_the_message(auth, client, mailbox):
    root, server = mailbox
    token = _login(client, auth)
    response = client.post("/panel/voicemail/1795500000-00000000/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert [(a["Action"], a["Folder"], a["ID"]) for a in server.actions] == [
        ("VoicemailRemove", "Old", "1795500000-00000000")]
    assert not list((root / "default/201/Old").glob("msg*"))
    assert "1795500000-00000000" not in client.get("/panel/voicemail").get_data(as_text=True)


def test_without_ami_nothing_changes_and_the_person_is_told(auth, client, mailbox):
    root, server = mailbox
    token = _login(client, auth)
    server.close()
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    response = client.post("/panel/voicemail/1795600100-00000001/delete", data={"csrf_token": token})
    assert response.status_code == 503
    assert "The phone system is not answering, so nothing was changed." in response.get_data(as_text=True)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert not AuditEntry.select().where(AuditEntry.action.startswith("voicemail.")).exists()


def test_an_admin_may_open_any_mailbox(auth, client, mailbox):
    auth.login()
    page = client.get("/panel/voicemail?ext=202").get_data(as_text=True)
    assert "1795600200-00000002/audio?ext=202" in page
    assert client.get("/panel/voicemail/1795600200-00000002/audio?ext=202").status_code == 200


@pytest.mark.parametrize("pin, confirm, message", [
    ("12a4", "12a4", "Use 4 to 12 digits."),
    ("123", "123", "Field must be between 4 and 12 characters long."),
    ("1111", "1111", "harder to guess"),
    ("4567", "4567", "harder to guess"),
    ("201201", "201201", None),
    ("5820", "5821", "The PINs do not match."),
])
def test_a_bad_pin_is_explained_and_not_stored(auth, client, spool, pin, confirm, message):
    token = _login(client, auth)
    before = Extension.get(Extension.number == "201").voicemail_pin  # generated when the extension was made
    response = client.post("/panel/voicemail/pin", data={"pin": pin, "confirm": confirm, "csrf_token": token})
    if message is None:  # a valid PIN, for contrast
        assert response.status_code == 302
        return
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Extension.get(Extension.number == "201").voicemail_pin == before


def test_changing_the_pin_stores_it_pushes_the_devices_and_hides_it_from_the_audit(auth, client, spool,
                                                                                     monkeypatch):
    synced = []
    monkeypatch.setattr(engine_sync, "sync", lambda engine, usernames=None, files=True, numbers=(): synced.append(
        (sorted(usernames), files)))
    token = _login(client, auth)
    response = client.post("/panel/voicemail/pin", data={"pin": "582047", "confirm": "582047", "csrf_token": token})
    assert response.status_code == 302
    assert Extension.get(Extension.number == "201").voicemail_pin == "582047"
    assert synced == [(["201"], False)]
    entry = AuditEntry.get(AuditEntry.action == "voicemail.pin")
    assert "582047" not in entry.before + entry.after


def test_portuguese_page(auth, client, mailbox):
    users.set_language(Extension.get(Extension.number == "201").user_id, "pt_BR")
    auth.login("maria", PASSWORD)
    page = client.get("/panel/voicemail").get_data(as_text=True)
    assert "Mensagens novas" in page and "Mensagens ouvidas" in page and "Marcar como ouvida" in page


def test_a_change_asterisk_claims_but_does_not_make_is_reported(auth, client, mailbox):
    root, server = mailbox
    server.do_nothing = True
    token = _login(client, auth)
    response = client.post("/panel/voicemail/1795600100-00000001/heard", data={"csrf_token": token})
    assert response.status_code == 503
    assert "accepted the change but did not make it" in response.get_data(as_text=True)
    assert (root / "default/201/INBOX/msg0000.txt").exists()
    assert not AuditEntry.select().where(AuditEntry.action.startswith("voicemail.")).exists()


def test_an_automatic_transcript_is_shown_and_marked(auth, client, mailbox):
    from appliance.models.bots import VoicemailTranscript

    VoicemailTranscript.create(msg_id="1795600100-00000001", mailbox="201", language="en", text="call me back")
    auth.login("maria", PASSWORD)
    row = client.get("/panel/voicemail").get_data(as_text=True).split('data-msg-id="1795600100-00000001"')[1]
    assert "Automatic transcript" in row.split("</tr>")[0] and "call me back" in row.split("</tr>")[0]
