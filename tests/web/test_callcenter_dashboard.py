"""The supervisors' dashboard: who sees which queue, actions checked per queue, the state stream, spying."""
import json
import time

import pytest

from appliance import live
from appliance.models.extensions import Extension
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, queues, supervision, users
from tests.conftest import PERSON_PASSWORD

SYSTEM = Actor.system("test")


@pytest.fixture
def floor(app):
    """Queues 650 (agents 201, 202) and 651 (agent 203); supervisor "sup" of 650, "outra" of nothing."""
    for number, name in (("201", "Ana"), ("202", "Bruno"), ("203", "Carla"), ("209", "Sup")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)
    vendas = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[
        queues.MemberInput("201"), queues.MemberInput("202")]), SYSTEM)
    queues.save_queue(queues.QueueInput(number="651", name="Suporte", members=[queues.MemberInput("203")]), SYSTEM)
    sup = users.create(users.UserInput("sup", PERSON_PASSWORD, "Sup", role="supervisor", language="en"), SYSTEM)
    users.create(users.UserInput("outra", PERSON_PASSWORD, "Outra", role="supervisor", language="en"), SYSTEM)
    supervision.set_supervisors(vendas.id, [sup.id], SYSTEM)
    Extension.update(user=sup.id).where(Extension.number == "209").execute()
    return vendas


def _post(client, auth, path, **data):
    return client.post(path, data=data, headers={"X-CSRFToken": auth.token("/callcenter/dashboard")})


def test_a_supervisor_sees_only_the_queues_assigned_to_them(auth, client, floor, engine_control):
    auth.login("sup", PERSON_PASSWORD)
    page = client.get("/callcenter/dashboard").get_data(as_text=True)
    state = json.loads(page.split('id="dashboard-state">')[1].split("</script>")[0])
    assert [queue["number"] for queue in state["queues"]] == ["650"]
    assert sorted(agent["number"] for agent in state["agents"]) == ["201", "202"]
    # An agent of another team is "not found", as an unknown number is: nothing asked of the engine.
    answer = _post(client, auth, "/callcenter/dashboard/agents/203/pause")
    assert answer.status_code == 404 and not engine_control.calls
    assert _post(client, auth, "/callcenter/dashboard/agents/201/pause").json == {"ok": True}
    assert engine_control.calls[-1] == ("agent_pause", "201", True, "")
    assert AuditEntry.get(AuditEntry.action == "agent.pause").actor_name == "sup"


def test_an_unassigned_supervisor_sees_nothing_and_a_user_is_refused(auth, client, floor, engine_control):
    auth.login("outra", PERSON_PASSWORD)
    page = client.get("/callcenter/dashboard").get_data(as_text=True)
    state = json.loads(page.split('id="dashboard-state">')[1].split("</script>")[0])
    assert state["queues"] == [] and state["agents"] == []
    assert _post(client, auth, "/callcenter/dashboard/agents/201/logout").status_code == 404
    assert not engine_control.calls


def test_the_stream_sends_the_state_as_server_sent_events(auth, client, floor, engine_control, app):
    auth.login("sup", PERSON_PASSWORD)
    response = client.get("/callcenter/dashboard/stream")
    assert response.mimetype == "text/event-stream"
    chunks = response.iter_encoded()
    assert next(chunks).startswith(b"retry:")
    frame = next(chunks).decode()
    assert frame.startswith("event: state\ndata: ")
    assert json.loads(frame.split("data: ", 1)[1])["queues"][0]["number"] == "650"
    response.close()


def test_spying_rings_the_supervisors_own_phone_on_the_agents_live_channel(auth, client, floor, engine_control,
                                                                          app):
    device = Extension.get(Extension.number == "201").devices[0].sip_username
    own = Extension.get(Extension.number == "209").devices[0].sip_username
    live.publish(app.config["VAR_DIR"], {"running": True, "channels": [
        {"channel": f"PJSIP/{device}-0000000a", "state": "Up", "linkedid": "x"}]})
    auth.login("sup", PERSON_PASSWORD)
    for mode in ("listen", "whisper", "barge"):
        assert _post(client, auth, f"/callcenter/dashboard/agents/201/{mode}").json == {"ok": True}
    assert [call for call in engine_control.calls if call[0] == "spy"] == [
        ("spy", own, f"PJSIP/{device}-0000000a", mode) for mode in ("listen", "whisper", "barge")]
    assert AuditEntry.select().where(AuditEntry.action == "agent.spy.whisper").count() == 1
    # Not on a call: a clear refusal, no call placed.
    live.publish(app.config["VAR_DIR"], {"running": True, "channels": [], "updated": time.time()})
    answer = _post(client, auth, "/callcenter/dashboard/agents/202/listen")
    assert answer.status_code == 400 and "not on a call" in answer.json["error"]
