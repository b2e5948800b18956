"""Render confbridge.conf and the rooms' dialplan: the number people dial, the PIN prompt, ConfBridge().

A room is ConfBridge's conference ``c<id>`` (names.conference_name) with three profiles of its own:
``c<id>-bridge`` (size, video mode), ``c<id>-user`` and ``c<id>-moderator``. The dialplan asks one PIN
and picks the profile from it, so a moderator types their own PIN where others type theirs: the
moderator profile is ConfBridge's *marked* admin user, whom ``wait_marked`` participants wait for.
Browser participants send video; ``video_mode = sfu`` relays every stream to every other participant
(notes/provisioning-webrtc-jitsi.md B.3.1), which is why the bridge profile says so.
"""
import re
from dataclasses import dataclass

from appliance.asterisk.names import (
    CONFERENCE_GUEST_CONTEXT,
    CONFERENCES_CONTEXT,
    GUEST_ROOM_VARIABLE,
    conference_name,
)

from .asterisk import HEADER
from .dialplan import Context, at
from .pjsip import webrtc_options
from .types import _DISPLAY_NAME, _EXTENSION

#: PINs are digits only: they are compared in the dialplan and typed on a keypad.
PIN = re.compile(r"[0-9]{1,12}")
#: Wrong PINs a caller may type before the call ends.
PIN_ATTEMPTS = 3
#: Seconds the PIN prompt waits for a key.
PIN_TIMEOUT = 8


@dataclass(frozen=True)
class ConferenceRow:
    """A room as the compiler needs it (appliance/models/conferences.ConferenceRoom)."""

    id: int
    number: str
    name: str
    pin: str = ""
    moderator_pin: str = ""
    wait_for_moderator: bool = False
    max_members: int = 0
    video: bool = True
    announce: bool = True

    def __post_init__(self):
        if not isinstance(self.id, int) or self.id <= 0:
            raise ValueError(f"invalid room id {self.id!r}")
        if not _EXTENSION.fullmatch(self.number):
            raise ValueError(f"invalid room number {self.number!r}")
        if not _DISPLAY_NAME.fullmatch(self.name):
            raise ValueError(f"invalid room name {self.name!r}")
        for pin in (self.pin, self.moderator_pin):
            if pin and not PIN.fullmatch(pin):
                raise ValueError("a PIN is 1 to 12 digits")
        if self.pin and self.pin == self.moderator_pin:
            raise ValueError("the moderator PIN must differ from the participants' PIN")
        if self.wait_for_moderator and not self.moderator_pin:
            raise ValueError("waiting for a moderator needs a moderator PIN")
        if not 0 <= self.max_members <= 1000:
            raise ValueError("max_members must be 0..1000")

    @property
    def bridge(self):
        """Return ConfBridge's conference name."""
        return conference_name(self.id)


def profiles(room):
    """Return ``(bridge, user, moderator)``: the names of ``room``'s three profiles."""
    return f"{room.bridge}-bridge", f"{room.bridge}-user", f"{room.bridge}-moderator"


def _section(name, comment, items):
    return [f"[{name}]", f"; {comment}", *(f"{key} = {value}" for key, value in items), ""]


def render_confbridge_conf(rooms):
    """Return confbridge.conf: each room's bridge, participant and moderator profiles."""
    lines = [HEADER.rstrip("\n"), "", "[general]", ""]
    for room in sorted(rooms, key=lambda r: r.id):
        bridge, user, moderator = profiles(room)
        quiet = "no" if room.announce else "yes"
        lines += _section(bridge, f"Room {room.number} {room.name}", [
            ("type", "bridge"),
            *([("max_members", room.max_members)] if room.max_members else []),
            # Every participant's video goes to every other one (browser participants); phones send none.
            ("video_mode", "sfu" if room.video else "none"),
            # Join, leave and talking events for WebRTC clients (in-dialog MESSAGE) if their profile asks.
            ("enable_events", "yes" if room.video else "no"),
        ])
        lines += _section(user, "Participants", [
            ("type", "user"),
            ("quiet", quiet),
            ("announce_user_count", "no"),
            ("music_on_hold_when_empty", "yes"),
            *([("wait_marked", "yes"), ("end_marked", "no")] if room.wait_for_moderator else []),
            # Video without the jitter buffer, which puts audio behind video (confbridge.conf.sample).
            ("jitterbuffer", "no"),
        ])
        lines += _section(moderator, "Moderators: the marked user participants may wait for", [
            ("type", "user"),
            ("quiet", quiet),
            ("admin", "yes"),
            ("marked", "yes"),
            ("music_on_hold_when_empty", "yes"),
            ("jitterbuffer", "no"),
        ])
    return "\n".join(lines).rstrip("\n") + "\n"


