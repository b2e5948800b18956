"""Render queues.conf and the queues' dialplan: numbers callers dial, overflows, agents' feature codes.

A queue is app_queue's ``q<id>`` (names.queue_name). Its settings and static members are in
queues.conf; a change reloads app_queue, which updates the live queue object in place, so
callers waiting keep their place (notes/callcenter.md 1, "Reload"). Dynamic members (agents
who log in) live in app_queue and in AstDB (``persistentmembers``): a reload or a restart keeps
them. Pauses are app_queue's own state too, set by the feature codes below or by AMI.
"""
import re
from dataclasses import dataclass

from appliance.asterisk.names import (
    CALLS_GROUP,
    QUEUE_AGENT_CONTEXT,
    QUEUES_CONTEXT,
    agent_interface,
    agent_lamp,
    agent_state_interface,
    queue_name,
)
from appliance.destinations import HANGUP, Destination
from appliance.destinations import parse as parse_destination

from . import recording
from .asterisk import HEADER
from .dialplan import Context, Note, at
from .extensions import GROUP_MEMBER_CONTEXT
from .musiconhold import is_class_name
from .types import _DISPLAY_NAME, _EXTENSION

#: app_queue's strategies offered (notes/callcenter.md 1); rrordered is left out (linear covers "in order").
QUEUE_STRATEGIES = ("ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom")
#: Member states that count as "nobody can take calls" for joining and leaving: a paused, unreachable or
#: unknown device, or one whose penalty keeps it out.
EMPTY_WHEN = "paused,penalty,invalid,unavailable"
#: Sound names: a path under the sounds folder without extension (no dots: no way out of it).
SOUND = re.compile(r"[A-Za-z0-9_-]{1,40}(/[A-Za-z0-9_-]{1,40}){0,2}")
#: A pause reason's name reaches app_queue (QueueMemberPause, queue_log PAUSE rows): letters, digits,
#: spaces, dots and dashes only, nothing the dialplan or queue_log's "|" would read.
REASON_NAME = re.compile(r"[^\W_](?:[\w .-]{0,38}[^\W_.])?")
EXIT_KEYS = tuple("0123456789*#")
#: Contexts of the agent feature codes and their compiled data.
AGENT_CODES_CONTEXT = "cn-agent-codes"
AGENT_LOGIN_CONTEXT = "cn-agent-login"
AGENT_LOGOUT_CONTEXT = "cn-agent-logout"
PAUSE_REASONS_CONTEXT = "cn-pause-reasons"
#: BLF hints of agents' queue state: ``*45<number>`` (included by the hints context).
AGENT_HINTS_CONTEXT = "cn-agent-hints"
#: What an agent's lamp shows: logged out (off), taking calls (lit), paused (on hold: blinks on most phones).
LAMP_OUT, LAMP_IN, LAMP_PAUSED = "NOT_INUSE", "INUSE", "ONHOLD"
CALLER = "${GROUP(" + CALLS_GROUP + ")}"


def exit_context(queue_id):
    """Return the context a caller's exit key is looked up in (app_queue's ``context``)."""
    return f"cn-queue-exit-{int(queue_id)}"


@dataclass(frozen=True)
class QueueMemberRow:
    """An extension taking a queue's calls: its number, penalty, and whether it is always in (static)."""

    number: str
    penalty: int = 0
    static: bool = True

    def __post_init__(self):
        if not _EXTENSION.fullmatch(self.number):
            raise ValueError(f"members are extension numbers: {self.number!r}")
        if not 0 <= self.penalty <= 99:
            raise ValueError("penalty must be 0..99")


def _destination(value):
    return value if isinstance(value, Destination) else parse_destination(value)


