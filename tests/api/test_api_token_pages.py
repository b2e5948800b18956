"""The token pages: a person makes their own token, sees it once, revokes it; admins make service tokens."""
import re

from tests.api.conftest import bearer
from tests.conftest import csrf_token, make_person

PASSWORD = "Blue-Lantern-Pass-77"


def test_a_person_creates_a_token_sees_it_once_and_revokes_it(client, auth, app):
    make_person("ana", "201")
    auth.login("ana", PASSWORD)
    page = client.get("/panel/account/tokens").get_data(as_text=True)
    made = client.post("/panel/account/tokens", data={
        "csrf_token": csrf_token(page), "name": "my script", "scopes": ["settings:read"], "expires_in_days": "90"})
    secret = re.search(r"cntl_pat_[0-9A-Za-z]{49}", made.get_data(as_text=True)).group(0)
    assert client.get("/api/v1/me/settings", headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/me/call-history", headers=bearer(secret)).status_code == 403  # not chosen
    again = client.get("/panel/account/tokens").get_data(as_text=True)
    assert secret not in again and secret[:17] in again
    token_id = re.search(r"/panel/account/tokens/(\d+)/revoke", again).group(1)
    client.post(f"/panel/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(again)})
    assert client.get("/api/v1/me/settings", headers=bearer(secret)).status_code == 401


def test_a_person_cannot_pick_admin_scopes_and_admins_make_service_tokens(client, auth, app):
    auth.login()
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    made = client.post("/admin/api-tokens", data={
        "csrf_token": csrf_token(page), "name": "CRM", "scopes": ["extensions:read"], "expires_in_days": "0"})
    secret = re.search(r"cntl_svc_[0-9A-Za-z]{49}", made.get_data(as_text=True)).group(0)
    assert client.get("/api/v1/extensions", headers=bearer(secret)).status_code == 200


def test_the_docs_page_loads_swagger_ui_from_our_static_files(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in html and "/api/v1/openapi.json" in html
    assert client.get("/api/v1/openapi.json").json["openapi"] == "3.1.0"


def test_an_admin_sees_and_revokes_a_persons_tokens_on_their_user_page(client, auth, app):
    from tests.api.conftest import personal_token
    ana = make_person("ana", "201")
    row, secret = personal_token("ana", name="phone app")
    auth.login()
    page = client.get(f"/admin/users/{ana.user_id}").get_data(as_text=True)
    assert "phone app" in page and row.prefix in page and secret not in page
    revoked = client.post(f"/admin/api-tokens/{row.id}/revoke", data={"csrf_token": csrf_token(page)})
    assert revoked.headers["Location"].endswith(f"/admin/users/{ana.user_id}")
    assert client.get("/api/v1/me/settings", headers=bearer(secret)).status_code == 401
