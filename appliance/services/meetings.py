"""Jitsi Meet meetings: signed links (JWT, PyJWT), e-mail invitations with an .ics, a dial-in PIN.

When JITSI_URL is set, an admin creates a meeting (title, time, invitees); each invitee gets a
link of their own: ``<JITSI_URL>/<room>?jwt=<token>``, the token HS256-signed with the
app_secret that Prosody's token auth shares (jitsi-meet-tokens; lib-jitsi-meet doc/tokens.md):
``iss`` our app_id, ``aud`` "jitsi", ``sub`` the Jitsi domain, ``room`` this meeting's room only,
``nbf``/``exp`` the meeting's time with a margin, and ``context.user`` with the name, e-mail and
moderator flag (the organiser only). Phones reach the meeting through jigasi (confgen/jitsi.py).
"""
import datetime
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import jwt
import vobject

from appliance.db import database
from appliance.errors import NotFound, Unavailable, ValidationError
from appliance.i18n import N_, translations
from appliance.models.meetings import JitsiMeeting
from appliance.services import audit, engine_sync, mail

AUDIENCE = "jitsi"
ALGORITHM = "HS256"
MAX_INVITEES = 50
DURATION_MINUTES = (5, 24 * 60)
TITLE = re.compile(r"[^\x00-\x1f\x7f]{1,120}")
DIALIN_PIN_DIGITS = 6


class JitsiOff(Unavailable):
    """No Jitsi server is configured."""


@dataclass(frozen=True)
class JitsiConfig:
    """The Jitsi server and the token secret it shares with us (settings JITSI_*)."""

    url: str = ""
    app_id: str = ""
    app_secret: str = ""
    margin_minutes: int = 30
    dialin_number: str = ""

    @classmethod
    def from_settings(cls, conf):
        """Read JITSI_* from the app's settings."""
        return cls(url=(conf.get("JITSI_URL") or "").rstrip("/"), app_id=conf.get("JITSI_APP_ID") or "",
                   app_secret=conf.get("JITSI_APP_SECRET") or "",
                   margin_minutes=int(conf.get("JITSI_LINK_MARGIN_MINUTES") or 30),
                   dialin_number=conf.get("JITSI_DIALIN_NUMBER") or "")

    @property
    def enabled(self):
        """Tell whether meetings can be made: a https URL, an app_id and a secret."""
        return bool(self.url.startswith("https://") and self.app_id and self.app_secret)

    @property
    def domain(self):
        """Return the Jitsi host name (the token's ``sub``)."""
        return urlsplit(self.url).hostname or ""


@dataclass
class MeetingInput:
    """What an admin types for a meeting; ``starts_at`` an aware datetime."""

    title: str
    starts_at: datetime.datetime
    duration_minutes: int = 60
    organizer_email: str = ""
    invitees: list = field(default_factory=list)


#: The years a meeting may start in.
MEETING_YEARS = (2000, 2999)


def _require(config):
    if not config.enabled:
        raise JitsiOff(N_("No Jitsi Meet server is configured."))


def _utc(moment):
    """Rows keep UTC without a zone."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def get_meeting(meeting_id):
    """Return the meeting with ``meeting_id`` or raise NotFound."""
    meeting = JitsiMeeting.get_or_none(JitsiMeeting.id == meeting_id)
    if meeting is None:
        raise NotFound(N_("Meeting not found."))
    return meeting


def list_meetings():
    """Return every meeting, the next first."""
    return JitsiMeeting.select().order_by(JitsiMeeting.starts_at.desc())


def invitees_of(meeting):
    """Return the invitees' addresses."""
    return [line for line in meeting.invitees.splitlines() if line]


def _validate(data, errors):
    data.title = " ".join((data.title or "").split())
    if not TITLE.fullmatch(data.title):
        errors["title"] = (N_("Enter a title of up to %(max)d characters."), {"max": 120})
    if not isinstance(data.starts_at, datetime.datetime):
        errors["starts_at"] = (N_("Enter the date and time the meeting starts."), {})
    elif not MEETING_YEARS[0] <= data.starts_at.year <= MEETING_YEARS[1]:
        # A year 1 or 9999 start overflowed the UTC conversion and the end time (a 500, found by schemathesis).
        errors["starts_at"] = (N_("Choose a date between the years %(first)d and %(last)d."),
                               {"first": MEETING_YEARS[0], "last": MEETING_YEARS[1]})
    try:
        data.duration_minutes = int(data.duration_minutes)
    except (TypeError, ValueError):
        data.duration_minutes = 0
    if not DURATION_MINUTES[0] <= data.duration_minutes <= DURATION_MINUTES[1]:
        errors["duration_minutes"] = (N_("Use %(low)d to %(high)d minutes."),
                                      {"low": DURATION_MINUTES[0], "high": DURATION_MINUTES[1]})
    data.organizer_email = (data.organizer_email or "").strip()
    if data.organizer_email and not mail.valid_address(data.organizer_email):
        errors["organizer_email"] = (N_("Enter a valid e-mail address, like pbx@example.com."), {})
    invitees = list(dict.fromkeys(address.strip() for address in data.invitees if address.strip()))
    bad = [address for address in invitees if not mail.valid_address(address)]
    if bad:
        errors["invitees"] = (N_("Not an e-mail address: %(addresses)s."), {"addresses": ", ".join(bad[:5])})
    elif len(invitees) > MAX_INVITEES:
        errors["invitees"] = (N_("Invite at most %(max)d people."), {"max": MAX_INVITEES})
    data.invitees = invitees


def _new_pin():
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(DIALIN_PIN_DIGITS))
        if pin[0] != "0" and not JitsiMeeting.select().where(JitsiMeeting.dialin_pin == pin).exists():
            return pin


