"""Call-center reports pages: a supervisor's own queues only, filters, CSV (formula-safe)."""
import csv
import datetime
import io

from appliance.asterisk.names import queue_name
from appliance.models.callcenter import QueueLogRow
from appliance.models.recordings import Recording
from appliance.models.users import AuditEntry
from appliance.services import Actor, queues, supervision, users
from tests.api.test_api_recordings import _recording
from tests.conftest import PERSON_PASSWORD
from tests.web.test_call_history import leg

SYSTEM = Actor.system("test")
DAY = 1796612400  # 2026-12-07 00:00 in São Paulo


def _log(queue, offset, event, agent="NONE", *data):
    values = dict(zip(("data1", "data2", "data3", "data4", "data5"), data, strict=False))
    QueueLogRow.create(time=DAY + offset, callid=f"c{offset}", queue=queue_name(queue.id), agent=agent, event=event,
                       **values)


def test_a_supervisor_reports_on_their_queues_and_downloads_csv(auth, client, app, engine_control):
    vendas = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), SYSTEM)
    suporte = queues.save_queue(queues.QueueInput(number="651", name="=HYPERLINK()", members=[]), SYSTEM)
    sup = users.create(users.UserInput("sup", PERSON_PASSWORD, "Sup", role="supervisor", language="en"), SYSTEM)
    supervision.set_supervisors(vendas.id, [sup.id], SYSTEM)
    supervision.set_supervisors(suporte.id, [sup.id], SYSTEM)
    _log(vendas, 36000, "ENTERQUEUE")
    _log(vendas, 36005, "CONNECT", "701", "5", "x", "1")
    _log(vendas, 36065, "COMPLETECALLER", "701", "5", "60", "1")
    _log(suporte, 40000, "ENTERQUEUE")
    _log(suporte, 40009, "ABANDON", "NONE", "1", "1", "9")
    auth.login("sup", PERSON_PASSWORD)
    page = client.get("/callcenter/reports?from=2026-12-07&to=2026-12-07")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "650 Vendas" in html and 'id="chart-hours"' in html and "chart.umd.min.js" in html
    answer = client.get(f"/callcenter/reports?from=2026-12-07&queue={vendas.id}&csv=queues")
    assert answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [(row["queue"], row["offered"], row["answered"], row["service_level"]) for row in rows] == [
        ("650", "1", "1", "100.0")]
    both = list(csv.DictReader(io.StringIO(client.get(
        "/callcenter/reports?from=2026-12-07&csv=queues").get_data(as_text=True))))
    assert both[1]["name"] == "'=HYPERLINK()" and both[1]["abandoned"] == "1"  # no formula reaches a spreadsheet
    hours = list(csv.DictReader(io.StringIO(client.get(
        "/callcenter/reports?from=2026-12-07&csv=hours").get_data(as_text=True))))
    assert hours[10]["offered"] == "1" and hours[11]["abandoned"] == "1"
    assert client.get("/callcenter/reports?from=2026-12-07&to=2026-12-01").status_code == 422
    # The per-call table: one call from its rows (the call id ties them), transferred by its agent.
    for offset, event, agent, data in ((50000, "ENTERQUEUE", "NONE", ("", "11990", "1")),
                                       (50004, "CONNECT", "702", ("4", "y", "2")),
                                       (50100, "BLINDTRANSFER", "702", ("300", "cn-transfer", "4", "96"))):
        QueueLogRow.create(time=DAY + offset, callid="k1", queue=queue_name(vendas.id), agent=agent, event=event,
                           **dict(zip(("data1", "data2", "data3", "data4"), data, strict=False)))
    assert 'id="report-calls"' in client.get("/callcenter/reports?from=2026-12-07").get_data(as_text=True)
    calls = list(csv.DictReader(io.StringIO(client.get(
        f"/callcenter/reports?from=2026-12-07&queue={vendas.id}&csv=calls").get_data(as_text=True))))
    assert [(row["callid"], row["caller"], row["agent"], row["wait"], row["talk"], row["outcome"]) for row in calls
            if row["callid"] == "k1"] == [("k1", "11990", "702", "4", "96", "transferred")]
    assert calls[0]["callid"] == "k1" and calls[0]["when"] == "2026-12-07 13:53:20"


def test_an_unassigned_supervisor_gets_an_empty_report(auth, client, app, engine_control):
    vendas = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), SYSTEM)
    users.create(users.UserInput("outra", PERSON_PASSWORD, "Outra", role="supervisor", language="en"), SYSTEM)
    _log(vendas, 36000, "ENTERQUEUE")
    auth.login("outra", PERSON_PASSWORD)
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/callcenter/reports?from=2026-12-07&csv=queues").get_data(as_text=True))))
    assert rows == []
    assert client.get(f"/callcenter/reports?from=2026-12-07&queue={vendas.id}&csv=queues").get_data(
        as_text=True).count("\n") == 1


def test_a_supervisor_plays_the_recordings_of_their_queues_calls_only(auth, client, app, engine_control):
    vendas = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), SYSTEM)
    suporte = queues.save_queue(queues.QueueInput(number="651", name="Suporte", members=[]), SYSTEM)
    sup = users.create(users.UserInput("sup", PERSON_PASSWORD, "Sup", role="supervisor", language="en"), SYSTEM)
    supervision.set_supervisors(vendas.id, [sup.id], SYSTEM)
    for queue, offset in ((vendas, 36000), (suporte, 40000)):
        # The caller's channel waited in the queue (queue_log call id = its uniqueid); its call was recorded.
        record = leg(datetime.datetime(2026, 12, 7, 13) + datetime.timedelta(seconds=offset - 36000), "+5511999990000",
                     queue.number, linkedid=f"L{queue.number}")
        QueueLogRow.create(time=DAY + offset, callid=record.uniqueid, queue=queue_name(queue.id), agent="NONE",
                           event="ENTERQUEUE", data2="11999990000")
        _recording(app, f"L{queue.number}", record.calldate)
    mine, theirs = (Recording.get(Recording.linkedid == f"L{number}").id for number in ("650", "651"))

    auth.login("sup", PERSON_PASSWORD)
    html = client.get("/callcenter/reports?from=2026-12-07").get_data(as_text=True)
    assert f"/callcenter/recordings/{mine}" in html and f"/callcenter/recordings/{theirs}" not in html
    played = client.get(f"/callcenter/recordings/{mine}")
    assert played.status_code == 200 and played.data.startswith(b"OggS")
    assert client.get(f"/callcenter/recordings/{mine}/download").headers["Content-Disposition"].startswith("attachment")
    listens = [(entry.action, entry.target_id) for entry in AuditEntry.select().order_by(AuditEntry.id)
               if entry.action.startswith("recording.")]
    assert listens == [("recording.played", str(mine)), ("recording.downloaded", str(mine))]
    # Another team's call: exactly as a recording that does not exist, and nothing audited.
    assert client.get(f"/callcenter/recordings/{theirs}").status_code == 404
    assert client.get("/callcenter/recordings/999999").status_code == 404
    assert [entry.action for entry in AuditEntry.select() if entry.action.startswith("recording.")] == [
        "recording.played", "recording.downloaded"]
