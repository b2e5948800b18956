"""Trunks through the API: a write-only password, live health, the pages' validation in both languages."""
import pytest

from appliance.errors import ValidationError
from appliance.models.trunks import Trunk
from appliance.models.users import AuditEntry
from appliance.services import api_tokens, trunk_health, users
from tests.api.conftest import SYSTEM, bearer, personal_token, service_token
from tests.conftest import make_person

PROBLEM = "application/problem+json"
SECRET = "Carrier-Pass-31415"
TRUNK = {"name": "Operadora", "host": "sip.operadora.com.br", "username": "1133334444", "password": SECRET,
         "area_code": "11"}


def _create(client, headers, **fields):
    return client.post("/api/v1/trunks", json={**TRUNK, **fields}, headers=headers)


def test_the_trunk_password_is_written_but_never_read_back(client, app, engine_control):
    _, secret = service_token(name="ERP")
    headers = bearer(secret)
    made = _create(client, headers)
    assert made.status_code == 201 and made.json["password_set"] is True
    url = made.headers["Location"]
    bodies = [made, client.get(url, headers=headers), client.get("/api/v1/trunks", headers=headers)]
    # A change that leaves the password out keeps it; one that names it replaces it. Neither shows it.
    kept = client.patch(url, json={"max_channels": 4}, headers=headers)
    assert kept.status_code == 200 and kept.json["max_channels"] == 4
    assert Trunk.get().password == SECRET
    changed = client.patch(url, json={"password": "Other-Pass-27182"}, headers=headers)
    assert changed.status_code == 200 and Trunk.get().password == "Other-Pass-27182"
    bodies += [kept, changed, client.get("/api/v1/openapi.json")]
    for response in bodies:
        text = response.get_data(as_text=True)
        assert SECRET not in text and "Other-Pass-27182" not in text
    for response in bodies[:-1]:
        assert "password" not in (response.json.get("items") or [response.json])[0]
    entry = AuditEntry.select().where(AuditEntry.action == "trunk.update").order_by(AuditEntry.id.desc()).get()
    assert entry.actor_name == "token:ERP" and "Other-Pass-27182" not in entry.after


def test_trunks_are_listed_with_their_health_and_health_never_stales_an_etag(client, app):
    headers = bearer(service_token()[1])
    heard = _create(client, headers).json
    silent = _create(client, headers, name="Reserva", kind="ip", host="192.0.2.10", username="", password="").json
    assert silent["health"] == {"registration": "", "reachability": "", "rtt_ms": None, "updated_at": None}
    url = f"/api/v1/trunks/{heard['id']}"
    etag = client.get(url, headers=headers).headers["ETag"]
    trunk_health.record(heard["id"], registration="registered", reachability="reachable", rtt_ms=23.4)
    listed = {row["name"]: row["health"] for row in client.get("/api/v1/trunks", headers=headers).json["items"]}
    assert listed["Operadora"]["registration"] == "registered"
    assert listed["Operadora"]["reachability"] == "reachable" and listed["Operadora"]["rtt_ms"] == 23.4
    assert listed["Operadora"]["updated_at"].endswith("+00:00")
    assert listed["Reserva"]["registration"] == ""
    # Asterisk's news changed the answer, not the configuration: the ETag read before still holds.
    assert client.get(url, headers=headers).headers["ETag"] == etag
    changed = client.patch(url, json={"enabled": False}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200
    stale = client.patch(url, json={"enabled": True}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.content_type == PROBLEM
    assert client.delete(url, headers={**headers, "If-Match": etag}).status_code == 412


def test_a_token_without_trunks_write_reads_trunks_but_gets_403_on_writes(client, app):
    headers = bearer(service_token(["trunks:read"])[1])
    refused = _create(client, headers)
    assert refused.status_code == 403 and refused.content_type == PROBLEM
    assert "trunks:write" in refused.json["detail"]
    assert client.get("/api/v1/trunks", headers=headers).status_code == 200
    assert client.get("/api/v1/outbound-routes", headers=headers).status_code == 403  # routes:read is another scope
    assert Trunk.select().count() == 0


def test_a_plain_users_personal_token_reads_no_trunk_route_or_blacklist(client, app):
    make_person("ana", "201")
    headers = bearer(personal_token("ana")[1])
    for path in ("/api/v1/trunks", "/api/v1/outbound-routes", "/api/v1/call-profiles", "/api/v1/inbound-routes",
                 "/api/v1/blocklist", "/api/v1/blocklist/csv"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403 and response.content_type == PROBLEM, path
    # Nor can she ask for those scopes: her role does not grant them.
    with pytest.raises(ValidationError) as refused:
        api_tokens.create_personal(users.find_user("ana").id, api_tokens.TokenInput("x", ("trunks:read",), 90),
                                   SYSTEM)
    assert "scopes" in refused.value.fields


def test_a_demoted_admins_token_loses_trunks_at_once(client, app):
    from appliance.models.users import User
    headers = bearer(personal_token("admin")[1])
    assert client.get("/api/v1/trunks", headers=headers).status_code == 200
    User.update(role="supervisor").where(User.username == "admin").execute()
    assert client.get("/api/v1/trunks", headers=headers).status_code == 403


def test_trunk_validation_errors_are_per_field_problems_in_portuguese_and_english(client, app):
    body = {**TRUNK, "password": "", "username": "", "port": 5060}
    english = client.post("/api/v1/trunks", json=body, headers=bearer(service_token()[1], **{"Accept-Language": "en"}))
    portuguese = client.post("/api/v1/trunks", json=body,
                             headers=bearer(service_token(name="other")[1], **{"Accept-Language": "pt-BR"}))
    for response in (english, portuguese):
        assert response.status_code == 422 and response.content_type == PROBLEM
        assert set(response.json["errors"]) == {"username", "password"}
    assert english.json["errors"]["password"] == "A registration trunk needs the password the carrier gave."
    assert portuguese.json["errors"]["password"] == "Um tronco com registro precisa da senha fornecida pela operadora."
    # The type checks speak both languages too.
    typed = client.post("/api/v1/trunks", json={**TRUNK, "port": 70000, "kind": "carrier-pigeon"},
                        headers=bearer(service_token(name="third")[1], **{"Accept-Language": "pt-BR"}))
    assert typed.status_code == 422 and set(typed.json["errors"]) == {"port", "kind"}
    assert typed.json["errors"]["port"] != "Value out of range."
    assert Trunk.select().count() == 0


def test_a_trunk_a_route_uses_is_kept_until_the_route_lets_go(client, app):
    headers = bearer(service_token()[1])
    trunk = _create(client, headers, kind="ip", username="", password="").json
    route = client.post("/api/v1/outbound-routes", json={
        "name": "Nacional", "permission_class": "national", "trunks": [trunk["id"]],
        "patterns": [{"pattern": "0ZXZZ[2-5]XXXXXXX", "strip": 3, "prepend": "+55"}]}, headers=headers)
    assert route.status_code == 201
    refused = client.delete(f"/api/v1/trunks/{trunk['id']}", headers=headers)
    assert refused.status_code == 422 and refused.content_type == PROBLEM
    assert "Nacional" in refused.json["errors"]["trunk"]
    assert client.delete(route.headers["Location"], headers=headers).status_code == 204
    assert client.delete(f"/api/v1/trunks/{trunk['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/trunks/{trunk['id']}", headers=headers).status_code == 404
