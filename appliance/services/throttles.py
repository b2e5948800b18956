"""Attempt counters in the database, so every web worker (and a restarted one) sees the same counts.

Two shapes: ``note_failure`` counts failures and answers with a wait that doubles per failure
(logins); ``hit`` counts uses in a fixed window (click-to-call). Each count is one upsert, so two
workers counting at once never lose a count.
"""
import datetime
from dataclasses import dataclass

from peewee import Case

from appliance.db import database
from appliance.models.throttles import Throttle
from appliance.models.users import utcnow

#: Doubling stops here (2**30 times the first delay is past any sane maximum anyway).
MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Backoff:
    """How failures against a key turn into waits."""

    #: Failures allowed before the first wait.
    free: int
    #: The first wait in seconds; each further failure doubles it, up to ``max_delay``.
    first_delay: float
    max_delay: float
    #: Seconds without a failure after which the count starts again.
    forget_after: float

    def delay(self, failures):
        """Return the wait in seconds earned by the ``failures``-th failure (0 while still free)."""
        if failures <= self.free:
            return 0.0
        doublings = min(failures - self.free - 1, MAX_DOUBLINGS)
        return float(min(self.first_delay * 2**doublings, self.max_delay))


def _seconds(delta):
    return max(0.0, delta.total_seconds())


def wait_left(keys, now=None):
    """Return how many seconds the most blocked of ``keys`` must still wait (0.0: none is blocked)."""
    now = now or utcnow()
    until = (Throttle.select(Throttle.blocked_until)
             .where(Throttle.key.in_(list(keys)) & (Throttle.blocked_until > now))
             .order_by(Throttle.blocked_until.desc()).limit(1).scalar())
    return _seconds(until - now) if until else 0.0


def _count(key, now, restart_before):
    """Add one to ``key``'s count, starting again when its last count is older than ``restart_before``.

    Return the row after the count; call inside a transaction.
    """
    stale = Throttle.last_at < restart_before
    (Throttle.insert(key=key, count=1, window_start=now, last_at=now)
     .on_conflict(conflict_target=[Throttle.key],
                  update={Throttle.count: Case(None, [(stale, 1)], Throttle.count + 1),
                          Throttle.window_start: Case(None, [(stale, now)], Throttle.window_start),
                          Throttle.last_at: now})
     .execute())
    return Throttle.get(Throttle.key == key)


def note_failure(key, backoff, now=None):
    """Count one failure against ``key``; return the seconds it must now wait (0.0 while failures are free)."""
    now = now or utcnow()
    with database.atomic():
        row = _count(key, now, now - datetime.timedelta(seconds=backoff.forget_after))
        wait = backoff.delay(row.count)
        if wait:
            Throttle.update(blocked_until=now + datetime.timedelta(seconds=wait)).where(Throttle.key == key).execute()
    return wait


def failures(key):
    """Return the failures counted against ``key`` (0 when none)."""
    return Throttle.select(Throttle.count).where(Throttle.key == key).scalar() or 0


def forget(key):
    """Drop ``key``'s count and wait (a success after failures)."""
    Throttle.delete().where(Throttle.key == key).execute()


def hit(key, limit, window, now=None):
    """Count one use of ``key`` in a fixed window of ``window`` seconds.

    Return 0.0 when the use is within ``limit``, else the seconds until the window ends.
    """
    now = now or utcnow()
    with database.atomic():
        row = _count(key, now, now - datetime.timedelta(seconds=window))
    if row.count <= limit:
        return 0.0
    return max(1.0, _seconds(row.window_start + datetime.timedelta(seconds=window) - now))


def purge(older_than, now=None):
    """Delete counts untouched for ``older_than`` seconds whose wait is over; return how many."""
    now = now or utcnow()
    idle = Throttle.last_at < now - datetime.timedelta(seconds=older_than)
    over = Throttle.blocked_until.is_null() | (Throttle.blocked_until <= now)
    return Throttle.delete().where(idle & over).execute()
