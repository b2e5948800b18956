"""Admin pages for extensions (the engine itself is proved in tests/engine)."""
import re

import pytest

from appliance.models.extensions import Device, Extension
from appliance.models.users import AuditEntry


def _create(client, auth, number="201", name="Recepção"):
    return client.post("/telephony/extensions/new",
                       data={"number": number, "name": name, "csrf_token": auth.token("/telephony/extensions/new")})


def test_creating_an_extension_shows_its_strong_sip_password_once(auth, client):
    auth.login()
    response = _create(client, auth)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    password = page.split('id="sip-password">')[1].split("<")[0]
    device = Device.get(Device.sip_username == "201")
    assert password == device.sip_password and len(password) == 24
    enabled_box = re.search(r'<input[^>]*id="enabled"[^>]*>', page).group(0)
    assert "checked" in enabled_box  # the new extension shows (and would save) as enabled
    assert password not in client.get(f"/telephony/extensions/{device.extension.id}").get_data(as_text=True)
    assert AuditEntry.get(AuditEntry.action == "extension.create").target_name == "201"


@pytest.mark.parametrize(
    "number, name, message",
    [
        ("0201", "Zero", "Use 2 to 8 digits, not starting with 0."),
        ("20a", "Letters", "Use 2 to 8 digits, not starting with 0."),
        ("190", "Polícia", "190 is a public emergency or utility number."),
        ("202", 'Evil" <999>', "The name cannot contain quotes"),
        ("203", "x" * 65, "Field cannot be longer than 64 characters."),
        ("201", "Again", "Number 201 is already in use (Recepção)."),
    ],
)
def test_bad_extension_input_is_explained_and_changes_nothing(auth, client, number, name, message):
    auth.login()
    _create(client, auth)
    before = (Extension.select().count(), Device.select().count())
    response = _create(client, auth, number, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (Extension.select().count(), Device.select().count()) == before


def test_disable_and_delete_are_audited(auth, client):
    auth.login()
    _create(client, auth)
    extension = Extension.get(Extension.number == "201")
    client.post(f"/telephony/extensions/{extension.id}", data={
        "name": "Recepção", "language": "pt_BR", "max_calls": "2", "ring_seconds": "25", "user_id": "0",
        "csrf_token": auth.token()})
    assert not Extension.get_by_id(extension.id).enabled
    client.post(f"/telephony/extensions/{extension.id}/delete", data={"csrf_token": auth.token()})
    assert not Extension.select().exists() and not Device.select().exists()
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions[-2:] == ["extension.update", "extension.delete"]


def test_new_sip_password_replaces_the_old_one(auth, client):
    auth.login()
    _create(client, auth)
    device = Device.get(Device.sip_username == "201")
    response = client.post(f"/telephony/devices/{device.id}/new-password", data={"csrf_token": auth.token()},
                           headers={"HX-Request": "true"})
    new_password = response.get_data(as_text=True).split('id="sip-password">')[1].split("<")[0]
    assert new_password == Device.get_by_id(device.id).sip_password != device.sip_password


def test_system_page_says_when_the_daemon_is_silent(auth, client):
    auth.login()
    page = client.get("/admin/system").get_data(as_text=True)
    assert "No news from the engine daemon" in page
