"""Call-center queues: their settings, overflows and members (extensions, static or logging in).

A saved queue is compiled to queues.conf and the dialplan after commit; app_queue's reload
changes the live queue in place, so callers waiting stay where they are.
"""
import logging
from dataclasses import dataclass, field

from appliance import destinations
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.confgen.queues import EXIT_KEYS, QUEUE_STRATEGIES, SOUND
from appliance.asterisk.names import queue_name
from appliance.db import database
from appliance.destinations import referrers
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.queues import Queue, QueueMember
from appliance.services import audit, engine_sync, music_on_hold, numbering, recording_policy
from appliance.services.extensions import SECONDS_IN_RANGE, clean_name, in_range

log = logging.getLogger(__name__)
MAX_MEMBERS = 200
PENALTY_RANGE = (0, 99)
#: (field, bounds) of every number of seconds or callers a queue has; 0 means "off" where it may be 0.
RANGES = {"ring_seconds": (1, 600), "retry_seconds": (0, 600), "wrapup_seconds": (0, 3600),
          "max_wait_seconds": (0, 86400), "announce_seconds": (0, 3600), "periodic_seconds": (0, 3600)}
#: Destination fields: where timed-out, refused-when-full, empty and exiting callers go.
DESTINATION_FIELDS = ("timeout_destination", "full_destination", "empty_destination", "exit_destination")


@dataclass
class MemberInput:
    """An extension in a queue: its number, penalty (lower rings first) and whether it is always in."""

    number: str
    penalty: int = 0
    static: bool = True


@dataclass
class QueueInput:
    """What an admin types for a queue."""

    number: str
    name: str
    strategy: str = "ringall"
    ring_seconds: int = 15
    retry_seconds: int = 5
    wrapup_seconds: int = 0
    max_wait_seconds: int = 0
    timeout_destination: str = "hangup"
    max_callers: int = 0
    full_destination: str = "hangup"
    join_empty: bool = True
    leave_empty: bool = False
    empty_destination: str = "hangup"
    moh_class: str = "default"
    announce_seconds: int = 0
    announce_position: bool = True
    announce_holdtime: bool = False
    periodic_announce: str = ""
    periodic_seconds: int = 0
    exit_key: str = ""
    exit_destination: str = "hangup"
    #: never / always / on_demand, and days its recordings are kept (0: the global setting; decision 036).
    recording: str = "never"
    recording_keep_days: int = 0
    recording_prompt_id: int | None = None
    members: list = field(default_factory=list)


def get_queue(queue_id):
    """Return the queue with ``queue_id`` or raise NotFound."""
    queue = Queue.get_or_none(Queue.id == queue_id)
    if queue is None:
        raise NotFound(N_("Queue not found."))
    return queue


def list_queues():
    """Return every queue, by number."""
    return Queue.select().order_by(Queue.number)


def members_of(queue):
    """Return the MemberInput of each member of ``queue``, in order."""
    query = (QueueMember.select(QueueMember, Extension).join(Extension)
             .where(QueueMember.queue == queue).order_by(QueueMember.position, QueueMember.id))
    return [MemberInput(member.extension.number, member.penalty, member.static) for member in query]


def _validate_members(data, errors):
    members = []
    for member in data.members:
        number = (member.number or "").strip()
        try:
            penalty = int(member.penalty)
        except (TypeError, ValueError):
            penalty = -1
        if not PENALTY_RANGE[0] <= penalty <= PENALTY_RANGE[1]:
            errors["members"] = (N_("A penalty is a number from %(low)d to %(high)d."),
                                 {"low": PENALTY_RANGE[0], "high": PENALTY_RANGE[1]})
            return {}
        members.append(MemberInput(number, penalty, bool(member.static)))
    numbers = [member.number for member in members]
    if len(numbers) != len(set(numbers)):
        errors["members"] = (N_("An extension is listed twice."), {})
        return {}
    if len(numbers) > MAX_MEMBERS:
        errors["members"] = (N_("A queue has at most %(max)d members."), {"max": MAX_MEMBERS})
        return {}
    found = {e.number: e for e in Extension.select().where(Extension.number.in_(numbers))} if numbers else {}
    missing = [n for n in numbers if n not in found]
    if missing:
        errors["members"] = (N_("No such extension: %(numbers)s."), {"numbers": ", ".join(missing)})
    data.members = members
    return found


