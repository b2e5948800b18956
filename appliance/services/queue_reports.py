"""Call-center reports from the ingested queue_log (services/queue_log.py): per queue, per agent, by hour
of day and day of week, pauses by reason. Every query is bounded by a time range and reads the
``(queue, time)`` / ``(agent, time)`` / ``(time)`` indexes, so a day or a month of a 10-million-row
table answers in milliseconds (bench/queue_reports.py).

Definitions (decision 029, notes/callcenter.md 4): offered = ENTERQUEUE; answered = CONNECT (wait =
data1); abandoned = ABANDON (wait before abandoning = data3); service level = answered within the
queue's threshold / (answered + abandoned); talk = COMPLETEAGENT/COMPLETECALLER data2; handle time =
talk + the queue's wrap-up; callbacks = rows whose event starts with CALLBACK (the callback feature's
own rows). Hours and weekdays are in the installation's time zone, at its offset at the range's start.
"""
import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import peewee

from appliance.asterisk.names import queue_name
from appliance.db import database
from appliance.models.call_history import CallRecord
from appliance.models.callcenter import QueueLogRow, QueueTarget
from appliance.models.queues import PauseReason, Queue
from appliance.services import queue_board

WEEKDAYS = 7
#: queue_log rows of a call an agent transferred (no COMPLETE row follows them; talk is data4).
TRANSFERS = ("BLINDTRANSFER", "ATTENDEDTRANSFER")


@dataclass
class ReportFilter:
    """What a report covers: [start, end) in epoch seconds, some queues (ids; empty: every one), one agent."""

    start: int
    end: int
    queue_ids: list = field(default_factory=list)
    agent: str = ""


def day_range(first, last, timezone):
    """Return ``(start, end)`` epochs of local days ``first``..``last`` (dates) inclusive."""
    zone = ZoneInfo(timezone)
    start = datetime.datetime.combine(first, datetime.time(), zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), zone)
    return int(start.timestamp()), int(end.timestamp())


def _queues(report):
    query = Queue.select().order_by(Queue.number)
    if report.queue_ids:
        query = query.where(Queue.id.in_(report.queue_ids))
    return {queue_name(queue.id): queue for queue in query}


def _where(report, names):
    condition = (QueueLogRow.time >= report.start) & (QueueLogRow.time < report.end)
    condition &= QueueLogRow.queue.in_(list(names))
    if report.agent:
        condition &= QueueLogRow.agent == report.agent
    return condition


def _int(column):
    return column.cast("INTEGER")


def queue_summary(report):
    """Return one dict per queue: offered, answered, abandoned, waits, service level, callbacks."""
    queues = _queues(report)
    if not queues:
        return []
    thresholds = {row.queue_id: row.sl_seconds for row in QueueTarget.select()}
    limit = peewee.Case(QueueLogRow.queue, [(name, thresholds.get(queue.id, queue_board.DEFAULT_SL_SECONDS))
                                            for name, queue in queues.items()], queue_board.DEFAULT_SL_SECONDS)
    event = QueueLogRow.event
    is_connect, is_abandon = event == "CONNECT", event == "ABANDON"
    wait = _int(QueueLogRow.data1)
    rows = (QueueLogRow.select(
        QueueLogRow.queue,
        peewee.fn.SUM(peewee.Case(None, [(event == "ENTERQUEUE", 1)], 0)).alias("offered"),
        peewee.fn.SUM(peewee.Case(None, [(is_connect, 1)], 0)).alias("answered"),
        peewee.fn.SUM(peewee.Case(None, [(is_abandon, 1)], 0)).alias("abandoned"),
        peewee.fn.SUM(peewee.Case(None, [(is_connect & (wait <= limit), 1)], 0)).alias("in_sl"),
        peewee.fn.SUM(peewee.Case(None, [(is_connect, wait)], 0)).alias("wait_total"),
        peewee.fn.MAX(peewee.Case(None, [(is_connect, wait), (is_abandon, _int(QueueLogRow.data3))], 0))
        .alias("longest"),
        peewee.fn.SUM(peewee.Case(None, [(is_abandon, _int(QueueLogRow.data3))], 0)).alias("abandon_wait"),
        peewee.fn.SUM(peewee.Case(None, [(event.startswith("CALLBACK"), 1)], 0)).alias("callbacks"),
        peewee.fn.SUM(peewee.Case(None, [(event.in_(TRANSFERS), 1)], 0)).alias("transferred"))
        .where(_where(report, queues)).group_by(QueueLogRow.queue).dicts())
    found = {row["queue"]: row for row in rows}
    result = []
    for name, queue in queues.items():
        row = found.get(name) or {}
        answered, abandoned = row.get("answered") or 0, row.get("abandoned") or 0
        ended = answered + abandoned
        result.append({
            "queue": queue.number, "name": queue.name, "offered": row.get("offered") or 0,
            "answered": answered, "abandoned": abandoned, "callbacks": row.get("callbacks") or 0,
            "transferred": row.get("transferred") or 0,
            "abandon_rate": round(100.0 * abandoned / ended, 1) if ended else None,
            "average_wait": round((row.get("wait_total") or 0) / answered) if answered else None,
            "average_abandon_wait": round((row.get("abandon_wait") or 0) / abandoned) if abandoned else None,
            "longest_wait": row.get("longest") or 0,
            "service_level": round(100.0 * (row.get("in_sl") or 0) / ended, 1) if ended else None,
        })
    return result


