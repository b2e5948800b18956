"""Supervisors and their queues: who sees which queue, the live dashboard's state, and listening in.

An administrator sees every queue; a supervisor only the queues assigned to them (queue_supervisors),
and only the agents of those queues — to watch, pause, log out or spy on. Everything the dashboard
shows comes from the daemon's snapshots (agent_board, queue_board) and the live engine state, never
from an AMI connection of the web's own; spying is one Originate through the engine adapter.
"""
import re
import time

from appliance import call_events, live
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.names import queue_name
from appliance.db import database
from appliance.errors import NotFound, PermissionDenied, Unavailable, ValidationError
from appliance.i18n import N_
from appliance.models.callcenter import QueueSupervisor, QueueTarget
from appliance.models.extensions import Extension
from appliance.models.queues import PauseReason, Queue, QueueMember
from appliance.models.users import User
from appliance.services import Actor, agent_board, audit, engine_sync, mail, queue_board

SPY_MODES = ("listen", "whisper", "barge")
#: A live channel of a phone, as Asterisk names it: only such a name reaches ChanSpy.
CHANNEL = re.compile(r"^PJSIP/[A-Za-z0-9_.+-]{1,64}-[0-9a-f]{8}$")


def visible_queues(user):
    """Return the queues ``user`` may watch, by number: every one for an admin, assigned ones for a supervisor."""
    query = Queue.select().order_by(Queue.number)
    if user.role == "admin":
        return list(query)
    if user.role != "supervisor":
        return []
    return list(query.join(QueueSupervisor).where(QueueSupervisor.user == user.id))


def watched_queue_names(user):
    """Return the app_queue names (``q<id>``) of the queues ``user`` may watch (their calls' recordings too)."""
    return [queue_name(queue.id) for queue in visible_queues(user)]


def supervisors_of(queue_id):
    """Return the ids of the users supervising queue ``queue_id``."""
    return [row.user_id for row in QueueSupervisor.select().where(QueueSupervisor.queue == queue_id)]


def set_supervisors(queue_id, user_ids, actor):
    """Make exactly ``user_ids`` (supervisors) the supervisors of queue ``queue_id``."""
    queue = Queue.get_or_none(Queue.id == queue_id)
    if queue is None:
        raise NotFound(N_("Queue not found."))
    wanted = sorted({int(user_id) for user_id in user_ids})
    found = {user.id for user in User.select().where(User.id.in_(wanted), User.role == "supervisor")}
    if set(wanted) - found:
        raise ValidationError.one("supervisors", N_("Choose supervisors from the list."))
    before = sorted(supervisors_of(queue_id))
    with database.atomic():
        QueueSupervisor.delete().where(QueueSupervisor.queue == queue_id).execute()
        for user_id in wanted:
            QueueSupervisor.create(queue=queue_id, user=user_id)
        audit.record(actor, "queue.supervisors", "queue", queue.id, queue.number, before={"users": before},
                     after={"users": wanted})
        # Who may spy by feature code is compiled into the dialplan (confgen/supervision.py).
        engine_sync.request(usernames=[], files=True)


def save_targets(queue_id, sl_seconds, sl_percent, max_waiting, max_wait_seconds, alert_emails, actor):
    """Save queue ``queue_id``'s service-level target and alert thresholds (0: no alert); return the row."""
    queue = Queue.get_or_none(Queue.id == queue_id)
    if queue is None:
        raise NotFound(N_("Queue not found."))
    errors = {}
    numbers = {"sl_seconds": (sl_seconds, 1, 3600), "sl_percent": (sl_percent, 1, 100),
               "max_waiting": (max_waiting, 0, 1000), "max_wait_seconds": (max_wait_seconds, 0, 86400)}
    for field, (value, low, high) in numbers.items():
        if not isinstance(value, int) or not low <= value <= high:
            errors[field] = (N_("Enter a whole number from %(min)d to %(max)d."), {"min": low, "max": high})
    addresses = [line.strip() for line in (alert_emails or "").replace(",", "\n").splitlines() if line.strip()]
    bad = [address for address in addresses if not mail.valid_address(address)]
    if bad or len(addresses) > 20:
        errors["alert_emails"] = (N_("Enter up to 20 valid e-mail addresses, one a line."), {})
    if errors:
        raise ValidationError(errors)
    row = QueueTarget.get_or_none(QueueTarget.queue == queue_id) or QueueTarget(queue=queue_id)
    before = {"sl_seconds": row.sl_seconds, "sl_percent": row.sl_percent, "max_waiting": row.max_waiting,
              "max_wait_seconds": row.max_wait_seconds, "alert_emails": row.alert_emails}
    row.sl_seconds, row.sl_percent, row.max_waiting, row.max_wait_seconds = (sl_seconds, sl_percent, max_waiting,
                                                                             max_wait_seconds)
    row.alert_emails = "\n".join(addresses)
    with database.atomic():
        row.save()
        audit.record(actor, "queue.targets", "queue", queue.id, queue.number, before=before,
                     after={"sl_seconds": sl_seconds, "sl_percent": sl_percent, "max_waiting": max_waiting,
                            "max_wait_seconds": max_wait_seconds, "alert_emails": row.alert_emails})
    return row


