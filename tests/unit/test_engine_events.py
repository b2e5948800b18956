"""What phones change (feature codes, a mailbox PIN) reaches the database through the daemon's event hook."""
import pytest

from appliance import daemon, db, migrations
from appliance.models.extensions import Extension
from appliance.models.users import AuditEntry
from appliance.services import Actor, extension_settings, extensions


@pytest.fixture
def ext(tmp_path):
    migrations.upgrade(db.init(f"sqlite:///{tmp_path / 'events.db'}"))
    extension, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), Actor.system("test"))
    extensions.create(extensions.ExtensionInput("202", "Bia"), Actor.system("test"))
    yield extension
    db.close()


def test_a_feature_code_event_updates_the_toggles(ext):
    daemon.on_engine_event({"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201",
                            "Key": "dnd", "Value": "1", "Channel": "PJSIP/201-0000002a"})
    daemon.on_engine_event({"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201",
                            "Key": "fwd_busy", "Value": "202", "Channel": "PJSIP/201-0000002b"})
    fresh = Extension.get_by_id(ext.id)
    assert (fresh.dnd, fresh.forward_busy) == (True, "202")
    assert AuditEntry.select().where(AuditEntry.action == "extension.feature_code").count() == 2


OWN = {"Channel": "PJSIP/201-00000001"}


@pytest.mark.parametrize("event", [
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201", "Key": "fwd_busy", "Value": "x;y",
     **OWN},
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "999", "Key": "dnd", "Value": "1", **OWN},
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201", "Key": "context", "Value": "evil",
     **OWN},
    {"Event": "UserEvent", "UserEvent": "Other", "Extension": "201", "Key": "dnd", "Value": "1", **OWN},
    # Issue 9, finding 11: the event names 201, but a device of another extension raised it.
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201", "Key": "dnd", "Value": "1",
     "Channel": "PJSIP/202-00000003"},
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201", "Key": "dnd", "Value": "1"},
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201", "Key": "dnd", "Value": "1",
     "Channel": "Local/201@internal-00000001;1"},
])
def test_odd_events_change_nothing(ext, event):
    daemon.on_engine_event(event)
    fresh = Extension.get_by_id(ext.id)
    assert (fresh.dnd, fresh.forward_busy) == (False, "")


def test_a_pin_changed_from_a_phone_is_stored(ext):
    daemon.on_engine_event({"Event": "VoicemailPasswordChange", "Context": "default", "Mailbox": "201",
                            "NewPassword": "864213"})
    assert Extension.get_by_id(ext.id).voicemail_pin == "864213"
    daemon.on_engine_event({"Event": "VoicemailPasswordChange", "Context": "default", "Mailbox": "201",
                            "NewPassword": "12"})  # not a valid PIN: ignored
    assert Extension.get_by_id(ext.id).voicemail_pin == "864213"


def test_a_channel_names_its_devices_extension(ext):
    extra = extensions.add_device(ext.id, "Softphone", Actor.system("test"))
    assert extension_settings.channel_extension("PJSIP/201-00000001") == "201"
    assert extension_settings.channel_extension(f"PJSIP/{extra.sip_username}-0000000a") == "201"
    assert extension_settings.channel_extension("PJSIP/202-0000000b") == "202"
    assert extension_settings.channel_extension("PJSIP/999-0000000c") is None
    assert extension_settings.channel_extension("IAX2/201-1") is None


def test_a_prompt_recorded_from_an_admins_phone_becomes_the_prompts_audio(ext, tmp_path):
    import subprocess

    from appliance import audio
    from appliance.models.ivr import Prompt
    from appliance.services import prompts, users

    prompts.use_directory(tmp_path / "prompts")
    try:
        admin = users.create(users.UserInput("chefe", "Blue-Lantern-Pass-77", "Chefe", role="admin"),
                             Actor.system("test"))
        Extension.update(user=admin.id).where(Extension.number == "201").execute()
        prompt = Prompt.create(name="Aviso", source="upload")
        tone = subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                               "sine=duration=1", "-ar", "16000", "-f", "s16le", "-"], capture_output=True, check=True)
        (prompts.storage_dir() / f"p{prompt.id}-phone.sln16").write_bytes(tone.stdout)
        daemon.on_engine_event({"Event": "UserEvent", "UserEvent": "CentralinaPromptRecorded",
                                "Prompt": str(prompt.id), "Extension": "201"})
        fresh = Prompt.get_by_id(prompt.id)
        assert (fresh.source, round(fresh.duration)) == ("phone", 1)
        assert AuditEntry.get(AuditEntry.action == "prompt.update").actor_name == "chefe"
    finally:
        prompts.use_directory(None)
