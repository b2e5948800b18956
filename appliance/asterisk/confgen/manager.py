"""Render manager.conf: AMI on loopback for one least-privilege application user."""
from .asterisk import HEADER

#: Event classes the daemon listens to (manager.conf.sample lists the classes):
#: system  - FullyBooted, Reload, ContactStatus (device registrations);
#: call    - channel and bridge lifecycle (live state, call records);
#: agent   - queue and agent events;
#: user    - UserEvent raised from the dialplan;
#: security - failed authentications and unidentified requests (blocking).
#: Left out: dtmf and dialplan (NewExten/VarSet per step: floods the
#: listener), reporting (RTCP reports every few seconds per call), cdr (call
#: records come from the SQLite file, durably), config, log, verbose.
AMI_READ = ("system", "call", "agent", "user", "security")
#: Actions the app sends (an action needs any one of its classes: "manager show
#: command Reload" lists system,config, so system is enough):
#: system    - Reload (a named module), DBPut/DBGet (AstDB toggles),
#:             PJSIPNotify, SorceryMemoryCache*, PJSIPShowContacts;
#: call      - Hangup, Redirect, Setvar on a live channel;
#: agent     - QueueAdd/QueueRemove/QueuePause;
#: reporting - CoreShowChannels, QueueStatus, Status;
#: originate - Originate (click-to-call, callbacks);
#: user      - VoicemailMove/VoicemailRemove (the panel's mark heard and delete;
#:             "manager show command VoicemailMove" lists user,all in 22.10).
#: Left out: command (an arbitrary CLI line is a shell-sized hole: every need
#: above has a dedicated action), config (GetConfig/UpdateConfig: the database,
#: not Asterisk's files, is the source of truth), message.
AMI_WRITE = ("system", "call", "agent", "reporting", "originate", "user")

#: AMI listens on loopback only, whatever address SIP uses: only the app on
#: this machine talks to it.
AMI_ADDRESS = "127.0.0.1"


def render_manager_conf(settings):
    """Return manager.conf with the AMI user from ``settings``."""
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

[{settings.ami_username}]
secret = {settings.ami_secret}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = {",".join(AMI_READ)}
write = {",".join(AMI_WRITE)}
; A slow listener is disconnected rather than stalling event delivery.
writetimeout = 1000
"""