def agent_numbers(queues):
    """Return ``{extension number: name}`` of every agent of ``queues``."""
    rows = (QueueMember.select(QueueMember, Extension).join(Extension)
            .where(QueueMember.queue.in_([queue.id for queue in queues])))
    return {row.extension.number: row.extension.name for row in rows}


def check_agent(user, number):
    """Return agent ``number``'s name if ``user`` may act on them (an agent of a queue they see); else NotFound.

    Unknown and not-yours look the same, so a supervisor cannot probe other teams' numbers.
    """
    agents = agent_numbers(visible_queues(user))
    if number not in agents:
        raise NotFound(N_("Extension %(number)s is not an agent of your queues."), number=number)
    return agents[number]


def targets(queue_ids):
    """Return ``{queue id: QueueTarget}`` (defaults for a queue with none saved)."""
    saved = {row.queue_id: row for row in QueueTarget.select().where(QueueTarget.queue.in_(list(queue_ids)))}
    return {queue_id: saved.get(queue_id) or QueueTarget(queue=queue_id) for queue_id in queue_ids}


def sl_thresholds():
    """Return ``{app_queue name: service-level seconds}`` of every queue (the daemon's queue board)."""
    saved = {row.queue_id: row.sl_seconds for row in QueueTarget.select()}
    return {queue_name(queue.id): saved.get(queue.id, queue_board.DEFAULT_SL_SECONDS)
            for queue in Queue.select(Queue.id)}


def _queue_state(queue, target, snapshot, agents_by_queue, today):
    name = queue_name(queue.id)
    callers = sorted(snapshot["callers"].get(name, {}).values(), key=lambda caller: caller["joined_at"])
    figures = snapshot["figures"].get(name) if snapshot.get("day") == today else None
    figures = figures or queue_board.empty_figures()
    members = agents_by_queue.get(name, [])
    paused = {}
    for member in members:
        if member["state"] == "paused":
            paused[member["reason"]] = paused.get(member["reason"], 0) + 1
    return {
        "id": queue.id, "number": queue.number, "name": queue.name,
        "waiting": len(callers),
        "callers": [{"caller": caller["caller"], "name": caller["name"], "joined_at": caller["joined_at"]}
                    for caller in callers],
        "oldest_joined_at": callers[0]["joined_at"] if callers else None,
        "logged_in": sum(1 for member in members if member["state"] != "logged_out"),
        "on_call": sum(1 for member in members if member["state"] in ("on_call", "ringing")),
        "idle": sum(1 for member in members if member["state"] == "idle"),
        "paused": sum(paused.values()), "paused_by_reason": paused,
        "answered": figures["answered"], "abandoned": figures["abandoned"], "offered": figures["offered"],
        "service_level": queue_board.service_level(figures),
        "average_wait": round(figures["wait_total"] / figures["answered"]) if figures["answered"] else None,
        "average_talk": round(figures["talk_total"] / figures["completed"]) if figures["completed"] else None,
        "longest_wait_today": figures["longest_wait"],
        "sl_seconds": target.sl_seconds, "sl_percent": target.sl_percent,
        "max_waiting": target.max_waiting, "max_wait_seconds": target.max_wait_seconds,
    }


