"""Outbound routes (order, preset), call profiles and inbound routes through the API: the pages' services."""
import pytest

from appliance.models.extensions import Extension
from appliance.models.outbound import OutboundRoute
from appliance.services import Actor, call_profiles, extensions, trunks
from tests.api.conftest import bearer, service_token

PROBLEM = "application/problem+json"
SYSTEM = Actor.system("test")


@pytest.fixture
def carrier(app):
    return trunks.save_trunk(trunks.TrunkInput(name="Operadora", host="192.0.2.10", kind="ip"), SYSTEM)


@pytest.fixture
def staff(app):
    for number, name in (("201", "Ana"), ("202", "Bruno"), ("203", "Carla")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)


@pytest.fixture
def headers(app):
    return bearer(service_token()[1])


def _route(client, headers, carrier, name, pattern, strip=0, **fields):
    body = {"name": name, "permission_class": "national", "trunks": [carrier.id],
            "patterns": [{"pattern": pattern, "strip": strip, "prepend": "+55"}], **fields}
    return client.post("/api/v1/outbound-routes", json=body, headers=headers)


def _names(client, headers):
    return [row["name"] for row in client.get("/api/v1/outbound-routes", headers=headers).json["items"]]


def test_routes_are_listed_in_the_order_they_are_tried_and_reordered(client, headers, carrier):
    ids = [_route(client, headers, carrier, name, pattern).json["id"]
           for name, pattern in (("A", "11XXXXXXXX"), ("B", "21XXXXXXXX"), ("C", "31XXXXXXXX"))]
    assert _names(client, headers) == ["A", "B", "C"]
    moved = client.post(f"/api/v1/outbound-routes/{ids[2]}/move", json={"direction": "up"}, headers=headers)
    assert moved.status_code == 200 and moved.json["order"] == [ids[0], ids[2], ids[1]]
    order = client.get("/api/v1/outbound-routes/order", headers=headers)
    assert order.json["order"] == [ids[0], ids[2], ids[1]]
    wanted, read = {"order": [ids[1], ids[0], ids[2]]}, {**headers, "If-Match": order.headers["ETag"]}
    done = client.put("/api/v1/outbound-routes/order", json=wanted, headers=read)
    assert done.status_code == 200 and _names(client, headers) == ["B", "A", "C"]
    stale = client.put("/api/v1/outbound-routes/order", json=wanted, headers=read)
    assert stale.status_code == 412 and stale.content_type == PROBLEM
    missing = client.put("/api/v1/outbound-routes/order", json={"order": ids[:2]}, headers=headers)
    assert missing.status_code == 422 and "order" in missing.json["errors"]


def test_a_route_is_replaced_and_deleted_with_its_etag(client, headers, carrier):
    made = _route(client, headers, carrier, "Nacional", "0ZXZZ[2-5]XXXXXXX", 3, callerid="(11) 3333-4444")
    assert made.status_code == 201 and made.json["callerid"] == "+551133334444"
    assert made.json["patterns"] == [{"pattern": "0ZXZZ[2-5]XXXXXXX", "strip": 3, "prepend": "+55", "result": "e164"}]
    url, etag = made.headers["Location"], made.headers["ETag"]
    body = {"name": "Nacional", "permission_class": "national", "trunks": [carrier.id], "enabled": False,
            "patterns": [{"pattern": "0ZXZZ[2-5]XXXXXXX", "strip": 3, "prepend": "+55"}, {"pattern": "+55ZZ9XXXXXXXX"}]}
    replaced = client.put(url, json=body, headers={**headers, "If-Match": etag})
    assert replaced.status_code == 200 and replaced.json["enabled"] is False and len(replaced.json["patterns"]) == 2
    assert client.delete(url, headers={**headers, "If-Match": etag}).status_code == 412
    assert client.delete(url, headers={**headers, "If-Match": replaced.headers["ETag"]}).status_code == 204
    assert OutboundRoute.select().count() == 0


def test_each_patterns_error_names_its_row_in_the_requested_language(client, headers, carrier, staff):
    body = {"name": "Ruim", "permission_class": "local", "trunks": [carrier.id, 999],
            "patterns": [{"pattern": "3XXXXXXX", "prepend": "+5511"}, {"pattern": "20X", "result": "asis"}]}
    english = client.post("/api/v1/outbound-routes", json=body, headers={**headers, "Accept-Language": "en"})
    assert english.status_code == 422 and english.content_type == PROBLEM
    assert set(english.json["errors"]) == {"patterns.1", "trunks"}
    assert english.json["errors"]["patterns.1"].startswith("This pattern captures internal number 201 (Ana)")
    assert english.json["errors"]["trunks"] == "Choose trunks from the list."
    portuguese = client.post("/api/v1/outbound-routes", json=body, headers={**headers, "Accept-Language": "pt-BR"})
    assert portuguese.json["errors"]["trunks"] == "Escolha troncos da lista."


