"""Live calls: what is up now (from the daemon's snapshot, never an AMI session per reader), and hanging up.

A call is the channels sharing a ``linkedid``; each channel is tied to an extension through
its device (call_events.extension_of), so a person sees and ends only calls their own
extension is in, while an administrator or a service token sees every call.
"""
import logging
from dataclasses import dataclass, field

from appliance import call_events
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.errors import NotFound, Unavailable
from appliance.i18n import N_
from appliance.services import audit

log = logging.getLogger(__name__)


class EngineDown(Unavailable):
    """The phone system is not running (or the daemon stopped publishing)."""


@dataclass
class LiveCall:
    """One call in progress: its id (Asterisk's linkedid), channels, and the extensions in it."""

    id: str
    channels: list = field(default_factory=list)
    extensions: list = field(default_factory=list)

    @property
    def state(self):
        """Return "up" once any channel is answered, else "ringing"."""
        return "up" if any(channel["state"] == "Up" for channel in self.channels) else "ringing"


def calls(state, extension=None):
    """Return the LiveCalls of a LiveState, oldest first; ``extension``: only calls that extension is in.

    None are known while the engine (or the daemon that publishes its state) is down.
    """
    if state.stale or not state.running:
        return []
    found = {}
    for channel in state.channels:
        call_id = channel.get("linkedid") or channel.get("channel", "")
        call = found.setdefault(call_id, LiveCall(call_id))
        number = call_events.extension_of(channel.get("channel", ""))
        call.channels.append({
            "channel": channel.get("channel", ""), "state": channel.get("state", ""),
            "caller": channel.get("caller", ""), "exten": channel.get("exten", ""),
            "extension": number, "duration": _seconds(channel.get("duration", "")),
        })
        if number and number not in call.extensions:
            call.extensions.append(number)
    listed = [call for call in found.values() if extension is None or extension in call.extensions]
    return sorted(listed, key=lambda call: call.id)


def _seconds(duration):
    """Return CoreShowChannels' ``HH:MM:SS`` as seconds (0 when unreadable)."""
    try:
        hours, minutes, seconds = (int(part) for part in duration.split(":"))
    except ValueError:
        return 0
    return hours * 3600 + minutes * 60 + seconds


def hang_up(state, call_id, actor, extension=None):
    """End call ``call_id`` (every channel of it); ``extension``: only if that extension is in it.

    Raises NotFound for a call that is not up (or not the person's: as if it did not exist),
    EngineDown when Asterisk cannot be asked.
    """
    call = next((one for one in calls(state, extension) if one.id == call_id), None)
    if call is None:
        raise NotFound(N_("No such call is in progress."))
    engine = control.current()
    if engine is None:
        raise EngineDown(N_("The phone system is not running: live calls are unknown."))
    try:
        ended = engine.hang_up([channel["channel"] for channel in call.channels])
    except AmiError as error:
        log.warning("hang-up of %s by %s failed: %s", call_id, actor.username, error)
        raise EngineDown(N_("The phone system did not answer: try again in a moment.")) from error
    audit.record(actor, "call.hangup", "call", call_id, ", ".join(call.extensions),
                 after={"channels": ended})
    return call
