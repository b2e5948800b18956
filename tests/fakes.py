"""Stand-ins at the edge: a recording engine adapter for tests of the web layer (no Asterisk)."""
from appliance.asterisk import control
from appliance.asterisk.ami import AmiUnavailable


class RecordingControl:
    """An engine adapter that records every intention; with ``fail`` set it answers like a stopped Asterisk."""

    def __init__(self):
        self.calls = []
        self.fail = False
        self.astdb = {}
        self.synced = False

    def _record(self, *call):
        if self.fail:
            raise AmiUnavailable("Asterisk is not answering (test)")
        self.calls.append(call)

    def push_call_settings(self, settings):
        """Record what would be written; keep AstDB as Asterisk would."""
        for one in settings:
            self._record("push_call_settings", one.number, dict(one.toggles), one.dnd, one.presence)
            for key, value in one.toggles.items():
                if value:
                    self.astdb.setdefault(one.number, {})[key] = value
                else:
                    self.astdb.get(one.number, {}).pop(key, None)

    def put_schedule_overrides(self, family, values):
        """Record business hours' overrides as AstDB would hold them ("" deletes)."""
        self._record("put_schedule_overrides", family, dict(values))
        for key, value in values.items():
            if value:
                self.astdb.setdefault(family, {})[key] = value
            else:
                self.astdb.get(family, {}).pop(key, None)

    def read_call_settings(self):
        """Return what was pushed."""
        self._record("read_call_settings")
        return self.synced, {number: dict(values) for number, values in self.astdb.items()}

    def mark_call_settings_synced(self):
        """Remember the marker."""
        self._record("mark_call_settings_synced")
        self.synced = True

    def put_outbound_counters(self, family, values):
        """Record the counters."""
        self._record("put_outbound_counters", family, dict(values))

    def send_text(self, devices, from_number, from_name, body):
        """Record a SIP MESSAGE to each of ``devices``."""
        self._record("send_text", tuple(devices), from_number, from_name, body)

    def agent_login(self, number, queues):
        """Record the login."""
        self._record("agent_login", number, list(queues))

    def agent_logout(self, number, queues, still_in=False):
        """Record the logout."""
        self._record("agent_logout", number, list(queues))

    def agent_pause(self, number, paused, reason=""):
        """Record the pause."""
        self._record("agent_pause", number, paused, reason)

    def spy(self, device, channel, mode, caller_id):
        """Record the supervisor's spy call; return an ActionID."""
        self._record("spy", device, channel, mode)
        return "spy-1"

    def queue_callers(self):
        """No caller waiting."""
        return []

    def queue_members(self):
        """No queue member: nothing runs."""
        self._record("queue_members")
        return []

    def ring_then_dial(self, extension_number, number, caller_id, answer_seconds, context="internal"):
        """Record the call; return an ActionID."""
        self._record("ring_then_dial", extension_number, number, caller_id)
        return f"action-{len(self.calls)}"

    def call_back(self, agent_kind, agent_number, number, caller_id, variables, answer_seconds):
        """Record the callback attempt; return an ActionID."""
        self._record("call_back", agent_kind, agent_number, number, caller_id, dict(variables))
        return f"action-{len(self.calls)}"

    def set_channel_variable(self, channel, name, value):
        """Record the variable set on a live channel."""
        self._record("set_channel_variable", channel, name, value)

    def mark_queue_callback(self, queue, unique_id, callback_id):
        """Record the queue_log mark."""
        self._record("mark_queue_callback", queue, unique_id, callback_id)

    def hang_up(self, channels):
        """Record the hang-up; every channel was up."""
        self._record("hang_up", list(channels))
        return list(channels)

    def move_voicemail(self, mailbox, folder, msg_id, to_folder):
        """Record the move."""
        self._record("move_voicemail", mailbox, folder, msg_id, to_folder)

    def remove_voicemail(self, mailbox, folder, msg_id):
        """Record the removal."""
        self._record("remove_voicemail", mailbox, folder, msg_id)

    def notify_phones(self, notices):
        """Record the NOTIFYs; every phone is reached."""
        reached = []
        for device, headers in notices:
            self._record("notify_phone", device, dict(headers))
            reached.append(device)
        return reached

    def trunk_health(self, objects):
        """Record the question; Asterisk has heard nothing of any trunk."""
        self._record("trunk_health", sorted(objects))
        return {}

    def reregister_trunk(self, registration):
        """Record the re-REGISTER."""
        self._record("reregister_trunk", registration)

    def unregister_trunks(self, registrations, timeout=2.0):
        """Record the un-REGISTERs."""
        self._record("unregister_trunks", sorted(registrations))

    def conferences(self):
        """Return the rooms set in ``self.rooms`` (``{name: {"locked", "participants"}}``; none by default)."""
        self._record("conferences")
        return getattr(self, "rooms", {})

    def conference_mute(self, conference, channel, muted):
        """Record the mute or unmute."""
        self._record("conference_mute", conference, channel, muted)

    def conference_kick(self, conference, channel):
        """Record the kick."""
        self._record("conference_kick", conference, channel)

    def conference_lock(self, conference, locked):
        """Record the lock or unlock."""
        self._record("conference_lock", conference, locked)

    def of_kind(self, kind):
        """Return the recorded calls of one intention, without its name."""
        return [call[1:] for call in self.calls if call[0] == kind]


def installed(fake):
    """Install ``fake`` as the process's engine adapter; return a function that takes it out again."""
    before = control.current()
    control.install(fake)
    return lambda: control.install(before)
