"""Trunk health: each trunk's registration and reachability as Asterisk reports them, kept in TrunkStatus.

The daemon is the one AMI listener (ARCHITECTURE.md "Live pages"): it hands every event to
``on_engine_event`` and calls ``refresh`` when it (re)connects and every few seconds; the trunk
pages read the rows. A row is written only when something changed, the round trip at most
every ``RTT_EVERY`` seconds (it moves on every qualify and nobody needs it to the millisecond).
"""
import datetime
import logging

import peewee

from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.confgen.trunks import TRUNK_PREFIX, registration_uris
from appliance.asterisk.names import trunk_object
from appliance.db import database
from appliance.models.trunks import Trunk, TrunkStatus
from appliance.models.users import utcnow

log = logging.getLogger(__name__)
#: Seconds between two writes of a trunk's round trip alone.
RTT_EVERY = 5.0
#: Seconds between two refreshes by the daemon (events bring changes at once; this brings the round trip).
REFRESH_SECONDS = 5


def _derive(registration, reachability):
    # PJSIP reports a refused and an unanswered REGISTER alike ("Rejected", no cause): with the
    # carrier not answering its qualify either, the registration failed rather than was refused.
    if registration in ("rejected", "failed"):
        return "failed" if reachability == "unreachable" else "rejected"
    return registration


def record(trunk_id, now=None, **changes):
    """Store what Asterisk said of trunk ``trunk_id`` (``registration``, ``reachability``, ``rtt_ms``).

    Return whether the row changed. A trunk deleted or disabled meanwhile is ignored.
    """
    try:
        return _record(trunk_id, now or utcnow(), changes)
    except peewee.IntegrityError:
        # The daemon writes from two threads (AMI events, the periodic refresh): the other one
        # created the row first, or the trunk went meanwhile. Read again and compare once more.
        return _record(trunk_id, now or utcnow(), changes)


def _record(trunk_id, now, changes):
    with database.atomic():
        row = TrunkStatus.get_or_none(TrunkStatus.trunk == trunk_id)
        new = row is None
        if new:
            # A late event about a trunk just deleted or disabled must not bring its row back.
            if not Trunk.select().where(Trunk.id == trunk_id, Trunk.enabled == True).exists():  # noqa: E712
                return False
            row = TrunkStatus(trunk=trunk_id, updated_at=now)
        wanted = {key: changes.get(key, getattr(row, key)) for key in ("registration", "reachability", "rtt_ms")}
        if wanted["reachability"] != "reachable":
            wanted["rtt_ms"] = None
        wanted["registration"] = _derive(wanted["registration"], wanted["reachability"])
        states_changed = any(getattr(row, key) != wanted[key] for key in ("registration", "reachability"))
        rtt_due = (row.rtt_ms is None) != (wanted["rtt_ms"] is None) or (
            wanted["rtt_ms"] != row.rtt_ms and now - row.updated_at >= datetime.timedelta(seconds=RTT_EVERY))
        if not (new or states_changed or rtt_due):
            return False
        for key, value in wanted.items():
            setattr(row, key, value)
        row.updated_at = now
        row.save(force_insert=new)
    return True


def forget(trunk_id):
    """Drop what was heard of trunk ``trunk_id`` (disabled, or pointed elsewhere: the old state is void)."""
    TrunkStatus.delete().where(TrunkStatus.trunk == trunk_id).execute()


def _trunk_of_aor(aor):
    suffix = (aor or "")[len(TRUNK_PREFIX):]
    return int(suffix) if (aor or "").startswith(TRUNK_PREFIX) and suffix.isdigit() else None


def _trunk_of_registration(server_uri, client_uri):
    """Return the id of the enabled registration trunk with these URIs (a Registry event's), or None."""
    for trunk in Trunk.select().where(Trunk.kind == "registration", Trunk.enabled == True):  # noqa: E712
        if registration_uris(trunk) == (server_uri, client_uri):
            return trunk.id
    return None


def on_engine_event(event):
    """Turn a ``Registry`` or a trunk's ``ContactStatus`` AMI event into its TrunkStatus row."""
    name = event.get("Event")
    if name == "Registry" and event.get("ChannelType") == "PJSIP":
        # PJSIP names the registration by its URIs: Username is the client URI, Domain the server's.
        trunk_id = _trunk_of_registration(event.get("Domain", ""), event.get("Username", ""))
        state = control.registration_state(event.get("Status", ""))
        if trunk_id is not None and state:
            record(trunk_id, registration=state)
    elif name == "ContactStatus":
        trunk_id = _trunk_of_aor(event.get("AOR"))
        if trunk_id is None:
            return
        status = event.get("ContactStatus", "")
        state = control.reachability(status)
        if state or status in ("Removed", "Unknown"):
            usec = event.get("RoundtripUsec", "")
            record(trunk_id, reachability=state,
                   rtt_ms=round(int(usec) / 1000.0, 1) if state == "reachable" and usec.isdigit() else None)


def refresh():
    """Ask Asterisk for every enabled trunk's state and store it (on connect, and every few seconds).

    Return the number of rows changed; 0 without an engine in this process.
    """
    engine = control.current()
    if engine is None:
        return 0
    trunks = {trunk_object(trunk.id): trunk.id for trunk in Trunk.select(Trunk.id).where(Trunk.enabled == True)}  # noqa: E712
    if not trunks:
        return 0
    try:
        found = engine.trunk_health(trunks)
    except AmiError as error:  # Asterisk away: the next (re)connect asks again
        log.info("trunk health not read: %s", error)
        return 0
    changed = 0
    for name, health in found.items():
        changed += record(trunks[name], registration=health.registration, reachability=health.reachability,
                          rtt_ms=health.rtt_ms)
    return changed
