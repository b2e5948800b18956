"""The engine adapter: what the app asks of a running Asterisk, in the app's words.

Services never build AMI sessions or spell Asterisk's dialect (``Local/…@cn-ring-devices``,
AstDB keys, ``DEVICE_STATE`` strings); they call the process's ``EngineControl``, which
``install``\\ ed once by the app factory, the daemon and the CLI (``engine_sync``), and
which tests of the web layer replace with a recording fake. It logs in with the least
privilege each intention needs (confgen/manager.py): originating calls with the calls user,
everything else with the engine-control user.

Failures are the AMI's own errors (``AmiUnavailable`` when Asterisk is not answering,
``AmiActionFailed`` when it refuses); each service says what they mean to its user.
"""
import contextlib
import logging
import threading
import time
from dataclasses import dataclass

from appliance.asterisk.ami import Ami, AmiActionFailed, AmiError, AmiSettings
from appliance.asterisk.names import (
    ASTDB_FAMILY,
    CALLBACK_DIAL_CONTEXT,
    CALLBACK_QUEUE_CONTEXT,
    DISA_OUT_CONTEXT,
    DISA_PIN_CONTEXT,
    EXTENSION_CACHE_FAMILY,
    EXTENSION_CACHE_FILLED,
    INTERNAL_CONTEXT,
    MESSAGE_DOMAIN,
    RING_DEVICES_CONTEXT,
    VOICEMAIL_CONTEXT,
    agent_interface,
    agent_lamp,
    agent_state_interface,
)

log = logging.getLogger(__name__)
#: How long the qualify resync waits for another reload (an apply's) to end.
RESYNC_BUSY_WAIT = 120.0
#: One qualify resync at a time per process (EngineControl.resync_qualify).
_resync_state = threading.Lock()
_resync_running = _resync_wanted = False

#: Written once AstDB holds every extension's toggles: without it a missing key cannot mean "off".
SYNCED_KEY = "_synced"
#: Asterisk's outbound registration status (``Registry`` event, PJSIPShowRegistrationsOutbound) in
#: the app's words. PJSIP says "Rejected" for every refusal it retries (401/403, and a request
#: that timed out alike): it sends no cause.
REGISTRATION_STATES = {"Registered": "registered", "Unregistered": "unregistered", "Rejected": "rejected"}
#: A contact's qualify status (``ContactStatus`` event, ContactStatusDetail) in the app's words.
REACHABILITY = {"Reachable": "reachable", "Unreachable": "unreachable"}


def registration_state(status):
    """Return the app's word for Asterisk's registration ``status``, or "" for one it does not know."""
    return REGISTRATION_STATES.get(status, "")


def reachability(status):
    """Return "reachable", "unreachable", or "" (not qualified yet, qualify off) for a contact ``status``."""
    return REACHABILITY.get(status, "")


@dataclass(frozen=True)
class TrunkHealth:
    """What Asterisk says now of one trunk (its PJSIP objects ``trunk_<id>``)."""

    #: "registered", "unregistered", "rejected", or "" (no registration: an IP trunk, or not loaded).
    registration: str
    #: "reachable", "unreachable" or "" (qualify off or not answered yet).
    reachability: str
    #: Round trip of the last qualify in milliseconds, when reachable.
    rtt_ms: float | None


@dataclass(frozen=True)
class CallSettings:
    """What the dialplan reads of one extension's own settings at call time."""

    number: str
    #: AstDB key under ``CN/<number>/`` -> value; an empty value deletes the key (the dialplan skips it).
    toggles: dict
    dnd: bool
    #: ``state,subtype,message`` for PRESENCE_STATE (no commas inside the parts).
    presence: str


#: The UserEvent telling the daemon a conference was locked or unlocked (app_confbridge has no event of its own).
CONFERENCE_LOCK_EVENT = "CentralinaConferenceLock"


