"""Blocks against attackers: made by the daemon's guard, listed and lifted by the admin.

A row blocking a whole address is put in the kernel's set by the daemon (the only process with
CAP_NET_ADMIN), which follows the rows every second; a row blocking one user name from an address
reaches Asterisk as that endpoint's ``deny`` ACL through the realtime row sync, in whichever
process commits it. docs/decisions/009-blocking-attackers.md.
"""
import datetime
import ipaddress
from dataclasses import dataclass

from appliance.db import database
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.models.bans import Ban
from appliance.models.users import utcnow
from appliance.services import audit, engine_sync

#: At most this many user names are kept on an address's row (the page shows them).
MAX_USERNAMES_SHOWN = 10


@dataclass(frozen=True)
class BanInput:
    """A block to make: ``username`` empty blocks the whole address."""

    address: str
    username: str
    service: str
    reason: str
    seconds: int
    failures: int = 0
    usernames: tuple = ()


def _label(ban):
    return f"{ban.username} @ {ban.address}" if ban.username else ban.address


def _snapshot(ban):
    return {"address": ban.address, "username": ban.username, "service": ban.service, "reason": ban.reason,
            "failures": ban.failures, "usernames": ban.usernames, "expires_at": ban.expires_at}


def block(data, actor, now=None):
    """Block ``data.address`` (or its ``data.username`` only) for ``data.seconds``; return the Ban.

    Blocking again what is blocked extends the block. The caller checks the allow-list.
    """
    address = str(ipaddress.ip_address(data.address))  # ValueError on anything else: callers parse first
    if len(data.username) > 64 or int(data.seconds) < 1:
        raise ValueError("a ban needs a user name of at most 64 characters and a positive length")
    now = now or utcnow()
    expires_at = now + datetime.timedelta(seconds=int(data.seconds))
    usernames = ",".join(data.usernames[:MAX_USERNAMES_SHOWN])[:255]
    with database.atomic():
        ban = Ban.get_or_none((Ban.address == address) & (Ban.username == data.username))
        if ban is None:
            ban = Ban(address=address, username=data.username, created_at=now)
        ban.service, ban.reason, ban.failures, ban.usernames = data.service, data.reason, data.failures, usernames
        ban.expires_at = max(expires_at, ban.expires_at or expires_at)
        # A user name's block is the endpoint's realtime row, rewritten right after this commit;
        # an address's is in force once the daemon has put it in the kernel's set.
        ban.enforced = bool(data.username) and engine_sync.configured_engine() is not None
        ban.save()
        audit.record(actor, "ban.add", "ban", ban.id, _label(ban), after=_snapshot(ban))
        if data.username:
            engine_sync.request(usernames=[data.username], files=False)
    return ban


def get_ban(ban_id):
    """Return the ban ``ban_id``; raise NotFound when it is gone (lifted or expired)."""
    ban = Ban.get_or_none(Ban.id == ban_id)
    if ban is None:
        raise NotFound(N_("This block no longer exists."))
    return ban


def list_bans(now=None):
    """Return the bans in force, newest first."""
    return Ban.active(now)


def lift(ban_id, actor):
    """Unblock now: delete the row (the daemon takes the address out of the kernel within a second)."""
    with database.atomic():
        ban = get_ban(ban_id)
        ban.delete_instance()
        audit.record(actor, "ban.lift", "ban", ban_id, _label(ban), before=_snapshot(ban))
        if ban.username:
            engine_sync.request(usernames=[ban.username], files=False)
    return ban


def expire(now=None):
    """Delete the bans whose time is up; return them. Their user names are let back into Asterisk."""
    now = now or utcnow()
    done = list(Ban.select().where(Ban.expires_at <= now))  # the daemon asks every second: usually none
    if done:
        with database.atomic():
            Ban.delete().where(Ban.id.in_([ban.id for ban in done])).execute()
            usernames = sorted({ban.username for ban in done if ban.username})
            if usernames:
                engine_sync.request(usernames=usernames, files=False)
    return done


def mark_enforced(ban_ids, enforced):
    """Record whether the kernel holds these address bans (the daemon, after changing its set)."""
    if ban_ids:
        Ban.update(enforced=enforced).where(Ban.id.in_(list(ban_ids)) & (Ban.enforced != enforced)).execute()

