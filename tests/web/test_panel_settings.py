"""The panel's devices and call settings tabs, and the admin's extension fields and devices."""
import json
import time

import pytest

from appliance import live
from appliance.models.extensions import Device, Extension
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, users
from tests.conftest import make_person

PASSWORD = "Correct-Horse-43"
SYSTEM = Actor.system("test")


def _person(username, number, name):
    return make_person(username, number, name, password=PASSWORD)


@pytest.fixture
def ana(app):
    return _person("ana", "201", "Ana Souza")


@pytest.fixture
def bruno(app):
    return _person("bruno", "202", "Bruno Lima")


def _settings_form(**changes):
    data = {"forward_always": "", "forward_busy": "", "forward_no_answer": "", "forward_unavailable": "",
            "ring_seconds": "25", "presence": "available", "presence_text": ""}
    data.update(changes)
    return data


def test_a_person_sets_dnd_forwarding_and_presence(auth, client, ana):
    auth.login("ana", PASSWORD)
    token = auth.token("/panel/settings")
    response = client.post("/panel/settings", data={**_settings_form(
        dnd="y", forward_no_answer="11 98765-4321", ring_seconds="15", presence="lunch", presence_text="Volto às 14h"),
        "csrf_token": token})

    assert response.status_code == 302
    ana = Extension.get_by_id(ana.id)
    assert (ana.dnd, ana.forward_no_answer, ana.ring_seconds) == (True, "11987654321", 15)
    assert (ana.presence, ana.presence_text) == ("lunch", "Volto às 14h")
    assert not ana.toggles_pushed  # no engine here: waits for the daemon to push it
    page = client.get("/panel/settings").get_data(as_text=True)
    assert "Salvo" in page or "checked" in page


@pytest.mark.parametrize("changes, message", [
    ({"forward_always": "201"}, "Um ramal não pode desviar para si mesmo."),
    ({"forward_busy": "abc"}, "Informe um ramal ou um número de telefone"),
    ({"ring_seconds": "2"}, "Use de 5 a 120 segundos."),
])
def test_bad_settings_are_explained_in_portuguese_and_change_nothing(auth, client, ana, changes, message):
    auth.login("ana", PASSWORD)
    response = client.post("/panel/settings", data={**_settings_form(**changes),
                                                     "csrf_token": auth.token("/panel/settings")})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    fresh = Extension.get_by_id(ana.id)
    assert (fresh.forward_always, fresh.forward_busy, fresh.ring_seconds) == ("", "", 25)


def test_someone_elses_panel_is_forbidden_but_an_admin_may_open_it(auth, client, ana, bruno):
    auth.login("ana", PASSWORD)
    assert client.get("/panel/settings?ext=202").status_code == 403
    token = auth.token("/panel/settings")
    response = client.post("/panel/settings?ext=202", data={**_settings_form(dnd="y"), "csrf_token": token})
    assert response.status_code == 403
    assert not Extension.get_by_id(bruno.id).dnd
    client.post("/logout", data={"csrf_token": auth.token()})
    auth.login()
    assert client.get("/panel/settings?ext=202").status_code == 200


def test_devices_tab_shows_live_registration_credentials_and_feature_codes(auth, client, app, ana):
    device = ana.devices[0]
    live.publish(app.config["VAR_DIR"], {"running": True, "contacts": [
        {"endpoint": device.sip_username, "uri": "sip:201@10.0.0.7:5062", "user_agent": "Yealink SIP-T46U 108.86",
         "via": "10.0.0.7:5062", "expires": str(int(time.time()) + 300), "status": "Reachable"}]})
    auth.login("ana", PASSWORD)
    page = client.get("/panel/devices").get_data(as_text=True)
    assert "Yealink SIP-T46U 108.86" in page and "10.0.0.7:5062" in page
    assert device.sip_password in page  # the softphone credentials of her own extension
    assert "*78" in page and "Não perturbe: ligar" in page


def test_a_user_without_an_extension_gets_a_clear_404(auth, client, app):
    users.create(users.UserInput("carla", PASSWORD, "Carla", language="pt_BR"), SYSTEM)
    auth.login("carla", PASSWORD)
    assert client.get("/panel/devices").status_code == 404


def test_admin_edits_the_extension_fields_and_links_a_user(auth, client, ana):
    carla = users.create(users.UserInput("carla", PASSWORD, "Carla"), SYSTEM)
    extension, _ = extensions.create(extensions.ExtensionInput("210", "Financeiro"), SYSTEM)
    auth.login()
    path = f"/telephony/extensions/{extension.id}"
    data = {"name": "Financeiro", "enabled": "y", "email": "fin@example.com", "language": "en",
            "voicemail_enabled": "y", "max_calls": "4", "ring_seconds": "30",
            "user_id": str(carla.id), "csrf_token": auth.token(path)}
    assert client.post(path, data=data).status_code == 302
    fresh = Extension.get_by_id(extension.id)
    assert (fresh.email, fresh.language, fresh.max_calls, fresh.ring_seconds, fresh.user_id) == (
        "fin@example.com", "en", 4, 30, carla.id)
    entry = AuditEntry.select().where(AuditEntry.action == "extension.update").order_by(AuditEntry.id.desc()).get()
    assert json.loads(entry.after)["user"] == "carla"

    taken = {**data, "user_id": str(ana.user_id), "csrf_token": auth.token(path)}
    response = client.post(path, data=taken)
    assert response.status_code == 422 and "That user already has an extension." in response.get_data(as_text=True)
    assert Extension.get_by_id(extension.id).user_id == carla.id


def test_admin_adds_a_softphone_device_and_removes_it(auth, client, ana):
    auth.login()
    path = f"/telephony/extensions/{ana.id}"
    response = client.post(f"{path}/devices", data={"label": "Softphone", "csrf_token": auth.token(path)})
    page = response.get_data(as_text=True)
    device = Device.get(Device.sip_username == "201-2")
    assert device.label == "Softphone" and device.sip_password in page
    client.post(f"/telephony/devices/{device.id}/delete", data={"csrf_token": auth.token(path)})
    assert not Device.select().where(Device.sip_username == "201-2").exists()
    # The last device stays: an extension without one could not be called.
    last = ana.devices[0]
    response = client.post(f"/telephony/devices/{last.id}/delete", data={"csrf_token": auth.token(path)},
                           follow_redirects=True)
    assert "at least one device" in response.get_data(as_text=True)
    assert Device.select().where(Device.id == last.id).exists()
