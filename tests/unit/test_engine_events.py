"""What phones change (feature codes, a mailbox PIN) reaches the database through the daemon's event hook."""
import pytest

from appliance import daemon, db, migrations
from appliance.models.extensions import Extension
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions


@pytest.fixture
def ext(tmp_path):
    migrations.upgrade(db.init(f"sqlite:///{tmp_path / 'events.db'}"))
    extension, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), Actor.system("test"))
    yield extension
    db.close()


def test_a_feature_code_event_updates_the_toggles(ext):
    daemon.on_engine_event({"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201",
                            "Key": "dnd", "Value": "1"})
    daemon.on_engine_event({"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201",
                            "Key": "fwd_busy", "Value": "202"})
    fresh = Extension.get_by_id(ext.id)
    assert (fresh.dnd, fresh.forward_busy) == (True, "202")
    assert AuditEntry.select().where(AuditEntry.action == "extension.feature_code").count() == 2


@pytest.mark.parametrize("event", [
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201", "Key": "fwd_busy", "Value": "x;y"},
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "999", "Key": "dnd", "Value": "1"},
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201", "Key": "context", "Value": "evil"},
    {"Event": "UserEvent", "UserEvent": "Other", "Extension": "201", "Key": "dnd", "Value": "1"},
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
