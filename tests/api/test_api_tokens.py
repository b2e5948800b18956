"""API tokens and errors: who gets in, with which rights, in which language, and what the audit log says."""
import datetime

from appliance.models.api_tokens import ApiToken
from appliance.models.users import AuditEntry
from appliance.services import api_tokens
from tests.api.conftest import SYSTEM, bearer, personal_token, service_token
from tests.conftest import make_person
from web import create_app

PROBLEM = "application/problem+json"


def test_a_service_token_without_extensions_write_gets_403_problem(client):
    _, secret = service_token(["extensions:read"])
    response = client.post("/api/v1/extensions", json={"number": "201", "name": "Ana"}, headers=bearer(secret))
    assert response.status_code == 403
    assert response.content_type == PROBLEM
    assert response.json["status"] == 403 and "extensions:write" in response.json["detail"]
    assert client.get("/api/v1/extensions", headers=bearer(secret)).status_code == 200


def test_a_missing_malformed_or_unknown_token_gets_401_with_a_challenge(client):
    _, secret = service_token()
    forged = secret[:-7] + ("A" if secret[-7] != "A" else "B") + secret[-6:]  # checksum no longer matches
    for headers in ({}, bearer("nonsense"), bearer(forged), {"Authorization": f"Basic {secret}"}):
        response = client.get("/api/v1/extensions", headers=headers)
        assert response.status_code == 401
        assert response.content_type == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_401(client):
    row, secret = service_token()
    assert client.get("/api/v1/extensions", headers=bearer(secret)).status_code == 200
    api_tokens.revoke(row.id, SYSTEM)
    assert client.get("/api/v1/extensions", headers=bearer(secret)).status_code == 401


def test_an_expired_token_gets_401(client):
    row, secret = service_token(days=30)
    ApiToken.update(expires_at=datetime.datetime(2000, 1, 1)).where(ApiToken.id == row.id).execute()
    assert client.get("/api/v1/extensions", headers=bearer(secret)).status_code == 401


def test_a_disabled_owner_takes_their_personal_tokens_with_them(client, app):
    make_person("ana", "201")
    _, secret = personal_token("ana")
    assert client.get("/api/v1/me/settings", headers=bearer(secret)).status_code == 200
    from appliance.models.users import User
    User.update(active=False).where(User.username == "ana").execute()
    assert client.get("/api/v1/me/settings", headers=bearer(secret)).status_code == 401


def test_the_token_is_stored_only_as_its_hash_and_never_shown_again(client, app):
    row, secret = service_token()
    stored = ApiToken.get_by_id(row.id)
    assert secret not in str(stored.__data__.values())
    assert stored.prefix == secret[:len(stored.prefix)] and len(stored.prefix) < len(secret) // 2
    assert secret not in AuditEntry.select().get().after


def test_a_plain_users_token_reads_no_one_elses_extension(client, app):
    ana = make_person("ana", "201")
    bruno = make_person("bruno", "202")
    _, secret = personal_token("ana")
    headers = bearer(secret)
    # Admin resources: the role narrows the token whatever it asked for.
    assert client.get(f"/api/v1/extensions/{bruno.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/extensions", headers=headers).status_code == 403
    # Her own: only her extension answers, whichever ids she guesses.
    assert client.get("/api/v1/me/settings", headers=headers).json["dnd"] is False
    brunos = client.post("/api/v1/me/contacts", json={"name": "Secret"}, headers=bearer(personal_token("bruno")[1]))
    assert brunos.status_code == 201
    for contact_id in range(1, 5):
        assert client.get(f"/api/v1/me/contacts/{contact_id}", headers=headers).status_code == 404
        assert client.delete(f"/api/v1/me/contacts/{contact_id}", headers=headers).status_code == 404
    assert ana.id != bruno.id


def test_a_personal_token_cannot_be_given_scopes_beyond_its_owners_role(app):
    make_person("ana", "201")
    import pytest

    from appliance.errors import ValidationError
    from appliance.services import users
    with pytest.raises(ValidationError) as refused:
        api_tokens.create_personal(users.find_user("ana").id,
                                   api_tokens.TokenInput("x", ("users:write",), 90), SYSTEM)
    assert "scopes" in refused.value.fields


def test_a_demoted_admins_token_loses_the_admin_scopes(client, app):
    from appliance.models.users import User
    _, secret = personal_token("admin")
    assert client.get("/api/v1/users", headers=bearer(secret)).status_code == 200
    User.update(role="user").where(User.username == "admin").execute()
    assert client.get("/api/v1/users", headers=bearer(secret)).status_code == 403


