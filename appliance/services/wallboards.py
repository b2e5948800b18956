"""TV wallboards: read-only links (a secret in the URL) to the live state of chosen queues, revocable.

Only the SHA-256 of a link's secret is stored (shown once, at creation, like API tokens); a
revoked link answers 404 at once and its open stream ends at its next update. A link shows the
queues' tiles only — no agent names, no callers' numbers — so a TV in a hall leaks nothing.
"""
import hashlib
import secrets

from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.callcenter import WallboardToken
from appliance.models.queues import Queue
from appliance.models.users import utcnow
from appliance.services import audit

PREFIX = "tv_"


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def list_wallboards():
    """Return every wallboard link, newest first (revoked ones too)."""
    return list(WallboardToken.select().order_by(WallboardToken.id.desc()))


def create(name, queue_ids, actor):
    """Create a wallboard link named ``name`` showing ``queue_ids``; return ``(row, secret)`` (shown once)."""
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 64:
        errors["name"] = (N_("Give the wallboard a name of 1 to 64 characters."), {})
    wanted = sorted({int(queue_id) for queue_id in queue_ids})
    known = {queue.id for queue in Queue.select(Queue.id).where(Queue.id.in_(wanted))}
    if not wanted or set(wanted) - known:
        errors["queues"] = (N_("Choose at least one queue from the list."), {})
    if errors:
        raise ValidationError(errors)
    secret = PREFIX + secrets.token_urlsafe(24)
    with database.atomic():
        row = WallboardToken.create(name=name, token_hash=_hash(secret), queues=",".join(map(str, wanted)),
                                    created_at=utcnow())
        audit.record(actor, "wallboard.create", "wallboard", row.id, name, after={"queues": wanted})
    return row, secret


def revoke(wallboard_id, actor):
    """Revoke a wallboard link: its page and stream stop answering."""
    row = WallboardToken.get_or_none(WallboardToken.id == wallboard_id)
    if row is None:
        raise NotFound(N_("Wallboard not found."))
    if row.revoked_at is None:
        with database.atomic():
            row.revoked_at = utcnow()
            row.save()
            audit.record(actor, "wallboard.revoke", "wallboard", row.id, row.name)


def lookup(secret):
    """Return the live (not revoked) wallboard of ``secret``, or None."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 80:
        return None
    return WallboardToken.get_or_none((WallboardToken.token_hash == _hash(secret))
                                      & WallboardToken.revoked_at.is_null())


def queues_of(wallboard):
    """Return the queues a wallboard shows (those still existing), by number."""
    return list(Queue.select().where(Queue.id.in_(wallboard.queue_ids)).order_by(Queue.number))
