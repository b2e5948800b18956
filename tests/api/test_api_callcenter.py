"""Supervision over the API: a supervisor's token sees and acts on their queues only; reports; wallboards; targets."""
from appliance.models.extensions import Extension
from appliance.services import Actor, extensions, queues, supervision, users
from tests.api.conftest import bearer, personal_token, service_token
from tests.conftest import PERSON_PASSWORD

SYSTEM = Actor.system("test")


def _floor():
    for number in ("201", "202", "209"):
        extensions.create(extensions.ExtensionInput(number, f"P {number}"), SYSTEM)
    vendas = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[queues.MemberInput("201")]),
                               SYSTEM)
    queues.save_queue(queues.QueueInput(number="651", name="Suporte", members=[queues.MemberInput("202")]), SYSTEM)
    sup = users.create(users.UserInput("sup", PERSON_PASSWORD, "Sup", role="supervisor"), SYSTEM)
    supervision.set_supervisors(vendas.id, [sup.id], SYSTEM)
    Extension.update(user=sup.id).where(Extension.number == "209").execute()
    return vendas, sup


def test_a_supervisors_token_sees_and_acts_on_their_queues_only(app, client, engine_control):
    vendas, sup = _floor()
    token = personal_token("sup")[1]
    state = client.get("/api/v1/callcenter/dashboard", headers=bearer(token)).json
    assert [queue["number"] for queue in state["queues"]] == ["650"]
    assert [agent["number"] for agent in state["agents"]] == ["201"]
    assert client.post("/api/v1/callcenter/agents/202/pause", json={}, headers=bearer(token)).status_code == 404
    assert client.post("/api/v1/callcenter/agents/201/pause", json={}, headers=bearer(token)).status_code == 204
    assert engine_control.calls[-1] == ("agent_pause", "201", True, "")
    assert client.post("/api/v1/callcenter/agents/201/explode", json={}, headers=bearer(token)).status_code == 404
    # Not on a call: listening is refused with the reason.
    answer = client.post("/api/v1/callcenter/agents/201/listen", json={}, headers=bearer(token))
    assert answer.status_code in (400, 422, 503), answer.json
    service = service_token(("supervision:read", "supervision:write"))[1]
    everything = client.get("/api/v1/callcenter/dashboard", headers=bearer(service)).json
    assert [queue["number"] for queue in everything["queues"]] == ["650", "651"]
    assert client.post("/api/v1/callcenter/agents/202/barge", json={}, headers=bearer(service)).status_code == 403
    rows = client.get("/api/v1/callcenter/reports/queues?from=2026-12-07", headers=bearer(token)).json["items"]
    assert [row["queue"] for row in rows] == ["650"]
    assert len(client.get("/api/v1/callcenter/reports/hours?from=2026-12-07",
                          headers=bearer(token)).json["items"]) == 24


def test_wallboard_links_and_queue_supervision(app, client, engine_control):
    vendas, sup = _floor()
    admin = service_token()[1]
    created = client.post("/api/v1/wallboards", json={"name": "Hall", "queues": [vendas.id]}, headers=bearer(admin))
    assert created.status_code == 201 and "/callcenter/tv/tv_" in created.json["url"]
    listed = client.get("/api/v1/wallboards", headers=bearer(admin)).json["items"]
    assert "url" not in listed[0] and listed[0]["revoked"] is False
    tv = created.json["url"].split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{tv}").status_code == 200
    assert client.post(f"/api/v1/wallboards/{listed[0]['id']}/revoke", headers=bearer(admin)).status_code == 204
    assert client.get(f"/{tv}").status_code == 404
    body = {"sl_seconds": 30, "sl_percent": 90, "max_waiting": 4, "max_wait_seconds": 120,
            "alert_emails": ["chefe@example.com"], "supervisors": [sup.id]}
    answer = client.put(f"/api/v1/queues/{vendas.id}/supervision", json=body, headers=bearer(admin))
    assert answer.status_code == 200 and answer.json == body
    bad = client.put(f"/api/v1/queues/{vendas.id}/supervision", json={**body, "alert_emails": ["x"]},
                     headers=bearer(admin))
    assert bad.status_code == 422