def _offset(report, timezone):
    moment = datetime.datetime.fromtimestamp(report.start, ZoneInfo(timezone))
    return int(moment.utcoffset().total_seconds())


def by_time(report, timezone, unit):
    """Return offered/answered/abandoned per hour of day (``unit`` "hour", 24 rows) or weekday (7, Sunday first)."""
    queues = _queues(report)
    size = 24 if unit == "hour" else WEEKDAYS
    table = [{"slot": slot, "offered": 0, "answered": 0, "abandoned": 0} for slot in range(size)]
    if not queues:
        return table
    local = QueueLogRow.time + _offset(report, timezone)
    # 1970-01-01 was a Thursday: (days + 4) % 7 is 0 on Sundays.
    # Integer columns divide as integers (SQLite and PostgreSQL alike).
    # (peewee's own ``%`` operator is LIKE: the modulo is spelled out.)
    slot = peewee.Expression(local / 3600, "%", 24) if unit == "hour" else \
        peewee.Expression(local / 86400 + 4, "%", 7)
    event = QueueLogRow.event
    rows = (QueueLogRow.select(slot.alias("slot"), event, peewee.fn.COUNT(QueueLogRow.id).alias("count"))
            .where(_where(report, queues) & event.in_(["ENTERQUEUE", "CONNECT", "ABANDON"]))
            .group_by(slot, event).tuples())
    names = {"ENTERQUEUE": "offered", "CONNECT": "answered", "ABANDON": "abandoned"}
    for slot_value, event_name, count in rows:
        table[int(slot_value) % size][names[event_name]] += count
    return table


def agent_summary(report, now=None):
    """Return one dict per agent: answered, talk, handle time, wrap-up, pauses (by reason), login, occupancy."""
    queues = _queues(report)
    if not queues:
        return []
    wrapups = {name: queue.wrapup_seconds for name, queue in queues.items()}
    event = QueueLogRow.event
    agents = {}
    rows = (QueueLogRow.select(QueueLogRow.agent, QueueLogRow.queue, event,
                               peewee.fn.COUNT(QueueLogRow.id).alias("count"),
                               peewee.fn.SUM(_int(QueueLogRow.data2)).alias("talk"))
            .where(_where(report, queues) & event.in_(["CONNECT", "COMPLETEAGENT", "COMPLETECALLER"]))
            .group_by(QueueLogRow.agent, QueueLogRow.queue, event).tuples())
    for agent, queue, event_name, count, talk in rows:
        row = _agent_row(agents, agent)
        if event_name == "CONNECT":
            row["answered"] += count
            row["wrapup"] += count * wrapups.get(queue, 0)
        else:
            row["talk"] += talk or 0
    # A transferred call ends with its transfer row and no COMPLETE: its talk is that row's data4. Read
    # apart: data4 is not in the covering (queue, time, …, data3) index the query above stays inside.
    transfers = (QueueLogRow.select(QueueLogRow.agent, peewee.fn.COUNT(QueueLogRow.id),
                                    peewee.fn.SUM(_int(QueueLogRow.data4)))
                 .where(_where(report, queues) & event.in_(TRANSFERS)).group_by(QueueLogRow.agent).tuples())
    for agent, count, talk in transfers:
        row = _agent_row(agents, agent)
        row["transfers"] += count
        row["talk"] += talk or 0
    sessions = _sessions(report, queues, now)
    for agent, (login, pauses) in sessions.items():
        row = _agent_row(agents, agent)
        row["login"] = login
        row["pauses"] = pauses
        row["pause_total"] = sum(item["total"] for item in pauses.values())
    for row in agents.values():
        row["handle_average"] = round((row["talk"] + row["wrapup"]) / row["answered"]) if row["answered"] else None
        available = (row["login"] or 0) - row["pause_total"]
        row["occupancy"] = round(100.0 * (row["talk"] + row["wrapup"]) / available, 1) \
            if row["login"] and available > 0 else None
    return sorted(agents.values(), key=lambda row: (len(row["agent"]), row["agent"]))


