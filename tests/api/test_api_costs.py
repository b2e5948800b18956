"""Call costs through the API: a trunk's rates replaced (each wrong item named), cost centers, the monthly report."""
import datetime

import pytest

from appliance.models.call_history import CallRecord
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.services import Actor, extensions, rates, trunks
from tests.api.conftest import bearer, service_token

SYSTEM = Actor.system("test")


@pytest.fixture
def carrier(app):
    return trunks.save_trunk(trunks.TrunkInput(name="Operadora", host="192.0.2.10", kind="ip"), SYSTEM)


@pytest.fixture
def headers(app):
    return bearer(service_token()[1])


def test_rates_are_replaced_whole_and_a_wrong_item_is_named(client, headers, carrier):
    url = f"/api/v1/costs/trunks/{carrier.id}/rates"
    good = {"items": [{"prefix": "+55", "price_per_minute": "0,10"},
                      {"prefix": "+55119", "price_per_minute": "0.479", "connection_fee": "0.035"}]}
    answer = client.put(url, json=good, headers=headers)
    assert answer.status_code == 200, answer.json
    assert [item["price_per_minute"] for item in answer.json["items"]] == ["0.1000", "0.4790"]
    bad = {"items": [{"prefix": "+55", "price_per_minute": "0,10"}, {"prefix": "+55", "price_per_minute": "1"}]}
    refused = client.put(url, json=bad, headers=headers)
    assert refused.status_code == 422 and "items.1.prefix" in str(refused.json)
    assert len(client.get(url, headers=headers).json["items"]) == 2
    assert client.get("/api/v1/costs/trunks/999/rates", headers=headers).status_code == 404


def test_a_cost_center_and_the_months_report(client, headers, carrier):
    ana, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    created = client.post("/api/v1/costs/centers", headers=headers, json={
        "name": "Vendas", "monthly_budget_cents": 50000, "members": [{"kind": "extension", "id": ana.id}]})
    assert created.status_code == 201, created.json
    assert created.json["members"] == [{"kind": "extension", "id": ana.id}]
    route = OutboundRoute.create(name="Nacional", permission_class="national")
    RoutePattern.create(route=route, pattern="0ZZ[2-9]XXXXXXX", strip=1, prepend="+55")
    rates.import_csv(carrier.id, b"prefix,price_per_minute,minimum_seconds,increment_seconds\n+55,0.60,60,60\n",
                     SYSTEM)
    CallRecord.create(calldate=datetime.datetime(2026, 11, 3, 12), src="201", dst="01133334444",
                      dcontext=f"cn-route-{route.id}-dial", dstchannel=f"PJSIP/trunk_{carrier.id}-00000001",
                      billsec=61, disposition="ANSWERED", uniqueid="u1", linkedid="u1", sequence=1)
    rates.price_new()
    report = client.get("/api/v1/costs/report?month=2026-11", headers=headers).json
    assert report["items"] == [{"key": str(created.json["id"]), "calls": 1, "billed_seconds": 120,
                                "cost_cents": 120}]
    assert client.get("/api/v1/costs/report?month=2026-13", headers=headers).status_code == 422
