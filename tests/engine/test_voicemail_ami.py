"""VoicemailMove / VoicemailRemove through the AMI adapter against a real Asterisk with app_voicemail.

The shipped config does not load app_voicemail yet, so this test starts its own instance with
the module and a one-mailbox voicemail.conf added to the rendered config; the spool holds
messages laid out as app_voicemail writes them.
"""
import shutil

import pytest

from appliance.asterisk import voicemail_spool
from appliance.asterisk.ami import Ami, AmiSettings
from appliance.asterisk.confgen import EngineInput, render_all
from appliance.asterisk.engine import Engine
from appliance.errors import NotFound
from appliance.models.extensions import Extension
from appliance.services import Actor, engine_sync, voicemail
from tests import pbx
from tests.voicemail import write_message

pytestmark = pytest.mark.engine

VOICEMAIL_CONF = "[general]\nformat = wav\n\n[default]\n201 => 582047,Maria\n"


@pytest.fixture(scope="module")
def voicemail_engine(engine_settings):
    """An Asterisk of its own with app_voicemail loaded and mailbox 201@default."""
    engine = Engine(pbx.engine_settings("vm"))
    engine.create_dirs()
    try:
        for name, text in render_all(EngineInput(engine.settings)).items():
            if name == "modules.conf":
                # Without format_wav, app_voicemail cannot move or delete .wav files and still
                # answers Success (seen on 22.10): the voicemail config must load both.
                text += "load = format_wav.so\nload = app_voicemail.so\n"
            engine.write_file(name, text)
        engine.write_file("voicemail.conf", VOICEMAIL_CONF)
        engine.start()
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)


def test_move_and_remove_act_on_the_spool(voicemail_engine):
    root = voicemail_spool.spool_root(voicemail_engine)
    write_message(root, "201", "INBOX", "1795600100-00000001", '"Cliente" <1133334444>', 1795600100, 4)
    write_message(root, "201", "INBOX", "1795600200-00000002", "<202>", 1795600200, 6)
    with Ami(AmiSettings.for_engine(voicemail_engine.settings)) as ami:
        ami.voicemail_move("default", "201", "INBOX", "1795600100-00000001", "Old")
        messages = {m.msg_id: (m.folder, m.index) for m in voicemail_spool.list_messages(root, "201")}
        # Asterisk renumbered INBOX: the second message is msg0000 now.
        assert messages == {"1795600100-00000001": ("Old", 0), "1795600200-00000002": ("INBOX", 0)}
        assert (root / "default/201/Old/msg0000.wav").is_file()
        ami.voicemail_remove("default", "201", "Old", "1795600100-00000001")
        assert [m.msg_id for m in voicemail_spool.list_messages(root, "201")] == ["1795600200-00000002"]
        # An id that is not there is answered with Success and changes nothing (22.10): the
        # service looks the message up in the spool first, so a stale page gets a 404 instead.
        ami.voicemail_remove("default", "201", "INBOX", "1795600100-00000001")
        assert [m.msg_id for m in voicemail_spool.list_messages(root, "201")] == ["1795600200-00000002"]


def test_the_panel_service_marks_heard_and_deletes_through_asterisk(voicemail_engine, database):
    root = voicemail_spool.spool_root(voicemail_engine)
    write_message(root, "201", "INBOX", "1795600300-00000003", "<202>", 1795600300, 3)
    extension = Extension.create(number="201", name="Maria")
    engine_sync.configure(voicemail_engine)
    try:
        voicemail.mark_heard(extension, "1795600300-00000003", Actor.system("test"))
        assert voicemail.get_message(extension, "1795600300-00000003").folder == "Old"
        voicemail.delete_message(extension, "1795600300-00000003", Actor.system("test"))
        with pytest.raises(NotFound):
            voicemail.get_message(extension, "1795600300-00000003")
    finally:
        engine_sync.configure(None)