def _agent_row(agents, agent):
    return agents.setdefault(agent, {"agent": agent, "answered": 0, "talk": 0, "wrapup": 0, "transfers": 0,
                                     "login": None, "pauses": {}, "pause_total": 0})


def _sessions(report, queues, now):
    """Return ``{agent: (login seconds or None, {reason: {count, total, longest, over}})}`` in the range.

    Pauses pair PAUSE/PAUSEALL with the next UNPAUSE/UNPAUSEALL of the agent (a pause still running
    ends at the range's end or now); login pairs ADDMEMBER with REMOVEMEMBER (static members log no
    session: their login time is unknown, None).
    """
    end = min(report.end, int(now or datetime.datetime.now().timestamp()))
    limits = {reason.name: reason.max_minutes for reason in PauseReason.select()}
    names = list(queues) + ["NONE"]
    condition = (QueueLogRow.time >= report.start) & (QueueLogRow.time < report.end) & QueueLogRow.queue.in_(names)
    condition &= QueueLogRow.event.in_(["PAUSE", "PAUSEALL", "UNPAUSE", "UNPAUSEALL", "ADDMEMBER", "REMOVEMEMBER"])
    if report.agent:
        condition &= QueueLogRow.agent == report.agent
    rows = (QueueLogRow.select(QueueLogRow.time, QueueLogRow.agent, QueueLogRow.queue, QueueLogRow.event,
                               QueueLogRow.data1).where(condition).order_by(QueueLogRow.time, QueueLogRow.id).tuples())
    paused, logged, result = {}, {}, {}
    for time, agent, _queue, event_name, data1 in rows:
        login, pauses = result.setdefault(agent, [None, {}])
        if event_name in ("PAUSE", "PAUSEALL"):
            # PAUSEALL is followed by a PAUSE per queue: one running pause per agent.
            paused.setdefault(agent, (time, data1))
        elif event_name in ("UNPAUSE", "UNPAUSEALL") and agent in paused:
            _close_pause(pauses, paused.pop(agent), time, limits)
        elif event_name == "ADDMEMBER":
            logged.setdefault(agent, time)
        elif event_name == "REMOVEMEMBER" and agent in logged:
            result[agent][0] = (login or 0) + time - logged.pop(agent)
    for agent, started in paused.items():
        _close_pause(result[agent][1], started, end, limits)
    for agent, since in logged.items():
        result[agent][0] = (result[agent][0] or 0) + max(0, end - since)
    return {agent: (login, pauses) for agent, (login, pauses) in result.items()}


def _close_pause(pauses, started, until, limits):
    start, reason = started
    seconds = max(0, until - start)
    item = pauses.setdefault(reason, {"count": 0, "total": 0, "longest": 0, "over": 0,
                                      "limit_minutes": limits.get(reason)})
    item["count"] += 1
    item["total"] += seconds
    item["longest"] = max(item["longest"], seconds)
    if item["limit_minutes"] and seconds > item["limit_minutes"] * 60:
        item["over"] += 1


#: How a call left the queue, by the queue_log row that ends it (notes/callcenter.md 2).
OUTCOMES = {"COMPLETEAGENT": "answered", "COMPLETECALLER": "answered", "BLINDTRANSFER": "transferred",
            "ATTENDEDTRANSFER": "transferred", "ABANDON": "abandoned", "EXITWITHTIMEOUT": "timeout",
            "EXITWITHKEY": "exit_key", "EXITEMPTY": "empty"}
#: Where the wait is in each row that ends a wait (CONNECT: data1; leaving: data3, or data4 after the key).
_WAIT_FIELD = {"CONNECT": "data1", "ABANDON": "data3", "EXITWITHTIMEOUT": "data3", "EXITEMPTY": "data3",
               "EXITWITHKEY": "data4"}