class EngineControl:
    """Intention-named actions on one Asterisk instance (``EngineSettings``)."""

    def __init__(self, settings):
        self.settings = settings

    @contextlib.contextmanager
    def _session(self, calls=False):
        login = AmiSettings.for_calls(self.settings) if calls else AmiSettings.for_engine(self.settings)
        with Ami(login) as ami:
            yield ami

    # -- a person's call settings (decision 007: toggles in AstDB, read at call time) -----------

    def push_call_settings(self, settings):
        """Write each CallSettings to AstDB, the DND lamp and the presence state, in one session."""
        with self._session() as ami:
            for one in settings:
                for key, value in one.toggles.items():
                    if value:
                        ami.db_put(ASTDB_FAMILY, f"{one.number}/{key}", value)
                    else:
                        ami.db_del(ASTDB_FAMILY, f"{one.number}/{key}")
                ami.set_variable(f"DEVICE_STATE(Custom:DND{one.number})", "BUSY" if one.dnd else "NOT_INUSE")
                ami.set_variable(f"PRESENCE_STATE(CustomPresence:{one.number})", one.presence)

    def read_call_settings(self):
        """Return ``(synced, {number: {key: value}})``: what AstDB holds, and whether it was ever filled."""
        with self._session() as ami:
            tree = ami.db_tree(ASTDB_FAMILY)
        stored = {}
        for name, value in tree.items():
            number, _, key = name.partition("/")
            if key:
                stored.setdefault(number, {})[key] = value
        return SYNCED_KEY in tree, stored

    def mark_call_settings_synced(self):
        """Record in AstDB that it holds every extension's toggles."""
        with self._session() as ami:
            ami.db_put(ASTDB_FAMILY, SYNCED_KEY, "1")

    # -- the extensions' row cache (appliance/asterisk/extension_cache.py) ------------------------

    def put_extension_cache(self, values):
        """Write ``{number: value}`` to the extensions' row cache in one session; a None value deletes the key."""
        with self._session() as ami:
            for number, value in values.items():
                if value is None:
                    ami.db_del(EXTENSION_CACHE_FAMILY, number)
                else:
                    ami.db_put(EXTENSION_CACHE_FAMILY, number, value)

    def clear_extension_cache(self):
        """Delete the whole row cache in one action: calls read the rows until it is filled again."""
        with self._session() as ami:
            ami.db_deltree(EXTENSION_CACHE_FAMILY)

    def extension_cache_filled(self):
        """Tell whether the row cache records a complete fill."""
        with self._session() as ami:
            return ami.db_get(EXTENSION_CACHE_FAMILY, EXTENSION_CACHE_FILLED) is not None

    def mark_extension_cache_filled(self):
        """Record in the row cache that every extension's value is in it."""
        with self._session() as ami:
            ami.db_put(EXTENSION_CACHE_FAMILY, EXTENSION_CACHE_FILLED, "1")

    def put_outbound_counters(self, family, values):
        """Write the outbound routes' counters (``{key: value}`` under AstDB ``family``) in one session."""
        with self._session() as ami:
            for key, value in values.items():
                ami.db_put(family, key, value)

    def put_schedule_overrides(self, family, values):
        """Write business hours' overrides (``{key: value}`` under AstDB ``family``; "" deletes) in one session."""
        with self._session() as ami:
            for key, value in values.items():
                if value:
                    ami.db_put(family, key, value)
                else:
                    ami.db_del(family, key)

    # -- calls ---------------------------------------------------------------------------------

    def ring_then_dial(self, extension_number, number, caller_id, answer_seconds, context=INTERNAL_CONTEXT):
        """Ring the extension's own devices; once one answers, dial ``number`` from it. Return the ActionID.

        The first leg rings only the devices (no forwarding, DND or voicemail); the second goes
        through ``context`` — the extension's call profile's (engine_rows.context_of) — with the
        extension's permissions, as if it had dialled.
        """
        with self._session(calls=True) as ami:
            return ami.originate(f"Local/{extension_number}@{RING_DEVICES_CONTEXT}", number, context,
                                 caller_id=caller_id, timeout=answer_seconds)

    def call_back(self, agent_kind, agent_number, number, caller_id, variables, answer_seconds):
        """Ring the agent (an "extension"'s devices, or a "queue"); once answered, dial ``number``. Return the ActionID.

        ``agent_kind`` "disa": call ``number`` itself as the extension, then ask its PIN (confgen/callbacks.py).

        The agent sees ``caller_id``; the customer's leg runs ``cn-callback-dial`` with ``variables``
        (CB_ID, CB_CONTEXT, CB_EXT, CB_TAG, CB_POS: confgen/callbacks.py) and reports how it ended.
        """
        if agent_kind == "disa":  # the authorised number itself, out through its extension's profile
            channel, number, context = f"Local/{number}@{DISA_OUT_CONTEXT}", "s", DISA_PIN_CONTEXT
            with self._session(calls=True) as ami:
                return ami.originate(channel, number, context, caller_id=caller_id, variables=variables,
                                     timeout=answer_seconds)
        if agent_kind == "extension":
            channel = f"Local/{agent_number}@{RING_DEVICES_CONTEXT}"
        elif agent_kind == "queue":
            channel = f"Local/{agent_number}@{CALLBACK_QUEUE_CONTEXT}"
        else:
            raise ValueError(f"a callback rings an extension or a queue, not {agent_kind!r}")
        with self._session(calls=True) as ami:
            return ami.originate(channel, number, CALLBACK_DIAL_CONTEXT, caller_id=caller_id, variables=variables,
                                 timeout=answer_seconds)

    def hang_up(self, channels):
        """Hang up each of ``channels`` (names from the live state); return those Asterisk still had."""
        ended = []
        with self._session() as ami:
            for channel in channels:
                try:
                    ami.hangup(channel)
                except AmiActionFailed:
                    continue  # gone already, with its peer
                ended.append(channel)
        return ended

    # -- text messages ---------------------------------------------------------------------------

    def send_text(self, devices, from_number, from_name, body):
        """Send ``body`` as SIP MESSAGE to each device (endpoint name), from extension ``from_number``."""
        display = "".join(char for char in from_name if char not in '"\\<>\r\n')
        with self._session() as ami:
            for device in devices:
                ami.message_send(f"pjsip:{device}", f'"{display}" <sip:{from_number}@{MESSAGE_DOMAIN}>', body)

    # -- voicemail -----------------------------------------------------------------------------

    def move_voicemail(self, mailbox, folder, msg_id, to_folder):
        """Move a message between folders (Asterisk renumbers and re-publishes the message lamp)."""
        with self._session() as ami:
            ami.voicemail_move(VOICEMAIL_CONTEXT, mailbox, folder, msg_id, to_folder)

    def remove_voicemail(self, mailbox, folder, msg_id):
        """Delete a message (Asterisk renumbers and re-publishes the message lamp)."""
        with self._session() as ami:
            ami.voicemail_remove(VOICEMAIL_CONTEXT, mailbox, folder, msg_id)

    # -- phones --------------------------------------------------------------------------------

    def notify_phones(self, notices):
        """Send each ``(device, headers)`` a SIP NOTIFY (a vendor's check-sync); return the devices reached.

        A device that is not registered cannot be reached and is left out.
        """
        reached = []
        with self._session() as ami:
            for device, headers in notices:
                try:
                    ami.pjsip_notify(device, headers)
                except AmiActionFailed:
                    continue
                reached.append(device)
        return reached


    # -- queue agents (app_queue members: notes/callcenter.md 1) --------------------------------

    def agent_login(self, number, queues):
        """Add extension ``number`` to each of ``queues`` (``[(queue name, penalty)]``); one already in stays."""
        with self._session() as ami:
            ami.set_variable(f"DEVICE_STATE({agent_lamp(number)})", "INUSE")
            for queue, penalty in queues:
                try:
                    ami.queue_add(queue, agent_interface(number), member_name=number, penalty=penalty,
                                  state_interface=agent_state_interface(number))
                except AmiActionFailed as exc:
                    if "Already there" not in exc.reason:
                        raise

    def agent_logout(self, number, queues, still_in=False):
        """Remove extension ``number`` from each of ``queues`` (names); one not in is no error.

        ``still_in``: the agent stays a static member elsewhere (their BLF lamp stays lit).
        """
        with self._session() as ami:
            ami.set_variable(f"DEVICE_STATE({agent_lamp(number)})", "INUSE" if still_in else "NOT_INUSE")
            for queue in queues:
                try:
                    ami.queue_remove(queue, agent_interface(number))
                except AmiActionFailed as exc:
                    if "Not there" not in exc.reason:
                        raise

    def agent_pause(self, number, paused, reason=""):
        """Pause (with ``reason``, a pause reason's name) or unpause extension ``number`` in every queue."""
        with self._session() as ami:
            ami.queue_pause(agent_interface(number), paused, reason=reason or None)
            ami.set_variable(f"DEVICE_STATE({agent_lamp(number)})", "ONHOLD" if paused else "INUSE")

    def set_channel_variable(self, channel, name, value):
        """Set variable ``name`` on the live ``channel`` (a name from an event): the dialplan reads it next."""
        with self._session() as ami:
            ami.set_variable(name, value, channel=channel)

    def mark_queue_callback(self, queue, unique_id, callback_id):
        """Log in queue_log that call ``unique_id`` left ``queue`` for a callback (counted so, not abandoned)."""
        with self._session() as ami:
            ami.queue_log(queue, unique_id, "CALLBACK", str(callback_id))

    def queue_members(self):
        """Return app_queue's members of every queue now: ``QueueMember`` dicts (Queue, Name, Paused, …)."""
        with self._session() as ami:
            return ami.queue_members()

    # -- conference rooms (app_confbridge: names.conference_name) ------------------------------

    def conferences(self):
        """Return every running conference: ``{name: {"locked": bool, "participants": [ConfbridgeList dicts]}}``."""
        with self._session() as ami:
            return {room["Conference"]: {"locked": room.get("Locked") == "Yes",
                                         "participants": ami.confbridge_list(room["Conference"])}
                    for room in ami.confbridge_rooms()}

    def conference_mute(self, conference, channel, muted):
        """Mute or unmute one participant (``channel``) of ``conference``."""
        with self._session() as ami:
            ami.confbridge_mute(conference, channel, muted)

    def conference_kick(self, conference, channel):
        """Take one participant (``channel``) out of ``conference``."""
        with self._session() as ami:
            ami.confbridge_kick(conference, channel)

    def conference_lock(self, conference, locked):
        """Lock or unlock ``conference``; the daemon's board hears it from a UserEvent (ConfBridge raises none)."""
        with self._session() as ami:
            ami.confbridge_lock(conference, locked)
            ami.user_event(CONFERENCE_LOCK_EVENT, Conference=conference, Locked="Yes" if locked else "No")
    def queue_callers(self):
        """Return the callers waiting in every queue now: ``QueueEntry`` dicts (Queue, Uniqueid, Wait, …)."""
        with self._session() as ami:
            return ami.queue_callers()

    def spy(self, device, channel, mode, caller_id):
        """Ring the supervisor's ``device``; once answered, ChanSpy on ``channel`` (a live channel's full name).

        ``mode``: ``listen`` (q: silent), ``whisper`` (w: heard by the agent only) or ``barge`` (B: by both).
        ``E`` ends the spy when the spied channel hangs up. Return the ActionID.
        """
        options = {"listen": "qE", "whisper": "qEw", "barge": "qEB"}[mode]
        with self._session(calls=True) as ami:
            return ami.originate_application(f"PJSIP/{device}", "ChanSpy", f"{channel},{options}",
                                             caller_id=caller_id)

    # -- trunks ---------------------------------------------------------------------------------

    def trunk_health(self, objects):
        """Return ``{object: TrunkHealth}`` for the trunks' PJSIP object names ``objects`` (those loaded).

        One list of registrations and one endpoint query per trunk: a handful, never the devices.
        """
        wanted = set(objects)
        health = {}
        with self._session() as ami:
            registrations = {row.get("ObjectName"): registration_state(row.get("Status", ""))
                             for row in ami.pjsip_show_registrations_outbound()}
            for name in sorted(wanted):
                try:
                    contacts = ami.pjsip_endpoint_contacts(name)
                except AmiActionFailed:  # not loaded (yet): disabled, or a reload still to come
                    contacts = None
                if contacts is None and name not in registrations:
                    continue
                states = [(reachability(row.get("Status", "")), row.get("RoundtripUsec", "")) for row in contacts or ()]
                reachable = [rtt for state, rtt in states if state == "reachable"]
                unreachable = any(state == "unreachable" for state, _ in states)
                state = "reachable" if reachable else "unreachable" if unreachable else ""
                health[name] = TrunkHealth(registrations.get(name, ""), state, _ms(reachable[0]) if reachable else None)
        return health

    def unregister_trunks(self, registrations, timeout=2.0):
        """Un-REGISTER trunk ``registrations`` (about to be removed) and wait, at most ``timeout`` s, for the carrier.

        Asterisk also un-REGISTERs a registration a reload drops, but by then its credentials
        may be gone; this lets the carrier forget the contact while they are still there.
        """
        with self._session() as ami:
            loaded = {row.get("ObjectName"): row.get("Status") for row in ami.pjsip_show_registrations_outbound()}
            registered = [name for name in registrations if loaded.get(name) == "Registered"]
            for name in registered:
                ami.pjsip_unregister(name)
            deadline = time.monotonic() + timeout
            while registered and time.monotonic() < deadline:
                time.sleep(0.05)
                states = {row.get("ObjectName"): row.get("Status") for row in ami.pjsip_show_registrations_outbound()}
                registered = [name for name in registered if states.get(name) == "Registered"]

    def resync_qualify(self):
        """Have Asterisk re-read every AOR's qualify (a ``res_pjsip.so`` reload) in a thread; return at once.

        Asterisk learns of a realtime AOR's new contact or qualify (a trunk added, moved, removed)
        only at that reload, which re-reads every device too: seconds at 10,000 (decision 014).
        Its per-AOR ``pjsip reload qualify aor`` exists only on the CLI, which the app does not
        hold (decision 011). Nothing waits for it: the trunk's rows are read per request already.
        Requests while one runs are folded into one more reload after it. Returns the thread that
        will reload, or None when the running one will. The thread is not a daemon: a process that
        ends waits for the reload it asked for.
        """
        global _resync_running, _resync_wanted
        with _resync_state:
            if _resync_running:
                _resync_wanted = True
                return None
            _resync_running = True
        thread = threading.Thread(target=self._reload_pjsip, name="pjsip-qualify-resync")
        thread.start()
        return thread

    def _reload_pjsip(self):
        global _resync_running, _resync_wanted
        while True:
            try:
                with self._session() as ami:
                    ami.reload_module("res_pjsip.so", busy_wait=RESYNC_BUSY_WAIT)
            except AmiError as error:
                # Asterisk goes on with a reload whose answer we stopped waiting for.
                log.info("res_pjsip.so reload for the trunks' qualify: %s", error)
            with _resync_state:
                if not _resync_wanted:
                    _resync_running = False
                    return
                _resync_wanted = False

    def reregister_trunk(self, registration):
        """Send trunk ``registration``'s REGISTER again now (after its credentials changed)."""
        with self._session() as ami:
            ami.pjsip_register(registration)


def _ms(usec):
    """Return microseconds (AMI text) as milliseconds, or None when not a number."""
    try:
        return round(int(usec) / 1000.0, 1)
    except (TypeError, ValueError):
        return None


_current = None


def install(control):
    """Make ``control`` (an EngineControl, a fake, or None for "no engine") this process's adapter."""
    global _current
    _current = control


def current():
    """Return this process's engine adapter, or None when no engine runs here."""
    return _current