@dataclass(frozen=True)
class QueueRow:
    """A queue as the compiler needs it (appliance/models/queues.Queue)."""

    id: int
    number: str
    name: str
    members: tuple = ()
    strategy: str = "ringall"
    ring_seconds: int = 15
    retry_seconds: int = 5
    wrapup_seconds: int = 0
    max_wait_seconds: int = 0
    timeout_destination: Destination = HANGUP
    max_callers: int = 0
    full_destination: Destination = HANGUP
    join_empty: bool = True
    leave_empty: bool = False
    empty_destination: Destination = HANGUP
    moh_class: str = "default"
    announce_seconds: int = 0
    announce_position: bool = True
    announce_holdtime: bool = False
    periodic_announce: str = ""
    periodic_seconds: int = 0
    exit_key: str = ""
    exit_destination: Destination = HANGUP
    #: "always": every call it takes is recorded from when it joins; "on_demand": caller and agent may press
    #: the in-call code (confgen/recording.py; decision 036).
    recording: str = "never"
    #: The prompt (id) the caller hears, before waiting, when the queue starts recording; 0: none.
    recording_prompt: int = 0

    def __post_init__(self):
        if not isinstance(self.id, int) or self.id < 1 or not _EXTENSION.fullmatch(self.number):
            raise ValueError(f"invalid queue id or number: {self.id!r}, {self.number!r}")
        if not _DISPLAY_NAME.fullmatch(self.name) or ";" in self.name:
            raise ValueError(f"name has forbidden characters: {self.name!r}")
        if self.strategy not in QUEUE_STRATEGIES or not is_class_name(self.moh_class):
            raise ValueError(f"unknown strategy or music class: {self.strategy!r}, {self.moh_class!r}")
        for name, low, high in (("ring_seconds", 1, 600), ("retry_seconds", 0, 600), ("wrapup_seconds", 0, 3600),
                                ("max_wait_seconds", 0, 86400), ("max_callers", 0, 10000),
                                ("announce_seconds", 0, 3600), ("periodic_seconds", 0, 3600)):
            if not low <= getattr(self, name) <= high:
                raise ValueError(f"{name} must be {low}..{high}")
        if self.periodic_announce and not SOUND.fullmatch(self.periodic_announce):
            raise ValueError(f"invalid sound name {self.periodic_announce!r}")
        if self.recording not in recording.POLICIES:
            raise ValueError(f"invalid recording policy {self.recording!r}")
        if not isinstance(self.recording_prompt, int) or self.recording_prompt < 0:
            raise ValueError("invalid announcement prompt")
        if self.exit_key and self.exit_key not in EXIT_KEYS:
            raise ValueError(f"invalid exit key {self.exit_key!r}")
        if not all(isinstance(member, QueueMemberRow) for member in self.members):
            raise ValueError("members must be QueueMemberRow values")
        for name in ("timeout_destination", "full_destination", "empty_destination", "exit_destination"):
            object.__setattr__(self, name, _destination(getattr(self, name)))

    @property
    def name_in_engine(self):
        """Return app_queue's name of this queue."""
        return queue_name(self.id)


@dataclass(frozen=True)
class PauseReasonRow:
    """A pause reason: the code typed after the pause feature code and the name app_queue records."""

    code: int
    name: str

    def __post_init__(self):
        if not 1 <= self.code <= 99 or not REASON_NAME.fullmatch(self.name):
            raise ValueError(f"invalid pause reason {self.code!r} {self.name!r}")


def _member_line(member):
    # member => interface,penalty,membername,state_interface (queues.conf.sample)
    return (f"member => {agent_interface(member.number)},{member.penalty},{member.number},"
            f"{agent_state_interface(member.number)}")


