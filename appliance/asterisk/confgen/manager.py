"""Render manager.conf: AMI on loopback for two least-privilege application users."""
from .asterisk import HEADER

#: Event classes the daemon listens to (manager.conf.sample lists the classes):
#: system  - FullyBooted, Reload, ContactStatus (device registrations, trunk qualify),
#:           Registry (trunk registrations);
#: call    - channel and bridge lifecycle (live state, call records);
#: agent   - queue and agent events;
#: user    - UserEvent raised from the dialplan;
#: security - failed authentications and unidentified requests (blocking).
#: Left out: dtmf and dialplan (NewExten/VarSet per step: floods the
#: listener), reporting (RTCP reports every few seconds per call), cdr (call
#: records come from the SQLite file, durably), config, log, verbose.
AMI_READ = ("system", "call", "agent", "user", "security")
#: Actions the engine-control user sends, each with the classes ``manager show command
#: <Action>`` lists in Asterisk 22.10 (an action needs any one of them):
#: system    - Reload (system,config), DBPut/DBDel/DBDelTree (system), DBGet/DBGetTree
#:             (system,reporting), PJSIPNotify (system), PJSIPShowContacts (system),
#:             PJSIPShowEndpoint (system), PJSIPShowRegistrationsOutbound, PJSIPRegister and
#:             PJSIPUnregister (system,reporting: trunk health and registrations);
#: call      - Setvar (DEVICE_STATE/PRESENCE_STATE of DND and presence), PresenceState
#:             (call,reporting), Hangup (system,call), Redirect, ConfbridgeMute/Unmute/Kick/Lock/Unlock;
#: agent     - QueueAdd/QueueRemove/QueuePause;
#: reporting - CoreShowChannels, CoreSettings, CoreStatus (system,reporting), ConfbridgeList/ListRooms;
#: user      - VoicemailMove/VoicemailRemove (user), UserEvent;
#: message   - MessageSend (the panel's and the API's messages to an extension's phones,
#:             appliance/sms/senders.py; it can name any From, and only the app holds this login).
#: Never originate: it belongs to the calls user below.
#: Left out: command (an arbitrary CLI line is a shell-sized hole: every need
#: above has a dedicated action), config (GetConfig/UpdateConfig: the database,
#: not Asterisk's files, is the source of truth).
AMI_WRITE = ("system", "call", "agent", "reporting", "user", "message")
#: The calls user: Originate (class originate) and nothing of the ``system`` class, so
#: Asterisk refuses it an origination into System(), Exec(), AGI() or SHELL() (22.10
#: answers "Originate Access Forbidden: app or data blacklisted"),
#: while the engine-control user above cannot originate at all: with both classes on one
#: user, AMI access would be a shell (decision 011). It listens to no events.
AMI_CALLS_WRITE = ("originate",)

#: Events never generated. Asterisk 22.10 wakes every AMI session's thread (SIGURG) for every event,
#: whatever classes the session reads, so an event nobody reads still costs a signal, a wake-up and
#: a poll per connected session: Newexten (one per dialplan step) and VarSet (one per variable set)
#: cost the generated dialplan ~10 us of Asterisk CPU each, per step and per variable (bench/README,
#: call set-up), and RTCP reports come every few seconds per call. None is of a class we read.
#: NewCallerid is of one we read (call), but nothing in the app uses it: a trunk's call raises it
#: when the dialplan turns the caller's number into E.164 (confgen/inbound.py), once per call.
DISABLED_EVENTS = ("Newexten", "VarSet", "RTCPSent", "RTCPReceived", "NewCallerid")

#: AMI listens on loopback only, whatever address SIP uses: only the app on
#: this machine talks to it.
AMI_ADDRESS = "127.0.0.1"


def render_manager_conf(settings):
    """Return manager.conf with the engine-control and the calls AMI users from ``settings``."""
    return HEADER + f"""
[general]
enabled = yes
webenabled = no
bindaddr = {AMI_ADDRESS}
port = {settings.ami_port}
; Logins are not echoed on the CLI/log.
displayconnects = no
; Unauthenticated sessions: at most 5 at once, 10 s each to log in.
authlimit = 5
authtimeout = 10
timestampevents = yes
disabledevents = {",".join(DISABLED_EVENTS)}

[{settings.ami_username}]
secret = {settings.ami_secret}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = {",".join(AMI_READ)}
write = {",".join(AMI_WRITE)}
; A slow listener is disconnected rather than stalling event delivery.
writetimeout = 1000

[{settings.ami_calls_username}]
secret = {settings.ami_calls_secret}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read =
write = {",".join(AMI_CALLS_WRITE)}
writetimeout = 1000
"""
