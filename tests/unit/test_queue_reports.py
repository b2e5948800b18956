"""queue_log ingest (exactly once, partial lines, rotation) and the reports computed from it, by hand."""
import datetime

import pytest

from appliance.asterisk.names import queue_name
from appliance.models.call_history import CallRecord
from appliance.models.callcenter import QueueLogRow
from appliance.services import Actor, extensions, pause_reasons, queue_log, queue_reports, queues, supervision

SYSTEM = Actor.system("test")
# 2026-12-07 (a Monday) 10:00 in São Paulo (UTC-3) = 13:00 UTC.
T0 = int(datetime.datetime(2026, 12, 7, 13, 0, tzinfo=datetime.UTC).timestamp())


@pytest.fixture
def queue(database):
    extensions.create(extensions.ExtensionInput("701", "Ana"), SYSTEM)
    extensions.create(extensions.ExtensionInput("702", "Bia"), SYSTEM)
    row = queues.save_queue(queues.QueueInput(number="650", name="Vendas", wrapup_seconds=10, members=[
        queues.MemberInput("701"), queues.MemberInput("702")]), SYSTEM)
    supervision.save_targets(row.id, 20, 80, 0, 0, "", SYSTEM)
    pause_reasons.save_pause_reason(pause_reasons.PauseReasonInput(1, "Almoço", 30), SYSTEM)
    return row


def _lines(q):
    return [
        f"{T0}|a|{q}|NONE|ENTERQUEUE||11990|1",
        f"{T0 + 10}|a|{q}|701|CONNECT|10|x|2",
        f"{T0 + 70}|a|{q}|701|COMPLETECALLER|10|60|1",
        f"{T0 + 100}|b|{q}|NONE|ENTERQUEUE||11991|1",
        f"{T0 + 130}|b|{q}|702|CONNECT|30|y|3",
        f"{T0 + 190}|b|{q}|702|COMPLETEAGENT|30|60|1",
        f"{T0 + 200}|c|{q}|NONE|ENTERQUEUE||11992|1",
        f"{T0 + 205}|c|{q}|NONE|ABANDON|1|1|5",
        f"{T0 + 300}|NONE|NONE|701|PAUSEALL|Almoço",
        f"{T0 + 300}|NONE|{q}|701|PAUSE|Almoço",
        f"{T0 + 300 + 40 * 60}|NONE|NONE|701|UNPAUSEALL|",
        f"{T0 + 3600 * 2}|d|{q}|NONE|ENTERQUEUE||11993|1",
        f"{T0 + 3600 * 2 + 3}|d|{q}|NONE|CALLBACKREQ|11993|{T0}",
    ]


def test_ingest_copies_each_whole_line_once_and_reads_a_rotated_file_again(queue, tmp_path):
    path = tmp_path / "queue_log"
    lines = _lines(queue_name(queue.id))
    path.write_text("\n".join(lines[:5]) + "\n" + lines[5][:10])  # the last line is being written
    assert queue_log.ingest(path, "queue_log:test") == 5
    assert queue_log.ingest(path, "queue_log:test") == 0
    path.write_text("\n".join(lines) + "\n")
    assert queue_log.ingest(path, "queue_log:test", batch=3) == len(lines) - 5
    assert QueueLogRow.select().count() == len(lines)
    # Rotated: a new file with another first line is read from its start.
    path.write_text(f"{T0 + 9000}|e|x|NONE|ENTERQUEUE||1|1\n")
    assert queue_log.ingest(path, "queue_log:test") == 1
    assert QueueLogRow.select().count() == len(lines) + 1


