"""Who is in each conference room now, followed by the daemon from app_confbridge's AMI events.

The daemon's one AMI connection feeds ``ConferenceBoard.on_event`` (ConfbridgeJoin/Leave/Mute/
Unmute/End, and the adapter's lock UserEvent) and ``resync`` (ConfbridgeListRooms + ConfbridgeList
on every connect, so a restart of either side heals); each change is written to ``VAR_DIR/live/conferences.json``. The
pages read that file: no browser ever holds an AMI connection (decision 027).
"""
import logging
import threading
import time

from appliance import live
from appliance.asterisk.control import CONFERENCE_LOCK_EVENT
from appliance.asterisk.names import conference_name

log = logging.getLogger(__name__)

SNAPSHOT = "conferences"
_EVENTS = ("ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeMute", "ConfbridgeUnmute", "ConfbridgeEnd")


def _participant(event, clock):
    """Return the published form of one participant from a ConfbridgeJoin or ConfbridgeList dict."""
    return {"channel": event.get("Channel", ""), "number": event.get("CallerIDNum", ""),
            "name": event.get("CallerIDName", ""), "moderator": event.get("Admin") == "Yes",
            "muted": event.get("Muted") == "Yes", "waiting": event.get("Waiting") == "Yes",
            "joined": clock() - int(event.get("AnsweredTime") or 0)}


class ConferenceBoard:
    """The participants of every running room as app_confbridge reports them, kept current from events."""

    def __init__(self, var_dir, fetch=None, clock=time.time):
        """``fetch``: returns the running rooms now (EngineControl.conferences), asked again on every connect."""
        self.var_dir, self.fetch, self.clock = var_dir, fetch, clock
        self._lock = threading.Lock()
        self._rooms = {}

    def on_event(self, event):
        """Apply one AMI event; publish when it changed a room."""
        name = event.get("Event", "")
        if name == "UserEvent" and event.get("UserEvent") == CONFERENCE_LOCK_EVENT:
            # ConfBridge raises no event of its own for a lock: the adapter raises this one after the action.
            name = "ConfbridgeLock" if event.get("Locked") == "Yes" else "ConfbridgeUnlock"
        elif name not in _EVENTS:
            return
        conference = event.get("Conference", "")
        with self._lock:
            if name != "ConfbridgeJoin" and conference not in self._rooms:
                return
            room = self._rooms.setdefault(conference, {"locked": False, "participants": {}})
            channel = event.get("Channel", "")
            if name == "ConfbridgeJoin":
                room["participants"][channel] = _participant(event, self.clock)
            elif name == "ConfbridgeLeave":
                room["participants"].pop(channel, None)
            elif name in ("ConfbridgeMute", "ConfbridgeUnmute") and channel in room["participants"]:
                room["participants"][channel]["muted"] = name == "ConfbridgeMute"
            elif name in ("ConfbridgeLock", "ConfbridgeUnlock"):
                room["locked"] = name == "ConfbridgeLock"
            if name == "ConfbridgeEnd" or not room["participants"] and name == "ConfbridgeLeave":
                self._rooms.pop(conference, None)
            self._publish()

    def resync(self):
        """Ask app_confbridge for every running room (``fetch``) and take its answer."""
        rooms = self.fetch()
        with self._lock:
            self._rooms = {name: {"locked": room["locked"],
                                  "participants": {p.get("Channel", ""): _participant(p, self.clock)
                                                   for p in room["participants"]}}
                           for name, room in rooms.items()}
            self._publish()

    def _publish(self):
        live.publish(self.var_dir, {"rooms": self._rooms}, name=SNAPSHOT)


def read_room(var_dir, room_id):
    """Return ``(locked, participants, updated_at)`` of room ``room_id`` from the daemon's last snapshot.

    ``participants`` are dicts (channel, number, name, moderator, muted, waiting, joined), by join time;
    ``updated_at`` is 0 when the daemon has published nothing.
    """
    snapshot = live.read_snapshot(var_dir, SNAPSHOT)
    room = snapshot.get("rooms", {}).get(conference_name(room_id), {})
    participants = sorted(room.get("participants", {}).values(), key=lambda p: p.get("joined", 0))
    return bool(room.get("locked")), participants, snapshot.get("updated_at", 0)


def counts(var_dir):
    """Return ``{conference name: participants}`` of every running room (for the list page)."""
    snapshot = live.read_snapshot(var_dir, SNAPSHOT)
    return {name: len(room.get("participants", {})) for name, room in snapshot.get("rooms", {}).items()}
