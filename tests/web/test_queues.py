"""Call-center admin pages: queues, pause reasons, agents (live state from the daemon's board)."""
import pytest

from appliance import live
from appliance.asterisk.names import queue_name
from appliance.models.queues import PauseReason, Queue
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, pause_reasons, queues, users
from tests.conftest import PERSON_PASSWORD

SYSTEM = Actor.system("test")


@pytest.fixture
def staff(app):
    for number, name in (("201", "Ana"), ("202", "Bruno"), ("203", "Carla")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)


def _queue(client, auth, path="/callcenter/queues/new", **fields):
    data = {"number": "650", "name": "Vendas", "strategy": "rrmemory", "ring_seconds": "12", "retry_seconds": "3",
            "wrapup_seconds": "10", "static_members": "201 202:2", "dynamic_members": "203",
            "max_wait_seconds": "120", "timeout_destination": "voicemail:201", "max_callers": "0",
            "full_destination": "hangup", "join_empty": "y", "empty_destination": "extension:202",
            "moh_class": "default", "announce_seconds": "30", "announce_position": "y",
            "periodic_announce": "queue-periodic-announce", "periodic_seconds": "60", "exit_key": "9",
            "exit_destination": "extension:202", "csrf_token": auth.token(path)}
    data.update(fields)
    return client.post(path, data=data)


def test_admin_creates_a_queue_with_members_and_overflows(auth, client, staff, engine_control):
    auth.login()
    assert _queue(client, auth).status_code == 302
    queue = Queue.get(Queue.number == "650")
    assert (queue.strategy, queue.wrapup_seconds, queue.timeout_destination, queue.exit_key) == \
        ("rrmemory", 10, "voicemail:201", "9")
    assert [(m.number, m.penalty, m.static) for m in queues.members_of(queue)] == \
        [("201", 0, True), ("202", 2, True), ("203", 0, False)]
    assert AuditEntry.get(AuditEntry.action == "queue.create").target_name == "650"
    page = client.get("/callcenter/queues").get_data(as_text=True)
    assert "Vendas" in page and "202:2" in page and "203*" in page
    edit = client.get(f"/callcenter/queues/{queue.id}").get_data(as_text=True)
    assert "201 202:2" in edit and "\n203</textarea>" in edit


@pytest.mark.parametrize("fields, message", [
    ({"number": "201"}, "Number 201 is already in use ("),
    ({"static_members": "201 999"}, "No such extension: 999."),
    ({"static_members": "201", "dynamic_members": "201"}, "An extension is listed twice."),
    ({"static_members": "201:x"}, "A penalty is a number from 0 to 99."),
    ({"ring_seconds": "0"}, "Use 1 to 600 seconds."),
    ({"periodic_announce": "../../etc/passwd"}, "Use a sound name"),
    ({"timeout_destination": "extension:999"}, "Choose where these calls go from the list."),
    ({"timeout_destination": "queue:650"}, "Choose where these calls go from the list."),
    ({"name": "Vendas;[x]"}, "The name cannot contain"),
])
def test_bad_queues_are_explained_and_change_nothing(auth, client, staff, fields, message):
    auth.login()
    response = _queue(client, auth, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Queue.select().count() == 0


def test_a_queue_is_a_destination_and_cannot_be_deleted_while_used(auth, client, staff):
    vendas = queues.save_queue(queues.QueueInput("650", "Vendas"), SYSTEM)
    queues.save_queue(queues.QueueInput("651", "Suporte", timeout_destination="queue:650"), SYSTEM)
    auth.login()
    path = f"/callcenter/queues/{vendas.id}/delete"
    response = client.post(path, data={"csrf_token": auth.token("/callcenter/queues")}, follow_redirects=True)
    assert "Calls are still sent here by: 651 Suporte" in response.get_data(as_text=True)
    assert Queue.get_or_none(Queue.id == vendas.id) is not None


def test_admin_manages_pause_reasons(auth, client, staff):
    auth.login()
    path = "/callcenter/pause-reasons/new"
    response = client.post(path, data={"code": "1", "name": "Almoço", "max_minutes": "60", "productive": "",
                                       "csrf_token": auth.token(path)})
    assert response.status_code == 302
    reason = PauseReason.get(PauseReason.code == 1)
    assert (reason.name, reason.max_minutes, reason.productive) == ("Almoço", 60, False)
    for fields, message in (({"code": "1", "name": "Outro"}, "Another pause reason has this code."),
                            ({"code": "2", "name": "Almoço"}, "Another pause reason has this name."),
                            ({"code": "2", "name": "Back|office"}, "Use 1 to 40 letters"),
                            ({"code": "100", "name": "Cem"}, "Use a number from 1 to 99")):
        bad = client.post(path, data={**fields, "csrf_token": auth.token(path)})
        assert bad.status_code == 422 and message in bad.get_data(as_text=True), fields
    assert PauseReason.select().count() == 1
    assert "Almoço" in client.get("/callcenter/pause-reasons").get_data(as_text=True)


def test_the_agents_page_shows_live_state_and_pauses_through_the_engine(auth, client, staff, engine_control, app):
    vendas = queues.save_queue(queues.QueueInput("650", "Vendas", members=[
        queues.MemberInput("201"), queues.MemberInput("202", 0, False)]), SYSTEM)
    reason = pause_reasons.save_pause_reason(pause_reasons.PauseReasonInput(1, "Almoço"), SYSTEM)
    live.publish(app.config["VAR_DIR"], {"members": [
        {"queue": queue_name(vendas.id), "agent": "201", "status": "1", "paused": True, "reason": "Almoço",
         "paused_since": 1_700_000_000}]}, name="agents")
    auth.login()
    page = client.get("/callcenter/agents").get_data(as_text=True)
    assert "Paused" in page and "Almoço" in page and "Logged out" in page  # 202: in no queue now

    path = "/callcenter/agents/202/login"
    assert client.post(path, data={"csrf_token": auth.token("/callcenter/agents")}).status_code == 302
    client.post("/callcenter/agents/201/pause", data={"reason": str(reason.id),
                                                       "csrf_token": auth.token("/callcenter/agents")})
    assert ("agent_login", "202", [(queue_name(vendas.id), 0)]) in engine_control.calls
    assert ("agent_pause", "201", True, "Almoço") in engine_control.calls
    # 201 is always in its queue: it cannot log out.
    response = client.post("/callcenter/agents/201/logout", data={"csrf_token": auth.token("/callcenter/agents")},
                           follow_redirects=True)
    assert "cannot log in or out" in response.get_data(as_text=True)


def test_supervisors_see_agents_but_not_queue_settings(auth, client, staff):
    users.create(users.UserInput("sup", PERSON_PASSWORD, "Sup", role="supervisor", language="en"), SYSTEM)
    auth.login("sup", PERSON_PASSWORD)
    assert client.get("/callcenter/agents").status_code == 200
    assert client.get("/callcenter/queues").status_code == 403
    assert client.post("/callcenter/agents/201/logout", data={}).status_code in (400, 403)


def test_an_agent_taken_out_of_a_queue_is_logged_out_of_it(staff, engine_control):
    queue = queues.save_queue(queues.QueueInput("650", "Vendas", members=[queues.MemberInput("203", 0, False)]),
                              SYSTEM)
    queues.save_queue(queues.QueueInput("650", "Vendas", members=[queues.MemberInput("201")]), SYSTEM, queue.id)
    assert ("agent_logout", "203", [queue_name(queue.id)]) in engine_control.calls