#: Calls the per-call table shows at most (the newest of the range).
CALL_ROWS = 500


def calls(report, limit=CALL_ROWS):
    """Return the range's newest calls, one dict each: when, queue, caller, agent, wait, talk, outcome, and from
    the call records (CDR) of the caller's channel: the whole call's seconds, its disposition and its legs.

    A queue_log call id is the caller channel's uniqueid, which the CDR rows of that channel carry
    (indexed); ``legs`` counts the CDR rows sharing its linkedid (a transfer adds legs). A call whose
    records are not ingested yet shows None there.
    """
    queues = _queues(report)
    if not queues:
        return []
    numbers = {name: queue.number for name, queue in queues.items()}
    events = ["ENTERQUEUE", "CONNECT", *OUTCOMES, "CALLBACKREQ"]
    condition = ((QueueLogRow.time >= report.start) & (QueueLogRow.time < report.end)
                 & QueueLogRow.queue.in_(list(queues)) & QueueLogRow.event.in_(events))
    # Newest first, bounded: a call has at most three such rows.
    rows = (QueueLogRow.select(QueueLogRow.time, QueueLogRow.callid, QueueLogRow.queue, QueueLogRow.agent,
                               QueueLogRow.event, QueueLogRow.data1, QueueLogRow.data2, QueueLogRow.data3,
                               QueueLogRow.data4)
            .where(condition).order_by(QueueLogRow.time.desc(), QueueLogRow.id.desc()).limit(limit * 4).dicts())
    found = {}
    for row in reversed(list(rows)):
        call = found.setdefault(row["callid"], {"callid": row["callid"], "queue": numbers[row["queue"]],
                                                "time": None, "caller": "", "agent": "", "wait": None,
                                                "talk": None, "outcome": "waiting"})
        event = row["event"]
        if event == "ENTERQUEUE":
            call["time"], call["caller"] = row["time"], row["data2"]
        if event in _WAIT_FIELD:
            call["wait"] = _number(row[_WAIT_FIELD[event]])
        if event == "CONNECT":
            call["agent"], call["outcome"] = row["agent"], "on_call"
        elif event in OUTCOMES:
            call["outcome"] = OUTCOMES[event]
            if event.startswith("COMPLETE") or event in TRANSFERS:
                call["talk"] = _number(row["data2" if event.startswith("COMPLETE") else "data4"])
        elif event == "CALLBACKREQ":
            call["outcome"] = "callback"
    # Calls whose ENTERQUEUE fell outside the bounded read are left out rather than shown half.
    result = [call for call in found.values() if call["time"] is not None
              and (not report.agent or call["agent"] == report.agent)]
    result = sorted(result, key=lambda call: call["time"], reverse=True)[:limit]
    _join_call_records(result)
    return result


def _number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _join_call_records(result):
    """Add ``call_seconds``, ``disposition`` and ``legs`` from the caller channel's CDR rows to each call."""
    callids = [call["callid"] for call in result]
    legs, own = {}, {}
    for start in range(0, len(callids), 500):
        chunk = callids[start:start + 500]
        for uniqueid, linkedid, duration, disposition in (
                CallRecord.select(CallRecord.uniqueid, CallRecord.linkedid, CallRecord.duration,
                                  CallRecord.disposition).where(CallRecord.uniqueid.in_(chunk)).tuples()):
            seconds, _, _ = own.get(uniqueid, (0, "", ""))
            if duration >= seconds:
                own[uniqueid] = (duration, disposition, linkedid)
    linked = sorted({linkedid for _, _, linkedid in own.values()})
    for start in range(0, len(linked), 500):
        chunk = linked[start:start + 500]
        for linkedid, count in (CallRecord.select(CallRecord.linkedid, peewee.fn.COUNT(CallRecord.id))
                                .where(CallRecord.linkedid.in_(chunk)).group_by(CallRecord.linkedid).tuples()):
            legs[linkedid] = count
    for call in result:
        seconds, disposition, linkedid = own.get(call["callid"], (None, None, None))
        call.update(call_seconds=seconds, disposition=disposition, legs=legs.get(linkedid), linkedid=linkedid)


def count_rows():
    """Return how many queue_log rows are stored (the reports page says what it reads)."""
    return database.execute_sql("SELECT COUNT(*) FROM queue_log").fetchone()[0]