def dashboard_state(var_dir, queues, with_agents=True, now=None):
    """Return what a dashboard of ``queues`` shows now (JSON-able): queues, agents, the server's clock.

    Built from the daemon's snapshots only; ``engine_running`` false when the daemon or Asterisk is down.
    ``with_agents`` False (a wallboard): no agent and no caller is named, only the queues' figures.
    """
    now = now or time.time()
    snapshot = queue_board.read(var_dir)
    states, _ = agent_board.read_states(var_dir, now)
    engine = live.read(var_dir)
    names = {queue_name(queue.id): queue for queue in queues}
    members = (QueueMember.select(QueueMember, Extension).join(Extension)
               .where(QueueMember.queue.in_([queue.id for queue in queues])).order_by(Extension.number))
    agents, agents_by_queue = {}, {}
    for member in members:
        number = member.extension.number
        state = states.get(number, {"state": "logged_out", "reason": "", "since": None})
        row = agents.setdefault(number, {"number": number, "name": member.extension.name, "state": state["state"],
                                         "reason": state.get("reason", ""), "since": state.get("since"),
                                         "calls_today": 0, "queues": []})
        row["queues"].append(member.queue_id)
        agents_by_queue.setdefault(queue_name(member.queue_id), []).append(row)
    today = str(snapshot.get("day", ""))
    for number, row in agents.items():
        row["calls_today"] = snapshot["agent_calls"].get(number, 0)
    reasons = {reason.name: reason.max_minutes for reason in PauseReason.select()}
    for row in agents.values():
        limit = reasons.get(row["reason"]) if row["state"] == "paused" else None
        row["over_limit"] = bool(limit and row["since"] and now - row["since"] > limit * 60)
    goals = targets([queue.id for queue in queues])
    tiles = [_queue_state(queue, goals[queue.id], snapshot, agents_by_queue, today) for queue in names.values()]
    if not with_agents:
        for tile in tiles:
            tile["callers"], tile["paused_by_reason"] = [], {}
    return {
        "now": now,
        "engine_running": engine.running and not engine.stale,
        "queues": tiles,
        "agents": list(agents.values()) if with_agents else [],
    }


def _device_of(user):
    extension = Extension.get_or_none(Extension.user == user.id)
    if extension is None or not extension.devices:
        raise ValidationError.one("extension", N_("You have no extension with a phone to listen on."))
    return extension, extension.devices[0].sip_username


def _agent_channel(var_dir, number):
    """Return the live channel of agent ``number``'s phone in a call (the leg a ChanSpy follows)."""
    engine = live.read(var_dir)
    if not engine.running or engine.stale:
        raise Unavailable(N_("The phone system is not running."))
    for channel in engine.channels:
        name = channel.get("channel", "")
        if call_events.extension_of(name) == number and channel.get("state") == "Up" and CHANNEL.match(name):
            return name
    raise ValidationError.one("agent", N_("Agent %(number)s is not on a call."), number=number)


def spied_by_code(supervisor, agent, mode):
    """Audit a spy started from a phone by feature code (the dialplan checked the right; UserEvent from the daemon)."""
    if mode not in SPY_MODES or not supervisor.isdigit() or not agent.isdigit():
        return
    extension = Extension.get_or_none(Extension.number == supervisor)
    user = User.get_or_none(User.id == extension.user_id) if extension and extension.user_id else None
    who = Actor(user_id=user.id, username=user.username) if user else Actor.system(f"extension {supervisor}")
    audit.record(who, f"agent.spy.{mode}", "extension", agent, agent,
                 after={"supervisor_extension": supervisor, "via": "feature code"})


def spy(var_dir, user, number, mode, actor):
    """Ring ``user``'s own phone and, once answered, listen to / whisper to / barge into agent ``number``'s call."""
    if mode not in SPY_MODES:
        raise ValidationError.one("mode", N_("Choose listen, whisper or barge."))
    if user.role not in ("admin", "supervisor"):
        raise PermissionDenied(N_("Only supervisors may listen to calls."))
    check_agent(user, number)
    extension, device = _device_of(user)
    channel = _agent_channel(var_dir, number)
    engine = control.current()
    if engine is None:
        raise Unavailable(N_("The phone system is not running."))
    try:
        engine.spy(device, channel, mode, f'"{mode}" <{number}>')
    except AmiError as exc:
        raise Unavailable(N_("The phone system did not place the call: %(reason)s"), reason=str(exc)) from exc
    audit.record(actor, f"agent.spy.{mode}", "extension", number, number,
                 after={"supervisor_extension": extension.number, "channel": channel})
