"""The AMI adapter: intention-named actions and a reconnecting event stream, with pystrix kept inside.

Callers see plain strings and dicts and the domain errors below, never pystrix objects;
``ami_protocol`` holds what pystrix needed fixed for Asterisk 22.
"""
import base64
import logging
import threading
import time
from dataclasses import dataclass

from pystrix.ami import ManagerError, core
from pystrix.ami import ami as _pystrix

from appliance.asterisk.ami_protocol import EVENT_LISTS, EXTRA_ITEMS, Action, Manager
from appliance.asterisk.confgen.manager import AMI_ADDRESS
from appliance.errors import DomainError
from appliance.i18n import N_

log = logging.getLogger("centralina.ami")


#: Seconds a module reload may take before the reload is reported as unanswered.
RELOAD_TIMEOUT = 60.0
#: Asterisk's answer to a reload asked for while another one runs.
RELOAD_BUSY = "A reload is in progress"


class AmiError(DomainError):
    """Asterisk's manager interface could not do what was asked."""


class AmiUnavailable(AmiError):
    """There is no working AMI connection (Asterisk down, restarting, or refusing the login)."""


class AmiActionFailed(AmiError):
    """Asterisk answered an action with ``Response: Error``; ``reason`` is its message."""

    def __init__(self, action, reason):
        super().__init__(N_("Asterisk refused %(action)s: %(reason)s"), action=action, reason=reason)
        self.action = action
        self.reason = reason


class ReloadFailed(AmiActionFailed):
    """A module reload was refused (no such module, not reloadable, or the module reported an error)."""

    def __init__(self, module, reason):
        super().__init__(f"Reload {module}", reason)
        self.module = module


@dataclass(frozen=True)
class AmiSettings:
    """Where the manager interface listens and how to log in."""

    host: str
    port: int
    username: str
    secret: str
    timeout: float = 5.0

    @classmethod
    def for_engine(cls, settings):
        """Return the engine-control login (reloads, AstDB, NOTIFY, events) of the instance ``settings`` describes.

        This user cannot originate calls; ``for_calls`` can and has nothing else (confgen/manager.py).
        """
        return cls(AMI_ADDRESS, settings.ami_port, settings.ami_username, settings.ami_secret)

    @classmethod
    def for_calls(cls, settings):
        """Return the login that may originate calls (click-to-call, callbacks) and do nothing else."""
        return cls(AMI_ADDRESS, settings.ami_port, settings.ami_calls_username, settings.ami_calls_secret)


# -- the adapter ---------------------------------------------------------------------------------