def test_etag_and_a_stale_if_match_gets_412(client, admin_token):
    headers = bearer(admin_token)
    created = client.post("/api/v1/extensions", json={"number": "201", "name": "Ana"}, headers=headers).json
    url = f"/api/v1/extensions/{created['extension']['id']}"
    first = client.get(url, headers=headers)
    etag = first.headers["ETag"]
    changed = client.patch(url, json={"name": "Ana Souza"}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale = client.patch(url, json={"name": "Ana S."}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.content_type == PROBLEM
    assert client.delete(url, headers={**headers, "If-Match": etag}).status_code == 412
    assert client.delete(url, headers={**headers, "If-Match": changed.headers["ETag"]}).status_code == 204


def test_pagination_cursors_walk_every_row_once(client, admin_token):
    headers = bearer(admin_token)
    for number in range(201, 224):
        assert client.post("/api/v1/extensions", json={"number": str(number), "name": f"E{number}"},
                           headers=headers).status_code == 201
    seen, cursor = [], None
    while True:
        query = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/extensions", query_string=query, headers=headers).json
        seen += [row["number"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(number) for number in range(201, 224)]
    bad = client.get("/api/v1/extensions", query_string={"cursor": "x1"}, headers=headers)
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]


def test_validation_errors_speak_the_requested_language(client, admin_token):
    body = {"number": "201", "name": "Ana"}
    client.post("/api/v1/extensions", json=body, headers=bearer(admin_token))
    english = client.post("/api/v1/extensions", json=body, headers=bearer(admin_token, **{"Accept-Language": "en"}))
    portuguese = client.post("/api/v1/extensions", json=body,
                             headers=bearer(admin_token, **{"Accept-Language": "pt-BR"}))
    assert english.status_code == portuguese.status_code == 422
    assert english.json["errors"]["number"] == "Number 201 is already in use (Ana)."
    assert portuguese.json["errors"]["number"] != english.json["errors"]["number"]
    missing = client.post("/api/v1/extensions", json={}, headers=bearer(admin_token, **{"Accept-Language": "pt-BR"}))
    assert missing.status_code == 422 and set(missing.json["errors"]) == {"number", "name"}
    assert missing.json["errors"]["name"] != "Missing data for required field."


def test_without_accept_language_the_owners_language_is_used(client, app):
    make_person("ana", "201", language="en")
    _, secret = personal_token("ana")
    response = client.patch("/api/v1/me/settings", json={"forward_always": "abc"}, headers=bearer(secret))
    assert response.status_code == 422
    assert response.json["errors"]["forward_always"].startswith("Enter an extension or a phone number")


def test_every_write_names_the_token_in_the_audit_log(client, app):
    _, secret = service_token(name="CRM")
    client.post("/api/v1/extensions", json={"number": "201", "name": "Ana"}, headers=bearer(secret))
    entry = AuditEntry.select().where(AuditEntry.action == "extension.create").get()
    assert entry.actor_name == "token:CRM"


def test_no_cookie_is_read_or_set_under_the_api(client, auth, admin_token):
    auth.login()
    assert client.get("/api/v1/extensions").status_code == 401  # the admin's session cookie opens nothing
    response = client.get("/api/v1/extensions", headers=bearer(admin_token))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_a_token_past_its_budget_gets_429_with_retry_after(client, app):
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    _, secret = service_token()
    statuses = [client.get("/api/v1/extensions", headers=bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/extensions", headers=bearer(secret))
    assert limited.content_type == PROBLEM and int(limited.headers["Retry-After"]) >= 1


def test_unknown_methods_get_405_with_allow(client, admin_token):
    response = client.put("/api/v1/extensions", headers=bearer(admin_token))
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.content_type == PROBLEM


def test_the_pages_keep_their_html_errors(client):
    assert client.get("/no-such-page").content_type.startswith("text/html")
    assert client.get("/api/v1/no-such-thing").content_type == PROBLEM


def test_every_web_worker_spends_from_the_same_budget(client, app):
    """Two app instances on one VAR_DIR stand for two gunicorn workers: the token's limit is one."""
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    other = create_app({**{key: app.config[key] for key in ("VAR_DIR", "DATABASE_URL", "SECRET_KEY")},
                        "TESTING": True, "ENGINE_ENABLED": False, "API_RATE_LIMIT_PER_MINUTE": 3})
    _, secret = service_token()
    clients = [client, other.test_client()]
    statuses = [clients[i % 2].get("/api/v1/extensions", headers=bearer(secret)).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
