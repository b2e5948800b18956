"""Agents' live state, followed by the daemon from app_queue's AMI events and published for the pages.

The daemon's one AMI connection feeds ``AgentBoard.on_event`` (QueueMember*, Agent* events:
notes/callcenter.md 3) and ``resync`` (a QueueStatus snapshot on every connect, so a restart of
either side heals); each change is written to ``VAR_DIR/live/agents.json``. Readers derive each
agent's state with ``agent_states`` at read time: wrap-up ends with no event (last call + wrap-up).
"""
import logging
import threading
import time

from appliance import events, live
from appliance.asterisk.names import queue_name
from appliance.models.queues import Queue

log = logging.getLogger(__name__)

SNAPSHOT = "agents"
#: QueueMemberStatus ``Status`` (ast_device_state) values.
RINGING_STATES = {"6", "7"}
ON_CALL_STATES = {"2", "3", "8"}
UNREACHABLE_STATES = {"4", "5"}
#: Agent states, in the words the pages use.
STATES = ("logged_out", "unavailable", "idle", "ringing", "on_call", "wrapup", "paused")
#: The event announcing an agent's new state (dashboards wake on it; webhooks may subscribe).
EVENT_TYPE = "agent.state"


def _number(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class AgentBoard:
    """Members of every queue as app_queue reports them, kept current from events."""

    def __init__(self, var_dir, fetch=None, clock=time.time):
        """``fetch``: returns app_queue's members now (EngineControl.queue_members), asked again after a reload."""
        self.var_dir = var_dir
        self.fetch = fetch
        self.clock = clock
        self._lock = threading.Lock()
        self._members = {}
        #: Counts applied events: a member changed by an event after a snapshot was asked for keeps the event's word.
        self._seq = 0
        #: Each agent's state as last announced: only a change is published as an event.
        self._announced = {}

    def _key(self, event):
        return event.get("Queue", ""), event.get("MemberName") or event.get("Name", "")

    def _update(self, event):
        key = self._key(event)
        self._seq += 1
        member = self._members.setdefault(key, {"queue": key[0], "agent": key[1], "ringing": False,
                                                "on_call": False})
        member["seq"] = self._seq
        member.update(status=event.get("Status", member.get("status", "0")),
                      paused=event.get("Paused", "0") == "1",
                      reason=event.get("PausedReason", ""),
                      paused_since=_number(event.get("LastPause")) or member.get("paused_since") or self.clock(),
                      in_call=event.get("InCall", "0") == "1",
                      last_call=_number(event.get("LastCall")),
                      wrapup=_number(event.get("Wrapuptime")),
                      membership=event.get("Membership", member.get("membership", "")))
        if not member["paused"]:
            member["paused_since"] = 0
        # A call another agent answered ends this one's ringing with no Agent* event: the device says so.
        if "Status" in event and member["status"] not in RINGING_STATES:
            member["ringing"] = False
        return member

    def on_event(self, event):
        """Apply one AMI event; publish when it changed an agent."""
        name = event.get("Event", "")
        if name == "Reload" and self.fetch is not None:
            # A reload adds and drops static members without a QueueMember event: ask again, off the
            # event thread (the question is another AMI session).
            threading.Thread(target=self._refetch, name="agent-board-refresh", daemon=True).start()
            return
        with self._lock:
            if name in ("QueueMemberAdded", "QueueMemberStatus", "QueueMemberPause", "QueueMemberPenalty",
                        "QueueMemberRinginuse"):
                self._update(event)
            elif name == "QueueMemberRemoved":
                self._seq += 1
                self._members.pop(self._key(event), None)
            elif name in ("AgentCalled", "AgentRingNoAnswer", "AgentConnect", "AgentComplete", "AgentDump"):
                member = self._members.get(self._key(event))
                if member is None:
                    return
                self._seq += 1
                member["seq"] = self._seq
                member["ringing"] = name == "AgentCalled"
                member["on_call"] = name == "AgentConnect"
                if name in ("AgentComplete", "AgentDump"):
                    member["last_call"] = int(self.clock())
            else:
                return
            self._publish()

    def resync(self):
        """Ask app_queue for every member (``fetch``) and take its answer, except where an event since was newer."""
        started = self._seq
        members = self.fetch()
        with self._lock:
            fresh = {}
            for event in members:
                key = self._key(event)
                current = self._members.get(key)
                if current is not None and current.get("seq", 0) > started:
                    fresh[key] = current
                    continue
                self._members.pop(key, None)
                fresh[key] = self._update(event)
            # Added by an event after the question: the answer may not know them yet.
            fresh.update({key: member for key, member in self._members.items()
                          if key not in fresh and member.get("seq", 0) > started})
            self._members = fresh
            self._publish()

    def _refetch(self):
        try:
            self.resync()
        except Exception:  # Asterisk away: the next connect refreshes the board
            log.exception("agent board refresh failed")

    def _publish(self):
        snapshot = {"members": list(self._members.values())}
        live.publish(self.var_dir, snapshot, name=SNAPSHOT)
        # Wrap-up has no event: the pages derive it; announced here are the states events change.
        states = agent_states(snapshot, self.clock())
        changed = [(agent, state) for agent, state in states.items()
                   if self._announced.get(agent) != (state["state"], state["reason"])]
        changed += [(agent, {"state": "logged_out", "reason": "", "since": None, "queues": []})
                    for agent in self._announced if agent not in states]
        self._announced = {agent: (state["state"], state["reason"]) for agent, state in states.items()}
        try:
            events.publish_many([(EVENT_TYPE, {"agent": agent, "state": state["state"], "reason": state["reason"],
                                               "since": state["since"], "queues": state["queues"]}, (agent,))
                                 for agent, state in changed])
        except Exception:  # the database away: the snapshot is written, the next change announces it
            log.exception("agent events not published")


def member_state(member, now, wrapup=0):
    """Return ``(state, since)`` of one queue membership (a published member dict) at ``now``.

    ``wrapup``: the queue's wrap-up seconds (a member's own, when set, wins: app_queue does the same).
    """
    if member.get("paused"):
        return "paused", member.get("paused_since") or None
    status = member.get("status", "0")
    if member.get("ringing") or status in RINGING_STATES:
        return "ringing", None
    if member.get("on_call") or member.get("in_call") or status in ON_CALL_STATES:
        return "on_call", None
    wrapup = member.get("wrapup") or wrapup
    if wrapup and member.get("last_call") and now < member["last_call"] + wrapup:
        return "wrapup", member["last_call"]
    if status in UNREACHABLE_STATES:
        return "unavailable", None
    return "idle", member.get("last_call") or None


#: When an agent is in several queues, the state shown is the busiest one.
_PRIORITY = {state: rank for rank, state in enumerate(("logged_out", "unavailable", "idle", "wrapup", "ringing",
                                                        "on_call", "paused"))}


def agent_states(snapshot, now=None, wrapups=None):
    """Return ``{agent number: {"state", "reason", "since", "queues"}}`` from a published snapshot.

    ``wrapups``: ``{queue name: wrap-up seconds}`` of the queues (their settings, not in member events).
    """
    now = now or time.time()
    wrapups = wrapups or {}
    agents = {}
    for member in snapshot.get("members", ()):
        state, since = member_state(member, now, wrapups.get(member.get("queue"), 0))
        agent = agents.setdefault(member.get("agent", ""), {"state": "logged_out", "reason": "", "since": None,
                                                            "queues": []})
        agent["queues"].append(member.get("queue", ""))
        if _PRIORITY[state] >= _PRIORITY[agent["state"]]:
            agent.update(state=state, since=since, reason=member.get("reason", "") if state == "paused" else "")
    return agents


def read_states(var_dir, now=None):
    """Return ``(agent_states, updated_at)`` from the daemon's last snapshot (``updated_at`` 0: none)."""
    snapshot = live.read_snapshot(var_dir, SNAPSHOT)
    wrapups = {queue_name(queue.id): queue.wrapup_seconds
               for queue in Queue.select(Queue.id, Queue.wrapup_seconds).where(Queue.wrapup_seconds > 0)}
    return agent_states(snapshot, now, wrapups), snapshot.get("updated_at", 0)
