"""Web sessions on the server: a browser holds a random token, the database says whether it is alive.

Logging out deletes the row, so a cookie copied before the logout opens nothing after it. A
session ends when idle for ``SESSION_IDLE_MINUTES`` or older than ``SESSION_MAX_HOURS``, when
its user is disabled, and when the password changes (the users service ends them all).
"""
import datetime
import hashlib
import secrets

from appliance.db import database
from appliance.models.sessions import WebSession
from appliance.models.users import User, utcnow
from appliance.services import audit

#: Bytes of randomness in a session token (256 bits).
TOKEN_BYTES = 32
#: A session's last-seen time is written at most this often (seconds): not one write per request.
TOUCH_EVERY = 60


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetimes(conf):
    return (datetime.timedelta(minutes=conf["SESSION_IDLE_MINUTES"]),
            datetime.timedelta(hours=conf["SESSION_MAX_HOURS"]))


def _alive(conf, now):
    idle, lifetime = _lifetimes(conf)
    return (WebSession.last_seen_at >= now - idle) & (WebSession.created_at >= now - lifetime)


def start(user, address, user_agent, conf):
    """Open a session for ``user``; return its token (the only copy: the row keeps a hash)."""
    now = utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with database.atomic():
        # Sessions nobody will ever use again go when a new one starts: no separate sweeper needed.
        WebSession.delete().where(~_alive(conf, now)).execute()
        WebSession.create(token_hash=_hash(token), user=user.id, created_at=now, last_seen_at=now,
                          address=(address or "")[:64], user_agent=(user_agent or "")[:255])
    return token


def find_alive(token, conf):
    """Return the live WebSession (with its user) that ``token`` opens, or None."""
    if not token:
        return None
    return (WebSession.select(WebSession, User).join(User)
            .where((WebSession.token_hash == _hash(token)) & User.active & _alive(conf, utcnow()))
            .first())


def touch(web_session, conf):
    """Record that ``web_session`` was just used (written at most every TOUCH_EVERY seconds)."""
    now = utcnow()
    idle, _ = _lifetimes(conf)
    # A tiny idle time (tests) needs fresher writes than once a minute to stay honest.
    every = min(datetime.timedelta(seconds=TOUCH_EVERY), idle / 4)
    if now - web_session.last_seen_at >= every:
        WebSession.update(last_seen_at=now).where(WebSession.id == web_session.id).execute()
        web_session.last_seen_at = now


def end(token):
    """End the session ``token`` opens (logout); nothing when it is already gone."""
    if token:
        WebSession.delete().where(WebSession.token_hash == _hash(token)).execute()


def end_all(user_id, actor=None):
    """End every session of a user; audited when ``actor`` asked for it. Return how many ended."""
    with database.atomic():
        count = WebSession.delete().where(WebSession.user == user_id).execute()
        if actor is not None:
            user = User.get_by_id(user_id)
            audit.record(actor, "user.logout_everywhere", "user", user.id, user.username, after={"sessions": count})
    return count


def end_one(session_id, user_id):
    """End one session of ``user_id`` (from their session list); return False when it is not theirs."""
    return WebSession.delete().where((WebSession.id == session_id) & (WebSession.user == user_id)).execute() > 0


def list_alive(user_id, conf):
    """Return the live sessions of a user, the most recently used first."""
    return (WebSession.select()
            .where((WebSession.user == user_id) & _alive(conf, utcnow()))
            .order_by(WebSession.last_seen_at.desc(), WebSession.id.desc()))


def is_current(web_session, token):
    """Tell whether ``web_session`` is the one ``token`` opens."""
    return bool(token) and secrets.compare_digest(web_session.token_hash, _hash(token))
