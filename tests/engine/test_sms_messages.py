"""Text messages between extensions go through a real Asterisk as SIP MESSAGE, to SIPp phones."""
import pytest

from appliance import daemon
from appliance.models.extensions import Extension
from appliance.models.sms import SmsMessage
from appliance.services import Actor, extensions, sms
from appliance.sms import senders
from appliance.watcher import Watcher
from tests.engine.sipp import Sipp
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


def _ext(number):
    extension = extensions.find_extension(number)
    if extension is None:
        extension, _ = extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), ADMIN)
    extension = Extension.get_by_id(extension.id)
    device = extension.devices[0]
    return extension, device.sip_username, device.sip_password


@pytest.fixture(scope="module")
def watched(pbx, tmp_path_factory):
    """The daemon's event path: every AMI event through daemon.on_engine_event (the CentralinaSms UserEvent)."""
    watcher = Watcher(pbx, tmp_path_factory.mktemp("var"), on_event=daemon.on_engine_event).start()
    assert watcher._events.wait_connected(10)
    yield pbx
    watcher.stop()


def test_a_phone_messages_another_extensions_phone_as_its_own_extension(pbx, sipp, watched):
    _, user_301, password_301 = _ext("301")
    _, user_302, password_302 = _ext("302")
    with sipp.message_phone(user_302, password_302) as phone:
        sent = sipp.send_message(user_301, password_301, "302", "Bom dia, reunião às 10h")
        assert sent.ok, str(sent)
        assert phone.wait_for_request("MESSAGE")
        (received,) = phone.received_so_far("MESSAGE")
    assert received.startswith(f"MESSAGE sip:{user_302}@")
    assert "reunião às 10h" in received
    # The sender is the extension the device belongs to, whatever the phone put in its From.
    from_line = next(line for line in received.splitlines() if line.lower().startswith("from:"))
    assert '"301" <sip:301@centralina>' in from_line
    # The daemon heard it and stored it in both conversations.
    ana, bia = Extension.get(Extension.number == "301"), Extension.get(Extension.number == "302")
    stored = wait_for(lambda: sms.list_messages(bia, peer="301", direction="in").first())
    assert stored and stored.body == "Bom dia, reunião às 10h" and stored.channel == "internal"
    assert sms.list_messages(ana, peer="302", direction="out").first().status == "delivered"


def test_a_message_to_an_unknown_extension_reaches_nobody(pbx, sipp):
    _, user_301, password_301 = _ext("301")
    sent = sipp.send_message(user_301, password_301, "399", "alguém?")
    assert sent.ok, sent  # 202: accepted into the dialplan, which drops it (no cn_extensions row)
    assert SmsMessage.select().where(SmsMessage.peer == "399").count() == 0


def test_a_wrong_password_sends_nothing(pbx, sipp):
    _, user_301, _ = _ext("301")
    _, user_302, password_302 = _ext("302")
    with sipp.message_phone(user_302, password_302, timeout=5) as phone:
        refused = sipp.send_message(user_301, "not-the-password", "302", "spoof", final=401)
        assert refused.ok, str(refused)
        assert not phone.wait_for_request("MESSAGE", timeout=2)


def test_a_message_composed_in_the_panel_reaches_the_extensions_phone_and_both_conversations(pbx, sipp):
    ana, _, _ = _ext("301")
    bia, user_302, password_302 = _ext("302")
    with sipp.message_phone(user_302, password_302) as phone:
        message = sms.send(ana, sms.SendInput(to="302", body="Pode me ligar?"), ADMIN)
        senders.send_internal_due()
        assert phone.wait_for_request("MESSAGE")
        (received,) = phone.received_so_far("MESSAGE")
    assert "Pode me ligar?" in received and "<sip:301@centralina>" in received
    assert SmsMessage.get_by_id(message.id).status == "delivered"
    inbox = sms.list_messages(bia, direction="in").first()
    assert inbox.body == "Pode me ligar?" and inbox.peer == "301"
    assert wait_for(lambda: [c.peer for c in sms.conversations(ana)] == ["302"])