def render_queues_conf(queues=()):
    """Return queues.conf for ``queues`` (QueueRow)."""
    lines = [HEADER.rstrip("\n"), "", "[general]",
             "; Agents who logged in stay in after a restart (AstDB Queue/PersistentMembers).",
             "persistentmembers = yes",
             "; Several callers are offered to free agents at once, not one after another.",
             "autofill = yes",
             "; Wrap-up counts across queues: an agent resting after a call from one queue is not rung by another.",
             "shared_lastcall = yes",
             "; queue_log names agents by their extension number in every row, so rows join (notes/callcenter.md 2).",
             "log_membername_as_agent = yes",
             ""]
    for queue in sorted(queues, key=lambda q: q.id):
        lines += [f"[{queue.name_in_engine}]", f"; {queue.number} {queue.name}",
                  f"strategy = {queue.strategy}",
                  f"timeout = {queue.ring_seconds}",
                  f"retry = {queue.retry_seconds}",
                  f"wrapuptime = {queue.wrapup_seconds}",
                  f"maxlen = {queue.max_callers}",
                  "; An agent already on a call (or ringing) is not rung again.",
                  "ringinuse = no",
                  f"musicclass = {queue.moh_class}",
                  f"announce-frequency = {queue.announce_seconds}",
                  f"announce-position = {'yes' if queue.announce_position else 'no'}",
                  f"announce-holdtime = {'yes' if queue.announce_holdtime else 'no'}",
                  "setinterfacevar = yes"]
        # Absent, both mean "always": a reload resets an option left out to that default.
        if not queue.join_empty:
            lines.append(f"joinempty = {EMPTY_WHEN}")
        if queue.leave_empty:
            lines.append(f"leavewhenempty = {EMPTY_WHEN}")
        if queue.periodic_announce and queue.periodic_seconds:
            lines += [f"periodic-announce = {queue.periodic_announce}",
                      f"periodic-announce-frequency = {queue.periodic_seconds}"]
        if queue.exit_key:
            lines.append(f"context = {exit_context(queue.id)}")
        lines += [_member_line(member) for member in queue.members if member.static]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _recording_steps(queue):
    """Return the steps before Queue() that record the call or offer the in-call code (none for "never")."""
    if queue.recording == "always":
        return [recording.start_if(prompt=queue.recording_prompt or None, play=True)]
    if queue.recording == "on_demand":  # app_queue's agent legs inherit it: either party may press the code
        return [f"Set(__DYNAMIC_FEATURES={recording.TOGGLE_FEATURE})"]
    return []


def _queue_context(queues):
    context = Context(QUEUES_CONTEXT, "A queue's number: wait in the queue, then its overflows by QUEUESTATUS.")
    for queue in sorted(queues, key=lambda q: (len(q.number), q.number)):
        context.note(f"queue {queue.name_in_engine}")
        context.exten(
            queue.number,
            "Answer()",
            f"Set(_PICKUPMARK={queue.number})",
            *_recording_steps(queue),
            # The 5th argument is the longest wait; 0 would mean none too, but an empty one is clearer.
            f"Queue({queue.name_in_engine},,,,{queue.max_wait_seconds or ''})",
            "Goto(${QUEUESTATUS})",
            at("TIMEOUT", queue.timeout_destination.dialplan()),
            "Hangup()",
            at("FULL", queue.full_destination.dialplan()),
            "Hangup()",
            at("JOINEMPTY", "Goto(empty)"),
            at("LEAVEEMPTY", "Goto(empty)"),
            at("JOINUNAVAIL", "Goto(empty)"),
            at("LEAVEUNAVAIL", "Goto(empty)"),
            at("empty", queue.empty_destination.dialplan()),
            "Hangup()",
            at("CONTINUE", "Hangup()"),
            at("WITHDRAW", "Hangup()"),
        )
    return context


def _exit_contexts(queues):
    contexts = []
    for queue in sorted(queues, key=lambda q: q.id):
        if queue.exit_key:
            context = Context(exit_context(queue.id), f"{queue.number}: the caller pressed the exit key.")
            context.exten(queue.exit_key, queue.exit_destination.dialplan(), "Hangup()")
            contexts.append(context)
    return contexts


def _agent_leg():
    context = Context(QUEUE_AGENT_CONTEXT, "A queue rings an agent: their devices, unless they set DND.")
    context.exten("_X.", f"Goto({GROUP_MEMBER_CONTEXT},${{EXTEN}},1)")
    return context


def _agent_memberships(queues):
    """Return ``{number: [(queue, member)]}`` of dynamic members, by number."""
    found = {}
    for queue in sorted(queues, key=lambda q: q.id):
        for member in queue.members:
            if not member.static:
                found.setdefault(member.number, []).append((queue, member))
    return dict(sorted(found.items(), key=lambda item: (len(item[0]), item[0])))