def _validate(data, queue_id, errors):
    data.number = numbering.clean_internal_number(data.number, errors)
    numbering.claim(data.number, errors, mine=("queue", queue_id))
    data.name = clean_name(data.name, errors)
    if data.strategy not in QUEUE_STRATEGIES:
        errors["strategy"] = (N_("Choose a strategy from the list."), {})
    if not music_on_hold.valid_choice(data.moh_class):
        errors["moh_class"] = (N_("Choose a music class from the list."), {})
    for name, bounds in RANGES.items():
        setattr(data, name, in_range(getattr(data, name), name, bounds, errors, SECONDS_IN_RANGE))
    data.max_callers = in_range(data.max_callers, "max_callers", (0, 10000), errors)
    data.periodic_announce = (data.periodic_announce or "").strip()
    if data.periodic_announce and not SOUND.fullmatch(data.periodic_announce):
        errors["periodic_announce"] = (N_("Use a sound name such as queue-periodic-announce."), {})
    data.exit_key = (data.exit_key or "").strip()
    if data.exit_key and data.exit_key not in EXIT_KEYS:
        errors["exit_key"] = (N_("Use one key: 0-9, * or #."), {})
    for name in DESTINATION_FIELDS:
        destination = destinations.find(getattr(data, name) or "hangup")
        if destination is None or not destination.exists() or (
                destination.kind == "queue" and destination.target == data.number):
            errors[name] = (N_("Choose where these calls go from the list."), {})
        else:
            setattr(data, name, str(destination))
    data.join_empty, data.leave_empty = bool(data.join_empty), bool(data.leave_empty)
    data.announce_position, data.announce_holdtime = bool(data.announce_position), bool(data.announce_holdtime)
    data.recording, data.recording_keep_days = recording_policy.clean(data.recording, data.recording_keep_days,
                                                                      errors)
    data.recording_prompt_id = recording_policy.clean_prompt(data.recording_prompt_id, errors)
    return _validate_members(data, errors)


_FIELDS = ("number", "name", "strategy", "ring_seconds", "retry_seconds", "wrapup_seconds", "max_wait_seconds",
           "timeout_destination", "max_callers", "full_destination", "join_empty", "leave_empty",
           "empty_destination", "moh_class", "announce_seconds", "announce_position", "announce_holdtime",
           "periodic_announce", "periodic_seconds", "exit_key", "exit_destination", "recording",
           "recording_keep_days", "recording_prompt_id")


def public(queue):
    """Return what the audit log records of ``queue``: its fields and members."""
    return {**{name: getattr(queue, name) for name in _FIELDS},
            "members": [vars(member) for member in members_of(queue)]}


def save_queue(data, actor, queue_id=None):
    """Create (``queue_id`` None) or replace a queue and its members; queues.conf and the dialplan follow."""
    with database.atomic():
        queue = get_queue(queue_id) if queue_id is not None else None
        errors = {}
        extensions = _validate(data, queue_id, errors)
        if errors:
            raise ValidationError(errors)
        before = public(queue) if queue else None
        dropped = {m["number"] for m in before["members"] if not m["static"]} - \
            {m.number for m in data.members if not m.static} if before else set()
        values = {name: getattr(data, name) for name in _FIELDS}
        if queue is None:
            queue = Queue.create(**values)
        else:
            for key, value in values.items():
                setattr(queue, key, value)
            queue.save()
        QueueMember.delete().where(QueueMember.queue == queue).execute()
        for position, member in enumerate(data.members):
            QueueMember.create(queue=queue, extension=extensions[member.number], penalty=member.penalty,
                               static=member.static, position=position)
        audit.record(actor, "queue.update" if before else "queue.create", "queue", queue.id, queue.number,
                     before=before, after=public(queue))
        engine_sync.request([], files=True)
    _log_out(queue, dropped)
    return queue


def _log_out(queue, numbers):
    """Take agents no longer dynamic members out of ``queue`` in app_queue (a reload keeps dynamic members)."""
    engine = control.current()
    for number in sorted(numbers) if engine is not None else ():
        try:
            engine.agent_logout(number, [queue_name(queue.id)])
        except AmiError as exc:  # Asterisk away: the member stays until it logs out or the queue goes
            log.warning("agent %s not logged out of %s: %s", number, queue.number, exc)


def delete_queue(queue_id, actor):
    """Delete a queue; refused while something still sends calls to it."""
    with database.atomic():
        queue = get_queue(queue_id)
        referrers.refuse_if_used(destinations.of_number(queue.number), "number")
        audit.record(actor, "queue.delete", "queue", queue.id, queue.number, before=public(queue))
        queue.delete_instance(recursive=True)
        engine_sync.request([], files=True)
