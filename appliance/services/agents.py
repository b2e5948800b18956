"""Agents: extensions that take queue calls, logging in and out and pausing with a reason.

Login and pause are app_queue's own state (live at the next call, kept across restarts by
``persistentmembers``), changed here through the engine adapter, by the agents' feature codes
in the dialplan, or by a supervisor; the daemon follows them from AMI events (services/agent_board.py).
"""
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.names import queue_name
from appliance.errors import NotFound, Unavailable, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.queues import Queue, QueueMember
from appliance.services import audit
from appliance.services.pause_reasons import get_pause_reason


def memberships(number, static=None):
    """Return the QueueMember rows of extension ``number`` (only static or dynamic ones when ``static`` is set)."""
    query = (QueueMember.select(QueueMember, Queue).join(Queue).switch(QueueMember).join(Extension)
             .where(Extension.number == number).order_by(Queue.number))
    if static is not None:
        query = query.where(QueueMember.static == static)
    return list(query)


def list_agents():
    """Return ``[(extension, [QueueMember])]`` of every extension in at least one queue, by number."""
    found = {}
    query = (QueueMember.select(QueueMember, Queue, Extension).join(Queue).switch(QueueMember).join(Extension)
             .order_by(Extension.number, Queue.number))
    for member in query:
        found.setdefault(member.extension.number, (member.extension, []))[1].append(member)
    return list(found.values())


def _engine():
    engine = control.current()
    if engine is None:
        raise Unavailable(N_("The phone system is not running: nothing was changed."))
    return engine


def _agent(number):
    rows = memberships(number)
    if not rows:
        raise NotFound(N_("Extension %(number)s is not an agent of any queue."), number=number)
    return rows


def _act(what, *args):
    try:
        what(*args)
    except AmiError as exc:
        raise Unavailable(N_("The phone system did not make the change: %(reason)s"), reason=str(exc)) from exc


def login(number, actor):
    """Log extension ``number`` in to every queue it is a dynamic member of."""
    dynamic = [row for row in _agent(number) if not row.static]
    if not dynamic:
        raise ValidationError.one("number", N_("Extension %(number)s is in its queues always: it cannot log in "
                                               "or out."), number=number)
    _act(_engine().agent_login, number, [(queue_name(row.queue_id), row.penalty) for row in dynamic])
    audit.record(actor, "agent.login", "extension", number, number,
                 after={"queues": [row.queue.number for row in dynamic]})


def logout(number, actor):
    """Log extension ``number`` out of every queue it is a dynamic member of."""
    dynamic = [row for row in _agent(number) if not row.static]
    if not dynamic:
        raise ValidationError.one("number", N_("Extension %(number)s is in its queues always: it cannot log in "
                                               "or out."), number=number)
    still_in = any(row.static for row in memberships(number))
    _act(_engine().agent_logout, number, [queue_name(row.queue_id) for row in dynamic], still_in)
    audit.record(actor, "agent.logout", "extension", number, number,
                 after={"queues": [row.queue.number for row in dynamic]})


def pause(number, reason_id, actor):
    """Pause extension ``number`` in every queue, with pause reason ``reason_id`` (None: no reason)."""
    _agent(number)
    reason = get_pause_reason(reason_id) if reason_id is not None else None
    _act(_engine().agent_pause, number, True, reason.name if reason else "")
    audit.record(actor, "agent.pause", "extension", number, number,
                 after={"reason": reason.name if reason else ""})


def unpause(number, actor):
    """Unpause extension ``number`` in every queue."""
    _agent(number)
    _act(_engine().agent_pause, number, False, "")
    audit.record(actor, "agent.unpause", "extension", number, number)