class Ami:
    """One logged-in AMI session with intention-named actions; use as a context manager."""

    def __init__(self, settings, on_event=None):
        """Connect and log in (MD5 challenge); with ``on_event`` every event is passed to it as a dict."""
        self._manager = Manager(logger=log)
        try:
            self._manager.connect(settings.host, settings.port, timeout=settings.timeout)
            challenge = self._send(core.Challenge())
            login = core.Login(settings.username, settings.secret, events=on_event is not None,
                               challenge=challenge.result["Challenge"])
            if on_event is not None:
                self._manager.register_callback("", lambda event, _manager: on_event(dict(event)))
            self._send(login)
        except (_pystrix.Error, AmiError) as exc:
            self.close()
            raise AmiUnavailable(N_("Cannot log in to Asterisk's manager at %(where)s: %(reason)s"),
                                 where=f"{settings.host}:{settings.port}", reason=str(exc)) from exc

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Drop the connection and stop pystrix's threads."""
        # No Logoff action: Asterisk ends the session on disconnect, and the round trip
        # would cost pystrix's 50 ms poll for nothing. No join of pystrix's event thread either
        # (its close() does): it ends by itself after its idle sleep of 20 ms, which every short
        # session (an edit's AstDB write, decision 047) otherwise waited out, 10 ms on average.
        self._manager.disconnect()
        self._manager._alive = False
        # pystrix's __del__ calls close(), whose join then runs wherever the manager is collected: on its
        # own event thread that raises "cannot join current thread" (seen in the suite's warnings), on any
        # other it waits out the same 20 ms. Closed here already: its close() becomes the no-op disconnect.
        self._manager.close = self._manager.disconnect

    def connected(self):
        """Tell whether the TCP connection is still up (false soon after Asterisk stops)."""
        return self._manager.is_connected()

    def _send(self, request, check=True):
        """Send ``request``; return pystrix's reply or raise AmiUnavailable (and, if ``check``, AmiActionFailed)."""
        failed = N_("AMI %(action)s failed: %(reason)s")
        try:
            reply = self._manager.send_action(request)
        except (ManagerError, _pystrix.ManagerSocketError) as exc:  # also a refused Login
            raise AmiUnavailable(failed, action=request["Action"], reason=str(exc)) from exc
        if reply is None:
            raise AmiUnavailable(failed, action=request["Action"], reason="no answer in time")
        if check and not reply.success:
            # Read Message from the kept lines: a value ending in "\n" (e.g. "No Contacts found\n")
            # makes pystrix file the header as body data.
            reasons = [value for key, value in reply.response.lines if key == "Message"]
            raise AmiActionFailed(request["Action"], reasons[-1].strip() if reasons else "unknown error")
        if request.synchronous and reply.events_timeout:
            raise AmiUnavailable(failed, action=request["Action"], reason="the list did not end in time")
        return reply

    def _list(self, action, **headers):
        """Send an event-list action; return its item events as dicts."""
        return [dict(event) for event in self._send(Action(action, **headers)).events[EVENT_LISTS[action][0]]]

    def ping(self):
        """Check that Asterisk answers; raise AmiUnavailable otherwise."""
        self._send(Action("Ping"))

    def command(self, cli):
        """Run a CLI command and return its output; needs manager.conf's ``command`` write permission."""
        reply = self._send(Action("Command", Command=cli), check=False)
        output = "\n".join(value for key, value in reply.response.lines if key == "Output")
        if not reply.success:
            # An unknown command explains itself in Output; a missing "command" write
            # permission (manager.conf) only in Message ("Permission denied").
            raise AmiActionFailed(cli, output or reply.response.get("Message", "unknown error"))
        return output

    def core_status(self):
        """Return version and uptime facts (``AsteriskVersion``, ``CoreStartupDate``/``Time``, ``CoreCurrentCalls``...).

        CoreSettings and CoreStatus need only the ``system`` or ``reporting`` class, unlike
        ``command()``, which needs manager.conf's ``command`` write permission.
        """
        facts = {}
        for action in ("CoreSettings", "CoreStatus"):
            facts.update(self._send(Action(action)).response.lines)
        facts.pop("Response", None)
        facts.pop("ActionID", None)
        return facts

    def reload_module(self, module, busy_wait=0.0):
        """Reload one module (``res_pjsip.so``, ``manager``...); raise ReloadFailed with Asterisk's reason.

        Asterisk 22 answers ``No such module``, ``Module does not support reload``, ``A reload is
        in progress``, or ``An unknown error occurred`` when the module's own reload failed (e.g.
        pbx_config on an unparseable extensions.conf). A "successful" res_pjsip reload may still
        have dropped objects it could not build; apply.py checks Asterisk's log for that. While another
        reload runs, asks again for at most ``busy_wait`` seconds.
        """
        deadline = time.monotonic() + busy_wait
        while True:
            try:
                # A res_pjsip reload walks every AOR and endpoint, realtime ones too: 3-5 s with
                # 10,000 devices on 2 cores, past the 5 s an ordinary action is given.
                self._send(Action("Reload", Module=module, timeout=RELOAD_TIMEOUT))
                return
            except AmiActionFailed as exc:
                # Asterisk runs one reload at a time and refuses the others; that says nothing of the files.
                if RELOAD_BUSY not in exc.reason or time.monotonic() > deadline:
                    raise ReloadFailed(module, exc.reason) from exc
                time.sleep(0.05)

    def originate(self, channel, exten, context, caller_id=None, variables=None, timeout=30):
        """Call ``channel`` and, once answered, send it to ``exten@context``; return the ActionID.

        Asynchronous: the reply only means "queued"; the ``OriginateResponse`` event carrying
        the returned ActionID tells how it went. ``timeout`` is seconds to wait for an answer.
        """
        variables = [f"{key}={value}" for key, value in (variables or {}).items()]
        request = Action("Originate", Channel=channel, Exten=exten, Context=context, Priority=1,
                          CallerID=caller_id, Timeout=int(timeout * 1000), Async="true", Variable=variables or None)
        return self._send(request).action_id

    def dialplan_action(self, headers):
        """Send a DialplanExtensionAdd or DialplanExtensionRemove (``headers``: the action's, Action included)."""
        fields = dict(headers)
        action = fields.pop("Action")
        if action not in ("DialplanExtensionAdd", "DialplanExtensionRemove"):
            raise ValueError(f"not a dialplan action: {action}")
        self._send(Action(action, **fields))
    def originate_application(self, channel, application, data, caller_id=None, timeout=30):
        """Call ``channel`` and, once answered, run ``application(data)`` on it; return the ActionID (async)."""
        request = Action("Originate", Channel=channel, Application=application, Data=data, CallerID=caller_id,
                         Timeout=int(timeout * 1000), Async="true")
        return self._send(request).action_id

    def hangup(self, channel):
        """Hang up ``channel``; raise AmiActionFailed (``No such channel``) when it is gone."""
        self._send(Action("Hangup", Channel=channel))

    def db_get(self, family, key):
        """Return the AstDB value at ``family/key``, or ``None`` when there is none."""
        try:
            rows = self._list("DBGet", Family=family, Key=key)
        except AmiActionFailed as exc:
            if exc.reason == "Database entry not found":
                return None
            raise
        return rows[0]["Val"] if rows else None

    def db_tree(self, family):
        """Return every AstDB entry under ``family`` as {key below the family: value}."""
        try:
            rows = self._list("DBGetTree", Family=family)
        except AmiActionFailed as exc:
            if exc.reason == "Database entry not found":
                return {}
            raise
        prefix = f"/{family}/"
        return {row["Key"][len(prefix):]: row.get("Val", "") for row in rows if row.get("Key", "").startswith(prefix)}

    def set_variable(self, name, value, channel=None):
        """Set a variable or write a dialplan function (``DEVICE_STATE(Custom:DND201)``); global without ``channel``."""
        self._send(Action("Setvar", Channel=channel, Variable=name, Value=value))

    def presence_state(self, provider):
        """Return {"State", "Subtype", "Message"} of a presence provider (``CustomPresence:201``)."""
        reply = self._send(Action("PresenceState", Provider=provider))
        return {key: value for key, value in reply.response.lines if key in ("State", "Subtype", "Message")}

    def db_put(self, family, key, value):
        """Store ``value`` at ``family/key`` in AstDB."""
        self._send(Action("DBPut", Family=family, Key=key, Val=value))

    def db_del(self, family, key):
        """Delete ``family/key`` from AstDB; deleting a missing key is not an error."""
        try:
            self._send(Action("DBDel", Family=family, Key=key))
        except AmiActionFailed as exc:
            if exc.reason != "Database entry could not be deleted":
                raise

    def db_deltree(self, family):
        """Delete every AstDB key under ``family``; an empty family is not an error."""
        try:
            self._send(Action("DBDelTree", Family=family))
        except AmiActionFailed as exc:
            if exc.reason != "Database entry not found":
                raise

    def queue_add(self, queue, interface, member_name=None, penalty=0, paused=False, state_interface=None):
        """Add ``interface`` (``PJSIP/201``) to ``queue`` as a dynamic member."""
        self._send(Action("QueueAdd", Queue=queue, Interface=interface, MemberName=member_name,
                           Penalty=penalty, Paused="true" if paused else "false", StateInterface=state_interface))

    def queue_log(self, queue, unique_id, event, message=""):
        """Write one row to app_queue's queue_log (QueueLog action): ``event`` of call ``unique_id`` in ``queue``."""
        self._send(Action("QueueLog", Queue=queue, UniqueID=unique_id, Interface="NONE", Event=event,
                          Message=message or None))

    def queue_remove(self, queue, interface):
        """Remove ``interface`` from ``queue``."""
        self._send(Action("QueueRemove", Queue=queue, Interface=interface))

    def queue_pause(self, interface, paused, queue=None, reason=None):
        """Pause or unpause ``interface`` in ``queue`` (every queue when ``None``)."""
        self._send(Action("QueuePause", Interface=interface, Paused="true" if paused else "false",
                           Queue=queue, Reason=reason))

    def confbridge_rooms(self):
        """Return every conference running now as a ``ConfbridgeListRooms`` dict (Conference, Parties, Locked…)."""
        try:
            return self._list("ConfbridgeListRooms")
        except AmiActionFailed as exc:
            if "No active conferences" in exc.reason:  # an empty list is answered as an error
                return []
            raise

    def confbridge_list(self, conference):
        """Return the participants of ``conference`` as ``ConfbridgeList`` dicts (Channel, Admin, Muted…)."""
        try:
            return self._list("ConfbridgeList", Conference=conference)
        except AmiActionFailed as exc:
            if "No active conferences" in exc.reason or "No Conference by that name" in exc.reason:
                return []
            raise

    def confbridge_mute(self, conference, channel, muted):
        """Mute (or unmute) ``channel`` in ``conference``: the others stop (or start) hearing it."""
        self._send(Action("ConfbridgeMute" if muted else "ConfbridgeUnmute", Conference=conference, Channel=channel))

    def confbridge_kick(self, conference, channel):
        """Take ``channel`` out of ``conference`` (its call ends)."""
        self._send(Action("ConfbridgeKick", Conference=conference, Channel=channel))

    def confbridge_lock(self, conference, locked):
        """Lock (or unlock) ``conference``: nobody but a moderator may join while it is locked."""
        self._send(Action("ConfbridgeLock" if locked else "ConfbridgeUnlock", Conference=conference))

    def user_event(self, name, **headers):
        """Raise UserEvent ``name`` with ``headers``: every AMI listener (the daemon) hears it."""
        self._send(Action("UserEvent", UserEvent=name, **headers))

    def pjsip_notify(self, endpoint, variables):
        """Send a SIP NOTIFY to ``endpoint`` with ``variables`` as headers (``{"Event": "check-sync"}``)."""
        self._send(Action("PJSIPNotify", Endpoint=endpoint,
                           Variable=[f"{name}={value}" for name, value in variables.items()]))

    def message_send(self, destination, sender, body):
        """Send a text message (AMI MessageSend): ``destination`` ``pjsip:<endpoint>``, ``sender`` a From URI.

        The body goes base64-encoded, so no newline or header text in it can split the action.
        """
        self._send(Action("MessageSend", Destination=destination, From=sender,
                          Base64Body=base64.b64encode(body.encode()).decode()))

    def pjsip_show_contacts(self):
        """Return every PJSIP contact as a dict of its ``ContactList`` event (``Endpoint``, ``Uri``, ``Status``...)."""
        try:
            return self._list("PJSIPShowContacts")
        except AmiActionFailed as exc:
            if exc.reason == "No Contacts found":  # res_pjsip answers an empty list with an error
                return []
            raise

    def pjsip_show_registrations_outbound(self):
        """Return every outbound registration as a dict of its ``OutboundRegistrationDetail`` event.

        ``ObjectName`` is the registration, ``Status`` Registered/Unregistered/Rejected,
        ``ServerUri``/``ClientUri`` its URIs.
        """
        try:
            return self._list("PJSIPShowRegistrationsOutbound")
        except AmiActionFailed as exc:
            if "No" in exc.reason and "found" in exc.reason:
                return []
            raise

    def pjsip_endpoint_contacts(self, endpoint):
        """Return the status of ``endpoint``'s contacts, static ones too, as ``ContactStatusDetail`` dicts.

        ``Status`` is Reachable/Unreachable/Unknown/…, ``RoundtripUsec`` the last qualify's round trip.
        Raise AmiActionFailed when there is no such endpoint.
        """
        return self._list("PJSIPShowEndpoint", Endpoint=endpoint)

    def pjsip_register(self, registration):
        """Send the outbound ``registration`` (``trunk_1``) again at once: unregister, then register."""
        self._send(Action("PJSIPRegister", Registration=registration))

    def pjsip_unregister(self, registration):
        """Un-REGISTER the outbound ``registration`` and stop its renewals (until a reload or PJSIPRegister)."""
        self._send(Action("PJSIPUnregister", Registration=registration))

    def voicemail_move(self, context, mailbox, folder, msg_id, to_folder):
        """Move message ``msg_id`` of ``mailbox@context`` from ``folder`` to ``to_folder`` (Asterisk 20.5+).

        Asterisk renumbers both folders and publishes the new message-waiting state itself.
        """
        self._send(Action("VoicemailMove", Context=context, Mailbox=mailbox, Folder=folder, ID=msg_id,
                           ToFolder=to_folder))

    def voicemail_remove(self, context, mailbox, folder, msg_id):
        """Delete message ``msg_id`` from ``folder`` of ``mailbox@context`` (Asterisk 20.5+)."""
        self._send(Action("VoicemailRemove", Context=context, Mailbox=mailbox, Folder=folder, ID=msg_id))

    def queue_members(self):
        """Return every member of every queue as a dict of its ``QueueMember`` event (QueueStatus)."""
        return self._list("QueueStatus")

    def queue_callers(self):
        """Return every caller waiting in every queue as a dict of its ``QueueEntry`` event (QueueStatus)."""
        events = self._send(Action("QueueStatus")).events
        return [dict(event) for event in events.get(EXTRA_ITEMS["QueueStatus"][0], ())]

    def core_show_channels(self):
        """Return every active channel as a dict of its ``CoreShowChannel`` event."""
        return self._list("CoreShowChannels")


