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
from dataclasses import dataclass

from appliance.asterisk.ami import Ami, AmiActionFailed, AmiSettings
from appliance.asterisk.names import ASTDB_FAMILY, INTERNAL_CONTEXT, RING_DEVICES_CONTEXT, VOICEMAIL_CONTEXT

#: Written once AstDB holds every extension's toggles: without it a missing key cannot mean "off".
SYNCED_KEY = "_synced"


@dataclass(frozen=True)
class CallSettings:
    """What the dialplan reads of one extension's own settings at call time."""

    number: str
    #: AstDB key under ``CN/<number>/`` -> value; an empty value deletes the key (the dialplan skips it).
    toggles: dict
    dnd: bool
    #: ``state,subtype,message`` for PRESENCE_STATE (no commas inside the parts).
    presence: str


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

    def put_outbound_counters(self, family, values):
        """Write the outbound routes' counters (``{key: value}`` under AstDB ``family``) in one session."""
        with self._session() as ami:
            for key, value in values.items():
                ami.db_put(family, key, value)

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


_current = None


def install(control):
    """Make ``control`` (an EngineControl, a fake, or None for "no engine") this process's adapter."""
    global _current
    _current = control


def current():
    """Return this process's engine adapter, or None when no engine runs here."""
    return _current