def save_meeting(data, actor, config, now=None):
    """Create a meeting with a random room name and dial-in PIN; the dial-in dialplan follows."""
    _require(config)
    errors = {}
    _validate(data, errors)
    if errors:
        raise ValidationError(errors)
    now = now or datetime.datetime.now(datetime.UTC)
    with database.atomic():
        starts_at = _utc(data.starts_at)
        meeting = JitsiMeeting.create(
            title=data.title, room_name=f"cn{secrets.token_hex(8)}", starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=data.duration_minutes), dialin_pin=_new_pin(),
            invitees="\n".join(data.invitees), organizer_email=data.organizer_email, created_at=_utc(now))
        audit.record(actor, "meeting.create", "meeting", meeting.id, meeting.title,
                     after={"room": meeting.room_name, "starts_at": meeting.starts_at.isoformat(),
                            "minutes": data.duration_minutes, "invitees": len(data.invitees)})
        engine_sync.request([], files=True)
    return meeting


def delete_meeting(meeting_id, actor):
    """Delete a meeting (links already sent keep working until they expire: they are signed, not stored)."""
    with database.atomic():
        meeting = get_meeting(meeting_id)
        audit.record(actor, "meeting.delete", "meeting", meeting.id, meeting.title)
        meeting.delete_instance()
        engine_sync.request([], files=True)


def meeting_token(meeting, config, name, email="", moderator=False):
    """Return the JWT for one person in ``meeting``: room-scoped, valid from before the start to after the end."""
    _require(config)
    margin = datetime.timedelta(minutes=config.margin_minutes)
    start = meeting.starts_at.replace(tzinfo=datetime.UTC) - margin
    end = meeting.ends_at.replace(tzinfo=datetime.UTC) + margin
    claims = {"iss": config.app_id, "aud": AUDIENCE, "sub": config.domain, "room": meeting.room_name,
              "nbf": int(start.timestamp()), "exp": int(end.timestamp()),
              "context": {"user": {"name": name, "email": email, "moderator": "true" if moderator else "false",
                                   # Prosody's token_affiliation reads this one.
                                   "affiliation": "owner" if moderator else "member"}}}
    return jwt.encode(claims, config.app_secret, algorithm=ALGORITHM)


def verify_token(token, config, room_name, now=None):
    """Return the claims of a meeting token as Prosody would accept it (our tests and support use this)."""
    claims = jwt.decode(token, config.app_secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=config.app_id,
                        options={"require": ["iss", "aud", "sub", "room", "nbf", "exp", "context"],
                                 "verify_exp": False, "verify_nbf": False})
    moment = (now or datetime.datetime.now(datetime.UTC)).timestamp()
    if not claims["nbf"] <= moment < claims["exp"]:
        raise jwt.ExpiredSignatureError("outside the meeting's time")
    if claims["room"] != room_name or claims["sub"] != config.domain:
        raise jwt.InvalidTokenError("another room or server")
    return claims


def meeting_link(meeting, config, name, email="", moderator=False):
    """Return one person's link to the meeting."""
    return f"{config.url}/{meeting.room_name}?jwt={meeting_token(meeting, config, name, email, moderator)}"


def invitation_ics(meeting, config, link):
    """Return an iCalendar REQUEST for ``meeting`` pointing at ``link`` (and the dial-in, when there is one)."""
    calendar = vobject.iCalendar()
    calendar.add("method").value = "REQUEST"
    calendar.add("prodid").value = "-//Centralina//Meetings//EN"
    event = calendar.add("vevent")
    event.add("uid").value = f"{meeting.room_name}@{config.domain}"
    utc = vobject.icalendar.utc  # vobject writes its own UTC as "…Z"; it cannot name datetime.UTC
    event.add("dtstamp").value = datetime.datetime.now(utc)
    event.add("dtstart").value = meeting.starts_at.replace(tzinfo=utc)
    event.add("dtend").value = meeting.ends_at.replace(tzinfo=utc)
    event.add("summary").value = meeting.title
    event.add("location").value = link
    event.add("url").value = link
    description = link
    if config.dialin_number:
        description += f"\n{config.dialin_number} PIN {meeting.dialin_pin}"
    event.add("description").value = description
    if meeting.organizer_email:
        event.add("organizer").value = f"mailto:{meeting.organizer_email}"
    return calendar.serialize()


def send_invitations(meeting_id, config, actor, language="pt_BR"):
    """E-mail each invitee their own link with the meeting as an .ics; return how many were sent."""
    _require(config)
    meeting = get_meeting(meeting_id)
    _ = translations(language).gettext
    sent = 0
    for address in invitees_of(meeting):
        moderator = address == meeting.organizer_email
        link = meeting_link(meeting, config, address.partition("@")[0], address, moderator)
        body = _(N_("You are invited to %(title)s on %(when)s (UTC).\n\nJoin: %(link)s")) % {
            "title": meeting.title, "when": meeting.starts_at.strftime("%Y-%m-%d %H:%M"), "link": link}
        if config.dialin_number:
            body += "\n" + _(N_("By phone: dial %(number)s and type %(pin)s.")) % {
                "number": config.dialin_number, "pin": meeting.dialin_pin}
        message = mail.new_message(address, meeting.title, body)
        message.add_attachment(invitation_ics(meeting, config, link).encode(), maintype="text", subtype="calendar",
                               filename="invite.ics", params={"method": "REQUEST"})
        mail.send(message)
        sent += 1
    with database.atomic():
        audit.record(actor, "meeting.invite", "meeting", meeting.id, meeting.title, after={"sent": sent})
    return sent