class AmiEvents:
    """A background AMI session passing every event to ``on_event(dict)``, reconnecting when Asterisk restarts.

    Reconnection backs off from ``backoff[0]`` doubling up to ``backoff[1]`` seconds; a ping every
    ``ping_interval`` seconds notices a connection that died without closing. ``on_connect`` runs
    after every (re)login, the place to resynchronise state that events missed while down.
    """

    def __init__(self, settings, on_event, on_connect=None, backoff=(0.5, 10.0), ping_interval=5.0):
        """Prepare the stream; ``start()`` runs it."""
        self.settings = settings
        self.on_event = on_event
        self.on_connect = on_connect
        self.backoff = backoff
        self.ping_interval = ping_interval
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="centralina-ami-events", daemon=True)

    def start(self):
        """Start the background thread; return self."""
        self._thread.start()
        return self

    def stop(self, timeout=10.0):
        """Stop the stream and wait for its thread."""
        self._stopping.set()
        self._thread.join(timeout)

    def wait_connected(self, timeout):
        """Block until logged in (or ``timeout`` seconds); return whether it is."""
        return self.connected.wait(timeout)

    def _run(self):
        delay = self.backoff[0]
        while not self._stopping.is_set():
            try:
                session = Ami(self.settings, on_event=self.on_event)
            except AmiUnavailable as exc:
                log.info("AMI events: %s; retrying in %.1f s", exc, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            delay = self.backoff[0]
            try:
                self.connected.set()
                if self.on_connect:
                    try:
                        self.on_connect()
                    except Exception:  # a failing resync must not end the stream
                        log.exception("AMI events: on_connect failed")
                self._watch(session)
            finally:
                self.connected.clear()
                session.close()

    def _watch(self, session):
        """Return when the session dies or the stream stops."""
        since_ping = 0.0
        step = 0.2
        while not self._stopping.wait(step):
            if not session.connected():
                log.warning("AMI events: connection to Asterisk lost")
                return
            since_ping += step
            if since_ping >= self.ping_interval:
                since_ping = 0.0
                try:
                    session.ping()
                except AmiError as exc:
                    log.warning("AMI events: %s", exc)
                    return
