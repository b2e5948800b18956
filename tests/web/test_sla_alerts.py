"""SLA alerts over real SMTP: once per episode, the recovery reported, webhook events published; the targets page."""
import time

import pytest

from appliance import events, live
from appliance.asterisk.names import queue_name
from appliance.models.callcenter import CallcenterAlert
from appliance.models.events import Event
from appliance.services import Actor, extensions, mail, pause_reasons, queues, sla_alerts, supervision
from tests.smtp import SmtpServer

SYSTEM = Actor.system("test")


@pytest.fixture
def relay(app):
    server = SmtpServer().start()
    mail.save_settings(mail.MailSettingsInput("127.0.0.1", server.port, "none", "", "", "pbx@example.com"), SYSTEM)
    try:
        yield server
    finally:
        server.stop()


def _callers(var_dir, queue, count, waited):
    now = time.time()
    live.publish(var_dir, {"callers": {queue_name(queue.id): {
        f"u{n}": {"caller": "", "name": "", "joined_at": now - waited, "position": n} for n in range(count)}},
        "figures": {}, "agent_calls": {}, "day": ""}, name="queues")


def test_an_episode_is_mailed_once_and_its_recovery_too(app, relay, engine_control):
    var_dir = app.config["VAR_DIR"]
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    queue = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[queues.MemberInput("201")]),
                              SYSTEM)
    supervision.save_targets(queue.id, 20, 80, 2, 60, "chefe@example.com", SYSTEM)
    _callers(var_dir, queue, 3, 10)  # 3 waiting > 2
    assert sla_alerts.check(var_dir) == ([("waiting", str(queue.id))], [])
    for _ in range(3):  # the condition lasts: no new alert
        assert sla_alerts.check(var_dir) == ([], [])
    _callers(var_dir, queue, 3, 90)  # now also waited 90 s > 60: a second kind of episode
    assert sla_alerts.check(var_dir) == ([("wait_time", str(queue.id))], [])
    _callers(var_dir, queue, 0, 0)
    assert sorted(sla_alerts.check(var_dir)[1]) == [("wait_time", str(queue.id)), ("waiting", str(queue.id))]
    sent = [message for _, _, message in relay.messages]
    subjects = [message["Subject"] for message in sent]
    assert len(subjects) == 4 and all(message["To"] == "chefe@example.com" for message in sent)
    assert "650 Vendas" in subjects[0] and "3" in subjects[0]
    assert sum(subject.startswith("Centralina: Recuperado") for subject in subjects) == 2, subjects
    assert [event.type for event in Event.select().where(Event.type.in_(["queue.alert", "queue.recovered"]))] == [
        "queue.alert", "queue.alert", "queue.recovered", "queue.recovered"]
    assert CallcenterAlert.select().where(CallcenterAlert.ended_at.is_null()).count() == 0
    assert "queue.alert" in events.TYPES


def test_a_pause_over_its_reasons_limit_is_an_episode(app, relay, engine_control):
    var_dir = app.config["VAR_DIR"]
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    queue = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[queues.MemberInput("201")]),
                              SYSTEM)
    supervision.save_targets(queue.id, 20, 80, 0, 0, "chefe@example.com", SYSTEM)
    pause_reasons.save_pause_reason(pause_reasons.PauseReasonInput(1, "Almoço", 1), SYSTEM)
    member = {"queue": queue_name(queue.id), "agent": "201", "paused": True, "reason": "Almoço",
              "paused_since": time.time() - 30, "status": "1"}
    live.publish(var_dir, {"members": [member]}, name="agents")
    assert sla_alerts.check(var_dir) == ([], [])  # 30 s of a 1-minute limit
    live.publish(var_dir, {"members": [dict(member, paused_since=time.time() - 90)]}, name="agents")
    assert sla_alerts.check(var_dir) == ([("pause", "201")], [])
    live.publish(var_dir, {"members": [dict(member, paused=False)]}, name="agents")
    assert sla_alerts.check(var_dir) == ([], [("pause", "201")])
    assert "Almoço" in relay.messages[0][2]["Subject"]


def test_the_supervision_page_validates_and_saves(auth, client, app, engine_control):
    queue = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), SYSTEM)
    auth.login()
    path = f"/callcenter/queues/{queue.id}/supervision"
    token = auth.token(path)
    bad = client.post(path, data={"sl_seconds": "0", "sl_percent": "80", "max_waiting": "0", "max_wait_seconds": "0",
                                  "alert_emails": "not-an-address", "csrf_token": token})
    assert bad.status_code == 422 and "valid e-mail" in bad.get_data(as_text=True)
    good = client.post(path, data={"sl_seconds": "30", "sl_percent": "90", "max_waiting": "5",
                                   "max_wait_seconds": "120", "alert_emails": "a@example.com", "csrf_token": token})
    assert good.status_code == 302
    target = supervision.targets([queue.id])[queue.id]
    assert (target.sl_seconds, target.sl_percent, target.max_waiting, target.alert_emails) == (30, 90, 5,
                                                                                               "a@example.com")
