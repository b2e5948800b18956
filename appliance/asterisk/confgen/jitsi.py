"""Render jigasi's SIP login and the dial-in dialplan that sends phone callers into Jitsi meetings.

jigasi "registers as a SIP client" (jitsi/jigasi README): on our Asterisk it is one endpoint with an
auth and an AOR, like a device, whose calls we place and never take. A caller dials the dial-in
number, types the meeting's PIN, and the call goes to jigasi with a ``Jitsi-Conference-Room``
header naming the meeting's room (notes/provisioning-webrtc-jitsi.md B.3.2), added on the outgoing
leg by a pre-dial handler.
"""
import re
from dataclasses import dataclass

from .dialplan import Context, Note, at

#: jigasi's endpoint, AOR and auth id; the user name jigasi's sip-communicator.properties registers with.
JIGASI = "jigasi"
DIALIN_CONTEXT = "cn-jitsi-dialin"
PINS_CONTEXT = "cn-jitsi-pins"
HEADER_CONTEXT = "cn-jitsi-header"
#: What jigasi's own outgoing calls reach: nothing (phone-out from Jitsi is not offered).
FROM_JIGASI_CONTEXT = "cn-from-jigasi"
ROOM = re.compile(r"[a-z0-9]{1,64}")
PIN = re.compile(r"[1-9][0-9]{3,7}")


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the dial-in needs it: its PIN and its room's name on the Jitsi server."""

    pin: str
    room_name: str

    def __post_init__(self):
        if not PIN.fullmatch(self.pin):
            raise ValueError(f"invalid dial-in PIN {self.pin!r}")
        if not ROOM.fullmatch(self.room_name):
            raise ValueError(f"invalid Jitsi room name {self.room_name!r}")


def jigasi_rows(password, media_address=None):
    """Return ``{table: [row]}``: jigasi's endpoint, AOR and auth (realtime rows, like a device's)."""
    if not password:
        return {"ps_endpoints": [], "ps_aors": [], "ps_auths": []}
    media = {"media_address": media_address, "bind_rtp_to_media_address": "yes"} if media_address else {}
    return {
        "ps_endpoints": [{"id": JIGASI, "aors": JIGASI, "auth": JIGASI, "context": FROM_JIGASI_CONTEXT,
                          "disallow": "all", "allow": "opus,ulaw,alaw", "direct_media": "no",
                          "rtp_symmetric": "yes", "force_rport": "yes", "rewrite_contact": "yes",
                          "dtmf_mode": "rfc4733", "identify_by": "username", **media}],
        "ps_aors": [{"id": JIGASI, "max_contacts": 1, "remove_existing": "yes", "qualify_frequency": 30}],
        "ps_auths": [{"id": JIGASI, "auth_type": "userpass", "username": JIGASI, "password": password}],
    }


def internal_numbers(dialin_number):
    """Return ``[(number, step)]``: the dial-in number in the internal context, sent to the PIN prompt."""
    return [(dialin_number, f"Goto({DIALIN_CONTEXT},{dialin_number},1)")] if dialin_number else []


def contexts(dialin_number, meetings):
    """Return the dial-in contexts: the number asks a PIN; each meeting's PIN dials jigasi with its room."""
    if not dialin_number:
        return ()
    dialin = Context(DIALIN_CONTEXT, "Jitsi dial-in: the meeting's PIN, then jigasi.")
    dialin.exten(dialin_number, "Answer()", "Set(CN_TRIES=0)",
                 at("pin", "Read(CN_PIN,conf-getpin,8,,1,8)"),
                 f"GotoIf($[${{DIALPLAN_EXISTS({PINS_CONTEXT},${{CN_PIN}},1)}}]?{PINS_CONTEXT},${{CN_PIN}},1)",
                 "Set(CN_TRIES=$[${CN_TRIES} + 1])", "Playback(conf-invalidpin)",
                 "GotoIf($[${CN_TRIES} < 3]?pin)", "Hangup()")
    pins = Context(PINS_CONTEXT, "One extension per meeting: its PIN.")
    for meeting in sorted(meetings, key=lambda m: m.pin):
        pins.exten(meeting.pin, Note(f"room {meeting.room_name}"),
                   f"Dial(PJSIP/{JIGASI},60,b({HEADER_CONTEXT}^s^1({meeting.room_name})))", "Hangup()")
    header = Context(HEADER_CONTEXT, "Pre-dial handler on the leg to jigasi: which room to join.")
    header.exten("s", "Set(PJSIP_HEADER(add,Jitsi-Conference-Room)=${ARG1})", "Return()")
    from_jigasi = Context(FROM_JIGASI_CONTEXT, "jigasi places no calls through us.")
    from_jigasi.exten("_X.", "Hangup(21)")
    return dialin, pins, header, from_jigasi