def _agent_codes(queues, codes, reasons):
    memberships = _agent_memberships(queues)
    login = Context(AGENT_LOGIN_CONTEXT, "An agent's dynamic memberships (Gosub from the login code).")
    logout = Context(AGENT_LOGOUT_CONTEXT, "The same memberships, left (Gosub from the logout code).")
    static = {member.number for queue in queues for member in queue.members if member.static}
    for number, entries in memberships.items():
        login.exten(number, *[f"AddQueueMember({queue.name_in_engine},{agent_interface(number)},{member.penalty},,"
                              f"{number},{agent_state_interface(number)})" for queue, member in entries],
                    f"Set(DEVICE_STATE({agent_lamp(number)})={LAMP_IN})", "Return()")
        # Still in a queue as a static member: still taking calls.
        logout.exten(number, *[f"RemoveQueueMember({queue.name_in_engine},{agent_interface(number)})"
                               for queue, _ in entries],
                     f"Set(DEVICE_STATE({agent_lamp(number)})={LAMP_IN if number in static else LAMP_OUT})",
                     "Return()")
    pause = Context(PAUSE_REASONS_CONTEXT, "Pause reasons by the code typed after the pause feature code.")
    for reason in sorted(reasons, key=lambda r: r.code):
        pause.exten(str(reason.code), f"Set(CN_REASON={reason.name})", "Return()")
    me = agent_interface(CALLER)
    agent = Context(AGENT_CODES_CONTEXT, "Agents log in and out of their queues and pause, with a reason code.")
    for code, target, done in ((codes.agent_login, AGENT_LOGIN_CONTEXT, "agent-loginok"),
                               (codes.agent_logout, AGENT_LOGOUT_CONTEXT, "agent-loggedoff")):
        agent.exten(
            code,
            "Answer()",
            Note("Only an extension with dynamic memberships has an entry to go through."),
            f"GotoIf(${{DIALPLAN_EXISTS({target},{CALLER},1)}}?member)",
            "Playback(beeperr)",
            "Hangup()",
            at("member", f"Gosub({target},{CALLER},1)"),
            f"Playback({done})",
            "Hangup()",
        )
    agent.exten(
        codes.agent_pause,
        "Set(CN_REASON=)",
        at("pause", "Answer()"),
        Note("No queue: the agent pauses in every queue they are in."),
        f"PauseQueueMember(,{me},,${{CN_REASON}})",
        'GotoIf($["${PQMSTATUS}" != "PAUSED"]?failed)',
        f"Set(DEVICE_STATE({agent_lamp(CALLER)})={LAMP_PAUSED})",
        "Playback(beep)",
        "Hangup()",
        at("failed", "Playback(beeperr)"),
        "Hangup()",
    )
    for pattern in (f"_{codes.agent_pause}X", f"_{codes.agent_pause}XX"):
        offset = len(codes.agent_pause)
        agent.exten(
            pattern,
            Note("Digits only reach here (the pattern): an unknown reason code is refused."),
            f"GotoIf(${{DIALPLAN_EXISTS({PAUSE_REASONS_CONTEXT},${{EXTEN:{offset}}},1)}}?known)",
            "Answer()",
            "Playback(beeperr)",
            "Hangup()",
            at("known", f"Gosub({PAUSE_REASONS_CONTEXT},${{EXTEN:{offset}}},1)"),
            f"Goto({codes.agent_pause},pause)",
        )
    agent.exten(
        codes.agent_unpause,
        "Answer()",
        f"UnpauseQueueMember(,{me})",
        'GotoIf($["${UPQMSTATUS}" != "UNPAUSED"]?failed)',
        f"Set(DEVICE_STATE({agent_lamp(CALLER)})={LAMP_IN})",
        "Playback(beep)",
        "Hangup()",
        at("failed", "Playback(beeperr)"),
        "Hangup()",
    )
    return agent, login, logout, pause


def _agent_hints(queues, codes):
    hints = Context(AGENT_HINTS_CONTEXT, "An agent's queue state on a BLF key: the login code and their number.")
    numbers = {member.number for queue in queues for member in queue.members}
    for number in sorted(numbers, key=lambda n: (len(n), n)):
        hints.hint(f"{codes.agent_login}{number}", [agent_lamp(number)])
    return hints


def internal_numbers(queues):
    """Return ``[(number, step)]``: each queue's number in the internal context, sent to its queue."""
    return [(queue.number, f"Goto({QUEUES_CONTEXT},{queue.number},1)")
            for queue in sorted(queues, key=lambda q: (len(q.number), q.number))]


def contexts(source):
    """Return the queues' dialplan contexts for an EngineInput ``source``."""
    return (_queue_context(source.queues), *_exit_contexts(source.queues), _agent_leg(),
            *_agent_codes(source.queues, source.codes, source.pause_reasons), _agent_hints(source.queues, source.codes))
