"""Queues, pause reasons and agents through the API: the pages' services, the scopes they need."""
import pytest

from appliance import live
from appliance.asterisk.names import queue_name
from appliance.services import Actor, extensions
from tests.api.conftest import bearer, service_token

SYSTEM = Actor.system("test")


@pytest.fixture
def staff(app):
    for number, name in (("201", "Ana"), ("202", "Bruno")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)


@pytest.fixture
def headers(app):
    return bearer(service_token()[1])


def test_a_queue_is_created_read_and_replaced_with_its_members(client, headers, staff):
    body = {"number": "650", "name": "Vendas", "strategy": "leastrecent", "max_wait_seconds": 60,
            "timeout_destination": "extension:201",
            "members": [{"number": "201", "penalty": 1}, {"number": "202", "static": False}]}
    created = client.post("/api/v1/queues", json=body, headers=headers)
    assert created.status_code == 201, created.json
    queue = client.get(created.headers["Location"], headers=headers)
    assert queue.json["members"] == [{"number": "201", "penalty": 1, "static": True},
                                     {"number": "202", "penalty": 0, "static": False}]
    refused = client.post("/api/v1/queues", json={**body, "name": "Outra"}, headers=headers)
    assert refused.status_code == 422 and "650" in refused.json["errors"]["number"]
    replaced = client.put(created.headers["Location"], json={**body, "strategy": "linear", "members": []},
                          headers={**headers, "If-Match": queue.headers["ETag"]})
    assert replaced.status_code == 200 and replaced.json["strategy"] == "linear" and replaced.json["members"] == []


def test_agents_are_listed_with_their_state_and_paused_with_a_reason(client, headers, staff, engine_control, app):
    queue = client.post("/api/v1/queues", json={"number": "650", "name": "Vendas", "members": [
        {"number": "201"}, {"number": "202", "static": False}]}, headers=headers).json
    reason = client.post("/api/v1/pause-reasons", json={"code": 1, "name": "Almoço", "max_minutes": 60},
                         headers=headers).json
    live.publish(app.config["VAR_DIR"], {"members": [{"queue": queue_name(queue["id"]), "agent": "201",
                                                      "status": "1"}]}, name="agents")
    listed = client.get("/api/v1/agents", headers=headers).json["items"]
    assert [(a["number"], a["state"]) for a in listed] == [("201", "idle"), ("202", "logged_out")]

    assert client.post("/api/v1/agents/201/pause", json={"reason_id": reason["id"]},
                       headers=headers).status_code == 204
    assert client.post("/api/v1/agents/202/login", headers=headers).status_code == 204
    assert ("agent_pause", "201", True, "Almoço") in engine_control.calls
    assert ("agent_login", "202", [(queue_name(queue["id"]), 0)]) in engine_control.calls
    assert client.post("/api/v1/agents/299/login", headers=headers).status_code == 404
    assert client.post("/api/v1/agents/201/logout", headers=headers).status_code == 422  # always in


def test_agent_actions_need_the_agents_scope(client, staff):
    headers = bearer(service_token(scopes=("queues:read",), name="wallboard")[1])
    assert client.get("/api/v1/agents", headers=headers).status_code == 200
    assert client.post("/api/v1/agents/201/pause", json={}, headers=headers).status_code == 403
    assert client.post("/api/v1/queues", json={"number": "650", "name": "X"}, headers=headers).status_code == 403
