"""The browser phone's window and credential (issue 16): the person's own, handed to their session only."""
import pytest

from appliance.models.extensions import Device
from appliance.models.users import AuditEntry
from appliance.services import Actor, api_tokens, users
from tests.api.conftest import bearer, personal_token, service_token
from tests.conftest import PERSON_PASSWORD, make_person


@pytest.fixture
def ana(app, engine_control):
    return make_person("ana", "201", "Ana Souza")


def _credential(client, auth, **headers):
    token = auth.token("/panel/devices")
    return client.post("/panel/phone/credential", headers={"X-CSRFToken": token, **headers})


def test_the_first_credential_makes_a_webrtc_device_of_the_extension_and_later_ones_reuse_it(
        client, auth, ana, engine_control):
    auth.login("ana", PERSON_PASSWORD)
    first = _credential(client, auth)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    body = first.get_json()
    device = Device.get(Device.extension == ana.id, Device.kind == "webrtc")
    assert body["username"] == device.sip_username == "201-2"
    assert body["password"] == device.sip_password
    assert body["uri"] == "sip:201-2@localhost"
    assert body["ws_url"] == "ws://localhost/ws"  # the page's own origin: the proxy forwards /ws
    assert (body["extension"], body["display_name"], body["ice_servers"]) == ("201", "Ana Souza", [])

    assert _credential(client, auth).get_json()["username"] == "201-2"
    assert Device.select().where(Device.extension == ana.id).count() == 2  # no second browser device
    entries = AuditEntry.select().where(AuditEntry.action == "device.webrtc_credential")
    assert entries.count() == 2
    assert all(device.sip_password not in entry.after + entry.before for entry in entries)


def test_configured_websocket_and_stun_are_handed_over(app, client, auth, ana):
    app.config.update(WEBRTC_WS_URL="wss://pbx.example.com/ws", WEBRTC_STUN_URL="stun:stun.example.com:3478")
    auth.login("ana", PERSON_PASSWORD)
    body = _credential(client, auth).get_json()
    assert body["ws_url"] == "wss://pbx.example.com/ws"
    assert body["ice_servers"] == [{"urls": "stun:stun.example.com:3478"}]


def test_over_https_the_phone_gets_wss_on_the_same_origin(client, auth, ana):
    auth.login("ana", PERSON_PASSWORD)
    # Behind no trusted proxy a forwarded scheme is ignored: the scheme is the request's own.
    assert _credential(client, auth, **{"X-Forwarded-Proto": "https"}).get_json()["ws_url"] == "ws://localhost/ws"
    secure = client.post("/panel/phone/credential", base_url="https://localhost",
                         headers={"X-CSRFToken": auth.token("/panel/devices"),
                                  "Referer": "https://localhost/panel/devices"})
    assert secure.get_json()["ws_url"] == "wss://localhost/ws"


def test_the_credential_needs_the_session_and_its_csrf_token(client, auth, ana):
    assert client.post("/panel/phone/credential").status_code in (302, 400, 401)  # CSRF first, then login
    assert client.get("/panel/phone").status_code == 302
    auth.login("ana", PERSON_PASSWORD)
    assert client.post("/panel/phone/credential").status_code == 400  # no CSRF token
    assert not Device.select().where(Device.kind == "webrtc").exists()


def test_an_admin_gets_no_phone_of_someone_else(client, auth, ana):
    auth.login()  # admin, without an extension of their own
    assert _credential(client, auth).status_code == 404
    assert client.get("/panel/phone?ext=201").status_code == 404
    assert not Device.select().where(Device.kind == "webrtc").exists()


def test_the_phone_window_and_the_panel_link(client, auth, ana):
    auth.login("ana", PERSON_PASSWORD)
    page = client.get("/panel/devices").get_data(as_text=True)
    assert 'id="open-phone"' in page and 'target="centralina-phone"' in page
    window = client.get("/panel/phone").get_data(as_text=True)
    assert 'data-credential-url="/panel/phone/credential"' in window
    assert "vendor/jssip.min.js" in window and "phone/phone-ui.js" in window
    assert "nav" not in window.split("<body>")[1].split("<main")[0]  # no menu to navigate away with
    _credential(client, auth)
    devices = client.get("/panel/devices").get_data(as_text=True)
    assert "Telefone do navegador" in devices or "Browser phone" in devices


def test_the_api_hands_my_credential_to_a_personal_token_only(client, ana):
    secret = personal_token("ana", scopes=("phone:register",))[1]
    response = client.post("/api/v1/me/webrtc-credential", headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["username"] == "201-2"
    other = personal_token("ana", scopes=("settings:read",), name="other")[1]
    assert client.post("/api/v1/me/webrtc-credential", headers=bearer(other)).status_code == 403
    users.create(users.UserInput("caio", PERSON_PASSWORD, "Caio", role="user"), Actor.system("test"))
    nobody = personal_token("caio", scopes=("phone:register",))[1]
    assert client.post("/api/v1/me/webrtc-credential", headers=bearer(nobody)).status_code == 404
    assert "phone:register" not in api_tokens.SERVICE_SCOPES  # a service has no phone of its own


def test_an_admin_adds_a_browser_device_through_the_api(client, ana):
    secret = service_token(scopes=("extensions:read", "extensions:write"))[1]
    created = client.post(f"/api/v1/extensions/{ana.id}/devices", json={"label": "Web", "kind": "webrtc"},
                          headers=bearer(secret))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["kind"] == "webrtc"
    bad = client.post(f"/api/v1/extensions/{ana.id}/devices", json={"kind": "carrier-pigeon"}, headers=bearer(secret))
    assert bad.status_code == 422
    listed = client.get(f"/api/v1/extensions/{ana.id}/devices", headers=bearer(secret)).get_json()
    assert sorted(d["kind"] for d in listed["items"]) == ["sip", "webrtc"]


def test_the_devices_tab_shows_a_qr_code_for_softphones_only(client, auth, ana):
    from web.panel.devices import account_qr, account_uri

    auth.login("ana", PERSON_PASSWORD)
    _credential(client, auth)  # a browser phone too: it gets no QR code
    page = client.get("/panel/devices").get_data(as_text=True)
    main = Device.get(Device.extension == ana.id, Device.kind == "sip")
    browser = Device.get(Device.extension == ana.id, Device.kind == "webrtc")
    uri = f"sip:201:{main.sip_password}@127.0.0.1:5060"
    assert account_uri(main, ("127.0.0.1", 5060)) == uri
    assert f'id="qr-{main.id}"' in page and f'id="qr-{browser.id}"' not in page
    assert account_qr(uri) in page  # the very symbol of that URI, inline (no request carries the password)


def test_the_account_uri_escapes_what_would_change_its_meaning():
    from types import SimpleNamespace

    from web.panel.devices import account_uri

    device = SimpleNamespace(sip_username="201-2", sip_password="a@b:c;d/e")
    assert account_uri(device, ("2001:db8::1", 5060)) == "sip:201-2:a%40b%3Ac%3Bd%2Fe@[2001:db8::1]:5060"
