"""Watch the engine through AMI and publish its live state for the web pages."""
import datetime
import logging
import threading

from appliance import live
from appliance.asterisk.ami import Ami, AmiError, AmiEvents, AmiSettings

log = logging.getLogger(__name__)

#: AMI events after which registrations or channels may have changed. Asterisk 22 sends no
#: ContactStatus for a plain REGISTER of an unqualified contact (checked with SIPp), but every
#: authenticated REGISTER raises the security event SuccessfulAuth.
STATE_EVENTS = {
    "ContactStatus", "SuccessfulAuth", "DeviceStateChange", "Newchannel", "Hangup", "BridgeEnter",
    "BridgeLeave", "FullyBooted", "Reload",
}
#: A refresh at least this often even without events (the uptime moves, and a missed event heals).
BEAT = 2.0
#: Events come in bursts (one call is a dozen); wait this long to fold a burst into one refresh.
DEBOUNCE = 0.1


def _contact(event):
    return {
        "endpoint": event.get("Endpoint") or event.get("Aor", ""),
        "aor": event.get("Aor", ""),
        "uri": event.get("Uri", ""),
        "status": event.get("Status", ""),
        "user_agent": event.get("UserAgent", ""),
        "via": event.get("ViaAddr", ""),
        "expires": event.get("RegExpire", ""),
        "rtt_usec": event.get("RoundtripUsec", ""),
    }


def _channel(event):
    return {
        "channel": event.get("Channel", ""),
        "state": event.get("ChannelStateDesc", ""),
        "caller": event.get("CallerIDNum", ""),
        "exten": event.get("Exten", ""),
        "application": event.get("Application", ""),
        "duration": event.get("Duration", ""),
        "linkedid": event.get("Linkedid", ""),
    }


def _uptime(facts, native):
    """Return seconds since Asterisk started, from CoreStatus's local startup date and time."""
    try:
        started = datetime.datetime.strptime(f"{facts['CoreStartupDate']} {facts['CoreStartupTime']}",
                                             "%Y-%m-%d %H:%M:%S")
    except (KeyError, ValueError):
        return 0
    # CoreStatus speaks Asterisk's local time: the system's zone when it runs natively (the image),
    # UTC in the development chroot, which has no zone data.
    now = datetime.datetime.now() if native else datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return max(0, int((now - started).total_seconds()))


class Watcher:
    """Keep ``VAR_DIR/live/engine.json`` in step with Asterisk: on events, and at a steady beat."""

    def __init__(self, engine, var_dir, on_event=None, on_connect=None):
        """``on_event``: a function, or several, each given every AMI event (a failing one stops no other)."""
        self.engine = engine
        self.var_dir = var_dir
        self._on_event_hooks = tuple(on_event) if isinstance(on_event, (list, tuple)) else \
            (on_event,) if on_event is not None else ()
        self._on_connect_hook = on_connect
        self.ami_settings = AmiSettings.for_engine(engine.settings)
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._session = None
        self._events = AmiEvents(self.ami_settings, self._on_event, on_connect=self._on_connect)
        self._thread = threading.Thread(target=self._run, name="centralina-watcher", daemon=True)

    def start(self):
        """Start listening and publishing; return self."""
        self._events.start()
        self._thread.start()
        return self

    def stop(self):
        """Stop listening and publishing."""
        self._stopping.set()
        self._dirty.set()
        self._events.stop()
        self._thread.join(10)
        if self._session is not None:
            self._session.close()

    def _on_connect(self):
        self._dirty.set()
        if self._on_connect_hook is not None:
            self._hook(self._on_connect_hook)

    def _on_event(self, event):
        if event.get("Event") in STATE_EVENTS:
            self._dirty.set()
        for hook in self._on_event_hooks:
            self._hook(hook, event)

    @staticmethod
    def _hook(function, *args):
        # A failing hook must not stop the event stream the live state depends on.
        try:
            function(*args)
        except Exception:
            log.exception("watcher hook %s failed", getattr(function, "__name__", function))

    def _run(self):
        while not self._stopping.is_set():
            if self._dirty.wait(BEAT):
                self._stopping.wait(DEBOUNCE)
            self._dirty.clear()
            if not self._stopping.is_set():
                self.refresh()

    def _ami(self):
        if self._session is None or not self._session.connected():
            if self._session is not None:
                self._session.close()
            self._session = Ami(self.ami_settings)
        return self._session

    def refresh(self):
        """Read registrations, channels, version and uptime, and publish them."""
        try:
            ami = self._ami()
            facts = ami.core_status()
            state = {
                "running": True,
                "version": facts.get("AsteriskVersion", ""),
                "uptime": _uptime(facts, native=str(self.engine.settings.engine_root) == "/"),
                "contacts": [_contact(event) for event in ami.pjsip_show_contacts()],
                "channels": [_channel(event) for event in ami.core_show_channels()],
            }
        except AmiError as error:
            if self._session is not None:
                self._session.close()
                self._session = None
            state = {"running": False, "error": str(error)}
        live.publish(self.var_dir, state)
        return state