def test_the_brazilian_preset_creates_its_routes_once(client, headers, carrier):
    made = client.post("/api/v1/outbound-routes/brazilian-preset", json={"area_code": "11", "trunks": [carrier.id]},
                       headers=headers)
    assert made.status_code == 201
    assert [row["permission_class"] for row in made.json["items"]] == [
        "local", "mobile", "national", "premium", "collect", "international"]
    again = client.post("/api/v1/outbound-routes/brazilian-preset", json={"area_code": "11", "trunks": [carrier.id]},
                        headers=headers)
    assert again.status_code == 422 and "name" in again.json["errors"]
    assert OutboundRoute.select().count() == 6


def test_a_token_with_routes_read_only_cannot_reorder(client, app, carrier):
    headers = bearer(service_token(["routes:read"])[1])
    assert client.get("/api/v1/outbound-routes/order", headers=headers).status_code == 200
    response = client.put("/api/v1/outbound-routes/order", json={"order": []}, headers=headers)
    assert response.status_code == 403 and "routes:write" in response.json["detail"]


def test_call_profiles_move_extensions_and_refuse_deletion_while_used(client, headers, staff):
    made = client.post("/api/v1/call-profiles", json={"name": "Diretoria", "classes": ["local", "international"],
                                                      "international_minutes_per_day": 120}, headers=headers)
    assert made.status_code == 201 and made.json["classes"] == ["local", "international"]
    url = made.headers["Location"]
    moved = client.post(f"{url}/extensions", json={"extensions": ["201-202"]}, headers=headers)
    assert moved.status_code == 200 and moved.json == {"moved": 2}
    members = client.get(f"{url}/extensions", headers=headers).json["items"]
    assert [row["number"] for row in members] == ["201", "202"]
    assert client.get(url, headers=headers).json["extension_count"] == 2
    unknown = client.post(f"{url}/extensions", json={"extensions": ["299"]}, headers=headers)
    assert unknown.status_code == 422 and "extensions" in unknown.json["errors"]
    used = client.delete(url, headers=headers)
    assert used.status_code == 422 and "profile" in used.json["errors"]
    default = call_profiles.default_profile()
    assert client.delete(f"/api/v1/call-profiles/{default.id}", headers=headers).status_code == 422
    back = client.post(f"/api/v1/call-profiles/{default.id}/extensions", json={"extensions": ["201", "202"]},
                       headers=headers)
    assert back.json == {"moved": 2} and Extension.get(Extension.number == "201").profile_id == default.id
    assert client.delete(url, headers=headers).status_code == 204


def test_call_profile_names_are_unique(client, headers):
    assert client.post("/api/v1/call-profiles", json={"name": "Vendas"}, headers=headers).status_code == 201
    taken = client.post("/api/v1/call-profiles", json={"name": "Vendas"}, headers=headers)
    # A service token has no owner: without Accept-Language, the box's language (pt-BR).
    assert taken.status_code == 422 and taken.json["errors"]["name"] == "Outro perfil já tem este nome."


def test_inbound_routes_store_the_did_as_e164_and_check_the_destination(client, headers, staff):
    made = client.post("/api/v1/inbound-routes", json={"did": "(11) 3000-1000", "destination": "extension:201"},
                       headers=headers)
    assert made.status_code == 201
    assert made.json["did"] == "+551130001000" and made.json["destination"] == "extension:201"
    taken = client.post("/api/v1/inbound-routes", json={"did": "+55 11 3000-1000", "destination": "hangup"},
                        headers=headers)
    assert taken.status_code == 422 and "did" in taken.json["errors"]
    nowhere = client.post("/api/v1/inbound-routes", json={"did": "1130002000", "destination": "extension:299"},
                          headers=headers)
    assert nowhere.status_code == 422 and set(nowhere.json["errors"]) == {"destination"}
    url, etag = made.headers["Location"], made.headers["ETag"]
    replaced = client.put(url, json={"did": "(11) 3000-1000", "destination": "voicemail:201", "name": "Recepção"},
                          headers={**headers, "If-Match": etag})
    assert replaced.status_code == 200 and replaced.json["name"] == "Recepção"
    stale = client.put(url, json={"did": "", "destination": "hangup"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
