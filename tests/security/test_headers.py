"""Finding 13: no page can be framed, pages with secrets are never cached, cookies are Secure over HTTPS."""
import pytest

from appliance.models.extensions import Device
from appliance.models.users import User
from tests.conftest import ADMIN_PASSWORD, PERSON_PASSWORD, csrf_token, make_person


def _cookie_header(response, name="session"):
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}="))


@pytest.mark.parametrize("path", ["/login", "/admin/users", "/panel/account", "/no-such-page", "/static/app.css"])
def test_no_page_may_be_framed(auth, client, path):
    auth.login()
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_login_page_may_not_be_framed_either(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_the_softphone_credentials_in_the_panel_are_never_cached(app, auth, client):
    make_person("ana", "201")
    auth.login("ana", PERSON_PASSWORD)
    response = client.get("/panel/devices")
    assert Device.get().sip_password in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_new_sip_password_is_never_cached(auth, client):
    auth.login()
    response = client.post("/telephony/extensions/new", data={
        "number": "230", "name": "Recepção", "csrf_token": auth.token("/telephony/extensions/new")})
    assert Device.get().sip_password in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    response = client.post(f"/telephony/devices/{Device.get().id}/new-password",
                           data={"csrf_token": auth.token("/telephony/extensions/new")}, headers={"HX-Request": "true"})
    assert Device.get().sip_password in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_reset_web_password_is_never_cached(auth, client):
    make_person("ana", "201")
    auth.login()
    ana = User.get(User.username == "ana")
    response = client.post(f"/admin/users/{ana.id}/reset-password", data={"csrf_token": auth.token()})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(client):
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


def test_cookies_are_secure_when_the_request_came_over_https(app):
    client = app.test_client()
    response = client.get("/login", base_url="https://pbx.example")
    assert "Secure" in _cookie_header(response)
    plain = app.test_client().get("/login")
    assert "Secure" not in _cookie_header(plain)  # over plain HTTP a Secure cookie would never come back


def test_the_login_cookie_over_https_is_secure_and_http_only(app):
    client = app.test_client()
    token = csrf_token(client.get("/login", base_url="https://pbx.example").get_data(as_text=True))
    response = client.post("/login", base_url="https://pbx.example", headers={"Referer": "https://pbx.example/login"},
                           data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    cookie = _cookie_header(response)
    assert response.status_code == 302 and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_forged_forwarded_proto_does_not_fake_https_without_a_trusted_proxy(app):
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in _cookie_header(response)


def test_behind_a_trusted_tls_proxy_the_forwarded_headers_are_believed(tmp_path):
    from appliance import db
    from web import create_app

    app = create_app({"TESTING": True, "VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                      "SECRET_KEY": "test", "ENGINE_ENABLED": False, "TRUSTED_PROXIES": 1})
    try:
        seen = {}

        @app.get("/whoami")
        def whoami():
            from flask import request

            seen.update(address=request.remote_addr, secure=request.is_secure)
            return "ok"

        response = app.test_client().get("/whoami", headers={"X-Forwarded-Proto": "https",
                                                              "X-Forwarded-For": "198.51.100.9"})
        assert seen == {"address": "198.51.100.9", "secure": True}
        assert response.status_code == 200
        assert "Secure" in _cookie_header(app.test_client().get(
            "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.9"}))
    finally:
        db.close()
