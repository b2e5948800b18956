"""Guests in conference rooms: time-limited invitation links, the guest's name, a short-lived browser login.

An admin issues a link for one room; it is a JWT (HS256, PyJWT) signed with a key derived from
the app's SECRET_KEY, scoped to the room (``sub`` its id, ``room`` its number), with ``exp``. The
link holds no secret of the room (no PIN): whoever has it may enter until it expires, which is what
an invitation means. A guest who opens it gives a name and gets a ConferenceGuest: a SIP login for
the browser phone, valid for this room only (the dialplan checks it) and ending no later than the
link. Nothing is stored per link: expiry is in the token, every use is audited with its ``jti``.
"""
import datetime
import hashlib
import hmac
import re
import secrets

import jwt

from appliance.asterisk.confgen.conferences import GuestLoginRow
from appliance.db import database
from appliance.errors import DomainError, ValidationError
from appliance.i18n import N_
from appliance.models.conferences import ConferenceGuest, ConferenceRoom
from appliance.services import Actor, audit, engine_sync
from appliance.services.conferences import get_room

ISSUER = "centralina"
AUDIENCE = "centralina:conference-guest"
ALGORITHM = "HS256"
#: The longest an admin may make a link last: 30 days.
MAX_LINK_HOURS = 24 * 30
#: Guests one link may let in while their logins last: a link posted publicly cannot fill the table.
MAX_GUESTS_PER_LINK = 50
#: A guest's name: shown to the others as caller ID, so no quotes, angle brackets or control characters.
GUEST_NAME = re.compile(r'[^"<>\\;\x00-\x1f\x7f]{1,40}')


class GuestLinkRefused(DomainError):
    """The invitation link is expired, altered, or for a room that is gone."""


def _key(secret):
    """Derive the links' signing key from the app secret: a leaked link key never signs sessions."""
    return hmac.new(secret.encode(), b"centralina conference guest links v1", hashlib.sha256).digest()


def _now():
    return datetime.datetime.now(datetime.UTC)


def _naive(moment):
    """Rows keep UTC without a zone, like every other table."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def issue_link(room_id, hours, actor, secret, now=None):
    """Return ``(token, expires_at)``: an invitation to room ``room_id`` valid for ``hours``; audited."""
    now = now or _now()
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= MAX_LINK_HOURS:
        raise ValidationError.one("hours", N_("Use %(low)d to %(high)d hours."), low=1, high=MAX_LINK_HOURS)
    with database.atomic():
        room = get_room(room_id)
        expires_at = now + datetime.timedelta(hours=hours)
        link_id = secrets.token_urlsafe(12)
        token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": str(room.id), "room": room.number,
                            "iat": int(now.timestamp()), "exp": int(expires_at.timestamp()), "jti": link_id},
                           _key(secret), algorithm=ALGORITHM)
        audit.record(actor, "conference.guest_link", "conference", room.id, room.number,
                     after={"link": link_id, "expires_at": expires_at.isoformat(timespec="seconds")})
    return token, expires_at


def verify_link(token, secret, now=None):
    """Return ``(room, claims)`` of a valid invitation ``token``; raise GuestLinkRefused otherwise.

    Every claim a link must carry is required (iss, aud, sub, room, iat, exp, jti); the signature
    must be HS256 with our key (no ``none``, no other algorithm); ``exp`` is checked without leeway.
    """
    now = now or _now()
    try:
        claims = jwt.decode(token or "", _key(secret), algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                            options={"require": ["iss", "aud", "sub", "iat", "exp", "jti", "room"],
                                     "verify_exp": False})
    except jwt.InvalidTokenError as exc:
        raise GuestLinkRefused(N_("This invitation link is not valid.")) from exc
    # Checked here, against ``now``, so tests and the page agree on the instant.
    if claims["exp"] <= now.timestamp():
        raise GuestLinkRefused(N_("This invitation link has expired."))
    room = ConferenceRoom.get_or_none(ConferenceRoom.id == int(claims["sub"])) if claims["sub"].isdigit() else None
    # A renumbered room's old links stop: the number is what the guest was told.
    if room is None or room.number != claims["room"]:
        raise GuestLinkRefused(N_("This invitation link is not valid."))
    return room, claims


def admit(token, name, secret, pass_minutes, now=None):
    """Let a guest called ``name`` in through ``token``: return their ConferenceGuest (a SIP login for this room)."""
    now = now or _now()
    room, claims = verify_link(token, secret, now)
    name = " ".join((name or "").split())
    if not GUEST_NAME.fullmatch(name):
        raise ValidationError.one("name", N_("Enter your name (up to 40 characters, no quotes or < >)."))
    link_expiry = datetime.datetime.fromtimestamp(claims["exp"], datetime.UTC)
    expires_at = min(link_expiry, now + datetime.timedelta(minutes=int(pass_minutes)))
    with database.atomic():
        admitted = valid_guests(now).where(ConferenceGuest.link_id == claims["jti"]).count()
        if admitted >= MAX_GUESTS_PER_LINK:
            raise GuestLinkRefused(N_("This invitation link has let in as many guests as it may."))
        guest = ConferenceGuest.create(room=room, name=name, sip_username=f"guest-{secrets.token_hex(6)}",
                                       sip_password=secrets.token_urlsafe(24), link_id=claims["jti"],
                                       created_at=_naive(now), expires_at=_naive(expires_at))
        # The login works once its rows are in the engine's realtime tables (after the commit).
        engine_sync.request([], files=False, guests=True)
        audit.record(Actor.system("guest link"), "conference.guest_join", "conference", room.id, room.number,
                     after={"guest": name, "link": claims["jti"], "login": guest.sip_username,
                            "expires_at": expires_at.isoformat(timespec="seconds")})
    return guest


def engine_logins(now=None):
    """Return the valid guests as GuestLoginRows: the browser logins the engine's realtime rows hold."""
    return tuple(GuestLoginRow(guest.sip_username, guest.sip_password, guest.name, guest.room.number)
                 for guest in valid_guests(now).join(ConferenceRoom))


def valid_guests(now=None):
    """Return the guests whose login still works (what the engine's guest endpoints are made from)."""
    now = _naive(now or _now())
    return ConferenceGuest.select().where(ConferenceGuest.expires_at > now).order_by(ConferenceGuest.id)


def forget_expired(now=None):
    """Delete guests whose login has expired, and their logins from the engine; return how many."""
    now = _naive(now or _now())
    with database.atomic():
        gone = ConferenceGuest.delete().where(ConferenceGuest.expires_at <= now).execute()
        if gone:
            engine_sync.request([], files=False, guests=True)
    return gone
