"""Queues' live state: callers waiting and today's figures, followed by the daemon from app_queue's AMI events.

The daemon's one AMI connection feeds ``QueueBoard.on_event`` (QueueCaller*, Agent* events,
notes/callcenter.md 3); every change is written to ``VAR_DIR/live/queues.json`` and then announced
as a ``queue.updated`` event (appliance/events.py), which the dashboards' and wallboards' streams
wake on. Today's figures start from the day's queue_log lines (``seed``: a daemon restart loses
nothing Asterisk wrote) and move with each event; they start again at local midnight.
"""
import datetime
import logging
import threading
import time
from zoneinfo import ZoneInfo

from appliance import events, live

log = logging.getLogger(__name__)

SNAPSHOT = "queues"
EVENT_TYPE = "queue.updated"
#: Service level threshold when a queue has none set (seconds).
DEFAULT_SL_SECONDS = 20


def _number(value, default=0):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def empty_figures():
    """Return a queue's figures for a day with no calls yet."""
    return {"offered": 0, "answered": 0, "abandoned": 0, "answered_in_sl": 0, "abandoned_in_sl": 0,
            "wait_total": 0, "talk_total": 0, "completed": 0, "longest_wait": 0}


def figures_from_queue_log(lines, since, sl_seconds):
    """Return ``({queue: figures}, {agent: calls})`` from queue_log ``lines`` at or after epoch ``since``.

    ``sl_seconds``: ``{queue name: threshold}``. Lines are ``epoch|callid|queue|agent|EVENT|data…``.
    """
    queues, agents = {}, {}
    for line in lines:
        parts = line.rstrip("\n").split("|")
        if len(parts) < 5 or _number(parts[0]) < since:
            continue
        queue, agent, event, data = parts[2], parts[3], parts[4], parts[5:]
        if queue in ("NONE", ""):
            continue
        figures = queues.setdefault(queue, empty_figures())
        threshold = sl_seconds.get(queue, DEFAULT_SL_SECONDS)
        if event == "ENTERQUEUE":
            figures["offered"] += 1
        elif event == "CONNECT":
            wait = _number(data[0] if data else 0)
            _answered(figures, wait, threshold)
        elif event == "ABANDON":
            wait = _number(data[2] if len(data) > 2 else 0)
            _abandoned(figures, wait, threshold)
        elif event in ("COMPLETEAGENT", "COMPLETECALLER"):
            figures["completed"] += 1
            figures["talk_total"] += _number(data[1] if len(data) > 1 else 0)
            agents[agent] = agents.get(agent, 0) + 1
    return queues, agents


def _answered(figures, wait, threshold):
    figures["answered"] += 1
    figures["wait_total"] += wait
    figures["longest_wait"] = max(figures["longest_wait"], wait)
    if wait <= threshold:
        figures["answered_in_sl"] += 1


def _abandoned(figures, wait, threshold):
    figures["abandoned"] += 1
    figures["longest_wait"] = max(figures["longest_wait"], wait)
    if wait <= threshold:
        figures["abandoned_in_sl"] += 1


def service_level(figures):
    """Return the share (0-100) of calls that ended their wait answered within the threshold, or None.

    answered≤T / (answered + abandoned): an abandon counts against the level (decision 029).
    """
    ended = figures["answered"] + figures["abandoned"]
    return round(100.0 * figures["answered_in_sl"] / ended, 1) if ended else None


class QueueBoard:
    """Callers waiting in each queue and today's figures, kept current from events."""

    def __init__(self, var_dir, timezone="UTC", queue_log=None, thresholds=None, clock=time.time):
        """``queue_log``: returns the queue_log file's path (or None); ``thresholds``: ``{queue: SL seconds}``."""
        self.var_dir = var_dir
        self.zone = ZoneInfo(timezone)
        self.queue_log = queue_log
        self.thresholds = thresholds or (lambda: {})
        self.clock = clock
        self._lock = threading.Lock()
        self._callers = {}
        self._figures = {}
        self._agent_calls = {}
        self._day = None

    def _midnight(self):
        now = datetime.datetime.fromtimestamp(self.clock(), self.zone)
        return now.date(), now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    def _roll(self):
        day, _ = self._midnight()
        if day != self._day:
            self._day = day
            self._figures, self._agent_calls = {}, {}

    def seed(self):
        """Take today's figures from the queue_log file (on every AMI (re)connect, and at start)."""
        path = self.queue_log() if self.queue_log else None
        day, since = self._midnight()
        lines = []
        if path is not None:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    lines = handle.readlines()
            except OSError:
                lines = []
        queues, agents = figures_from_queue_log(lines, since, self.thresholds())
        with self._lock:
            self._day, self._figures, self._agent_calls = day, queues, agents
            self._publish(None)

    def resync(self, entries):
        """Replace the callers with app_queue's ``QueueEntry`` answers (after a (re)connect)."""
        now = self.clock()
        with self._lock:
            self._callers = {}
            for entry in entries:
                queue = entry.get("Queue", "")
                self._callers.setdefault(queue, {})[entry.get("Uniqueid", "")] = {
                    "caller": entry.get("CallerIDNum", ""), "name": entry.get("CallerIDName", ""),
                    "joined_at": now - _number(entry.get("Wait")), "position": _number(entry.get("Position"))}
            self._publish(None)

    def on_event(self, event):
        """Apply one AMI event; publish when it changed a queue."""
        name = event.get("Event", "")
        queue = event.get("Queue", "")
        if not queue or name not in ("QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentConnect",
                                     "AgentComplete"):
            return
        with self._lock:
            self._roll()
            figures = self._figures.setdefault(queue, empty_figures())
            callers = self._callers.setdefault(queue, {})
            threshold = self.thresholds().get(queue, DEFAULT_SL_SECONDS)
            if name == "QueueCallerJoin":
                figures["offered"] += 1
                callers[event.get("Uniqueid", "")] = {"caller": event.get("CallerIDNum", ""),
                                                      "name": event.get("CallerIDName", ""),
                                                      "joined_at": self.clock(),
                                                      "position": _number(event.get("Position"))}
            elif name == "QueueCallerLeave":
                callers.pop(event.get("Uniqueid", ""), None)
            elif name == "QueueCallerAbandon":
                _abandoned(figures, _number(event.get("HoldTime")), threshold)
            elif name == "AgentConnect":
                _answered(figures, _number(event.get("HoldTime")), threshold)
            elif name == "AgentComplete":
                figures["completed"] += 1
                figures["talk_total"] += _number(event.get("TalkTime"))
                agent = event.get("MemberName", "")
                self._agent_calls[agent] = self._agent_calls.get(agent, 0) + 1
            self._publish(queue)

    def _publish(self, queue):
        live.publish(self.var_dir, {"callers": self._callers, "figures": self._figures,
                                    "agent_calls": self._agent_calls, "day": str(self._day or "")}, name=SNAPSHOT)
        try:
            events.publish(EVENT_TYPE, {"queue": queue or ""})
        except Exception:  # the database away: the snapshot is written, the next change announces it
            log.exception("queue event not published")


def read(var_dir):
    """Return the daemon's last queue snapshot (``callers``, ``figures``, ``agent_calls``, ``updated_at``)."""
    snapshot = live.read_snapshot(var_dir, SNAPSHOT)
    snapshot.setdefault("callers", {})
    snapshot.setdefault("figures", {})
    snapshot.setdefault("agent_calls", {})
    return snapshot