def _room_steps(room):
    bridge, user, moderator = profiles(room)
    enter_user = f"ConfBridge({room.bridge},{bridge},{user})"
    enter_moderator = f"ConfBridge({room.bridge},{bridge},{moderator})"
    if not room.pin and not room.moderator_pin:
        return ["Answer()", enter_user, "Hangup()"]
    typed = "${CN_PIN}"
    # After a wrong PIN the next prompt says so; keys typed during any prompt count (Read, not Playback).
    steps = ["Answer()", "Set(CN_TRIES=0)", "Set(CN_PROMPT=conf-getpin)",
             at("pin", f"Read(CN_PIN,${{CN_PROMPT}},12,,1,{PIN_TIMEOUT})")]
    if room.moderator_pin:
        steps.append(f'GotoIf($["{typed}" = "{room.moderator_pin}"]?moderator)')
    # No participants' PIN: an empty answer (just #, or the time out) enters as a participant.
    steps += [f'GotoIf($["{typed}" = "{room.pin}"]?user)',
              "Set(CN_TRIES=$[${CN_TRIES} + 1])",
              "Set(CN_PROMPT=conf-invalidpin&conf-getpin)",
              f"GotoIf($[${{CN_TRIES}} < {PIN_ATTEMPTS}]?pin)",
              "Playback(conf-invalidpin)",
              "Hangup()"]
    if room.moderator_pin:
        steps += [at("moderator", enter_moderator), "Hangup()"]
    steps += [at("user", enter_user), "Hangup()"]
    return steps


def conference_context(rooms):
    """Return the context of every room's number: PIN, then the room."""
    context = Context(CONFERENCES_CONTEXT, "Conference rooms: one PIN prompt, the PIN typed picks the profile.")
    for room in sorted(rooms, key=lambda r: (len(r.number), r.number)):
        context.exten(room.number, *_room_steps(room))
    return context


def guest_context(rooms):
    """Return the context guests' browser logins call from: their one room, as a participant, without a PIN.

    The invitation link stood in for the PIN (services/conference_guests.py); the login's endpoint sets
    ``CN_GUEST_ROOM`` to the room's number, so a guest dialling another room's number is refused.
    """
    context = Context(CONFERENCE_GUEST_CONTEXT, "Guests from invitation links: only the room their login names.")
    for room in sorted(rooms, key=lambda r: (len(r.number), r.number)):
        bridge, user, _ = profiles(room)
        context.exten(room.number,
                      f'GotoIf($["${{{GUEST_ROOM_VARIABLE}}}" != "{room.number}"]?refused)',
                      "Answer()", f"ConfBridge({room.bridge},{bridge},{user})", "Hangup()",
                      at("refused", "Hangup(21)"))
    context.exten("_X.", "Hangup(21)")
    return context


#: Every conference guest's login starts so (the realtime rows a guest sync may touch).
GUEST_PREFIX = "guest-"


@dataclass(frozen=True)
class GuestLoginRow:
    """A conference guest's browser login (appliance/models/conferences.ConferenceGuest) and its room's number."""

    username: str
    password: str
    display_name: str
    room_number: str

    def __post_init__(self):
        if not re.fullmatch(GUEST_PREFIX + r"[0-9a-f]{12}", self.username):
            raise ValueError(f"invalid guest login {self.username!r}")
        if not _EXTENSION.fullmatch(self.room_number):
            raise ValueError(f"invalid room number {self.room_number!r}")
        if not _DISPLAY_NAME.fullmatch(self.display_name) or not self.password:
            raise ValueError("invalid guest name or password")


def guest_login_rows(guests, media_address=None):
    """Return ``{table: [row]}``: each guest's WebRTC endpoint, auth and AOR (realtime rows, like a device's).

    ``webrtc = yes`` (DTLS-SRTP, ICE, AVPF, rtcp-mux: notes/webrtc.md) and the one room the login may enter.
    """
    rows = {"ps_endpoints": [], "ps_aors": [], "ps_auths": []}
    media = {"media_address": media_address, "bind_rtp_to_media_address": "yes"} if media_address else {}
    for guest in sorted(guests, key=lambda g: g.username):
        name = guest.username
        rows["ps_endpoints"].append({
            # A browser login like a browser phone's (WebSocket transport, DTLS, ICE, the RTP timeout)...
            **webrtc_options(),
            "id": name, "aors": name, "auth": name, "context": CONFERENCE_GUEST_CONTEXT,
            "callerid": f'"{guest.display_name}" <{name}>', "disallow": "all", "allow": "opus,ulaw,alaw,vp8",
            "identify_by": "username", "direct_media": "no",
            # ...that may enter one room only.
            "set_var": f"{GUEST_ROOM_VARIABLE}={guest.room_number}", **media})
        rows["ps_aors"].append({"id": name, "max_contacts": 1, "remove_existing": "yes"})
        rows["ps_auths"].append({"id": name, "auth_type": "userpass", "username": name, "password": guest.password})
    return rows


def internal_numbers(rooms):
    """Return ``[(number, step)]``: each room's number in the internal context, sent to its room."""
    return [(room.number, f"Goto({CONFERENCES_CONTEXT},{room.number},1)")
            for room in sorted(rooms, key=lambda r: (len(r.number), r.number))]


def contexts(source):
    """Return the rooms' dialplan contexts for an EngineInput ``source``."""
    return conference_context(source.conferences), guest_context(source.conferences)


__all__ = ["ConferenceRow", "GuestLoginRow", "conference_context", "contexts", "guest_context", "guest_login_rows",
           "internal_numbers", "profiles",
           "render_confbridge_conf"]