def test_reports_match_the_hand_computed_values(queue, tmp_path):
    path = tmp_path / "queue_log"
    path.write_text("\n".join(_lines(queue_name(queue.id))) + "\n")
    queue_log.ingest(path, "queue_log:test")
    start, end = queue_reports.day_range(datetime.date(2026, 12, 7), datetime.date(2026, 12, 7), "America/Sao_Paulo")
    report = queue_reports.ReportFilter(start, end, [queue.id])
    (row,) = queue_reports.queue_summary(report)
    assert (row["offered"], row["answered"], row["abandoned"], row["callbacks"]) == (4, 2, 1, 1)
    assert row["service_level"] == 33.3  # 1 answered within 20 s of 3 ended
    assert (row["average_wait"], row["longest_wait"], row["average_abandon_wait"]) == (20, 30, 5)
    assert row["abandon_rate"] == 33.3
    hours = queue_reports.by_time(report, "America/Sao_Paulo", "hour")
    assert (hours[10]["offered"], hours[10]["answered"], hours[10]["abandoned"], hours[12]["offered"]) == (3, 2, 1, 1)
    days = queue_reports.by_time(report, "America/Sao_Paulo", "weekday")
    assert days[1]["offered"] == 4 and sum(day["offered"] for day in days) == 4  # Monday
    agents = {row["agent"]: row for row in queue_reports.agent_summary(report, now=end)}
    assert (agents["701"]["answered"], agents["701"]["talk"], agents["701"]["handle_average"]) == (1, 60, 70)
    lunch = agents["701"]["pauses"]["Almoço"]
    assert (lunch["count"], lunch["total"], lunch["over"], lunch["limit_minutes"]) == (1, 2400, 1, 30)
    assert agents["702"]["pauses"] == {} and agents["702"]["answered"] == 1
    other_day = queue_reports.ReportFilter(end, end + 86400, [queue.id])
    assert queue_reports.queue_summary(other_day)[0]["offered"] == 0


def test_transfers_count_and_keep_their_talk_and_each_call_joins_its_call_records(queue, tmp_path):
    """A transferred call has no COMPLETE row: its talk is the transfer row's data4. The per-call table joins the
    caller channel's CDR (uniqueid = the queue_log call id) for the whole call's length, disposition and legs."""
    q = queue_name(queue.id)
    path = tmp_path / "queue_log"
    path.write_text("\n".join([
        *_lines(q),
        f"{T0 + 400}|t.1|{q}|NONE|ENTERQUEUE||11994|1",
        f"{T0 + 404}|t.1|{q}|702|CONNECT|4|z|2",
        f"{T0 + 500}|t.1|{q}|702|BLINDTRANSFER|300|cn-transfer|4|96|1",
        f"{T0 + 600}|w.1|{q}|NONE|ENTERQUEUE||11995|1",
        f"{T0 + 650}|w.1|{q}|NONE|EXITWITHTIMEOUT|1|1|50",
    ]) + "\n")
    queue_log.ingest(path, "queue_log:test")
    when = datetime.datetime.fromtimestamp(T0 + 395, datetime.UTC).replace(tzinfo=None)
    for sequence, (uniqueid, duration) in enumerate((("t.1", 260), ("t.1", 120), ("t.2", 150), ("t.3", 90))):
        CallRecord.create(calldate=when, src="11994", dst="650", duration=duration, billsec=duration,
                          disposition="ANSWERED", uniqueid=uniqueid, linkedid="t.1", sequence=sequence)
    start, end = queue_reports.day_range(datetime.date(2026, 12, 7), datetime.date(2026, 12, 7), "America/Sao_Paulo")
    report = queue_reports.ReportFilter(start, end, [queue.id])
    (row,) = queue_reports.queue_summary(report)
    assert (row["offered"], row["answered"], row["transferred"]) == (6, 3, 1)
    agents = {row["agent"]: row for row in queue_reports.agent_summary(report, now=end)}
    assert (agents["702"]["answered"], agents["702"]["talk"], agents["702"]["transfers"]) == (2, 60 + 96, 1)
    calls = {call["callid"]: call for call in queue_reports.calls(report)}
    assert [call["callid"] for call in queue_reports.calls(report)][:3] == ["d", "w.1", "t.1"]  # newest first
    expected = {"queue": "650", "caller": "11994", "agent": "702", "wait": 4, "talk": 96, "outcome": "transferred",
                "call_seconds": 260, "disposition": "ANSWERED", "legs": 4}
    assert {key: calls["t.1"][key] for key in expected} == expected
    assert (calls["a"]["outcome"], calls["a"]["talk"], calls["a"]["call_seconds"]) == ("answered", 60, None)
    assert (calls["c"]["outcome"], calls["c"]["wait"]) == ("abandoned", 5)
    assert (calls["w.1"]["outcome"], calls["w.1"]["wait"]) == ("timeout", 50)
    assert calls["d"]["outcome"] == "callback"
    only_702 = queue_reports.ReportFilter(start, end, [queue.id], "702")
    assert {call["callid"] for call in queue_reports.calls(only_702)} == {"b", "t.1"}
    assert len(queue_reports.calls(report, limit=2)) == 2
