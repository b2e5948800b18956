"""Plain input rows for the config generators (no database types cross this line)."""
import ipaddress
import re
from dataclasses import dataclass

from appliance.destinations import HANGUP, Destination
from appliance.destinations import parse as parse_destination

from .recording import POLICIES as RECORDING_POLICIES

# Names become sorcery object ids, dialplan tokens and realtime keys: keep them
# to characters that mean nothing to Asterisk's config parser or dialplan
# (';' starts a comment, ',' and '&' split Dial() arguments, '_' starts a pattern).
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,39}")
_EXTENSION = re.compile(r"[0-9]{1,20}")
_CONTEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
# callerid is rendered as "Name" <number>: quotes, angle brackets and control
# characters would let a display name rewrite the number.
_DISPLAY_NAME = re.compile(r'[^"<>\\\x00-\x1f\x7f]{0,64}')


@dataclass(frozen=True)
class SipDevice:
    """One SIP device (a phone or softphone) and the extension number that rings it.

    Several devices may share an extension: a call to the number rings all of them.
    """

    username: str
    password: str
    extension: str
    display_name: str
    context: str = "internal"
    max_contacts: int = 1
    #: Pickup groups this device belongs to: it may answer their calls, and they its.
    pickup_groups: tuple = ()
    #: Whether the extension has a mailbox (message-waiting NOTIFYs to this device).
    voicemail: bool = False
    #: Addresses this device's user name is refused from (blocked after failed logins there).
    refused_from: tuple = ()
    #: The extension's own caller ID for outside calls (E.164; the endpoint's callerid_tag) or "".
    external_callerid: str = ""
    #: A browser phone: SIP over WebSocket, DTLS-SRTP, ICE, opus (else UDP/TCP and G.711).
    webrtc: bool = False

    def __post_init__(self):
        if not _USERNAME.fullmatch(self.username):
            raise ValueError(f"invalid SIP username: {self.username!r}")
        if not _EXTENSION.fullmatch(self.extension):
            raise ValueError(f"extension numbers are 1-20 digits: {self.extension!r}")
        if not _CONTEXT.fullmatch(self.context):
            raise ValueError(f"invalid dialplan context: {self.context!r}")
        if not _DISPLAY_NAME.fullmatch(self.display_name):
            raise ValueError(f"display name has forbidden characters: {self.display_name!r}")
        if not self.password or not self.password.isprintable():
            raise ValueError("password must be non-empty printable text")
        if not 1 <= self.max_contacts <= 20:
            raise ValueError("max_contacts must be 1..20")
        if not all(_GROUP_NAME.fullmatch(name) for name in self.pickup_groups):
            raise ValueError(f"invalid pickup group names: {self.pickup_groups!r}")
        for address in self.refused_from:
            ipaddress.ip_address(address)  # ValueError: an ACL entry is an address, nothing else
        if not _CALLERID.fullmatch(self.external_callerid):
            raise ValueError(f"invalid external caller ID: {self.external_callerid!r}")


_PIN = re.compile(r"[0-9]{4,12}")
_LANGUAGE = re.compile(r"[a-z]{2}(_[A-Z]{2})?")
_GROUP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_DIAL_TARGET = re.compile(r"\+?[0-9]{2,20}")
_CALLERID = re.compile(r"(\+[0-9]{2,19})?")
RING_STRATEGIES = ("ringall", "hunt", "memoryhunt")


@dataclass(frozen=True)
class ExtensionRow:
    """What Asterisk needs at call time about one extension number (a realtime row, no reload)."""

    number: str
    name: str
    voicemail: bool = False
    voicemail_pin: str = ""
    max_calls: int = 2
    ring_seconds: int = 25
    language: str = "pt_BR"
    #: Where its forwards to outside numbers go out: its call profile's context.
    context: str = "internal"
    #: Its own caller ID for outside calls (E.164) or "".
    external_callerid: str = ""
    #: Recording of its calls: "never", "always" or "on_demand" (confgen/recording.py).
    recording: str = "never"
    #: The prompt (id) both parties hear when its policy starts a recording; 0: none (decision 036).
    record_prompt: int = 0

    def __post_init__(self):
        if self.recording not in RECORDING_POLICIES:
            raise ValueError(f"invalid recording policy: {self.recording!r}")
        if not isinstance(self.record_prompt, int) or self.record_prompt < 0:
            raise ValueError(f"invalid announcement prompt: {self.record_prompt!r}")
        if not _EXTENSION.fullmatch(self.number):
            raise ValueError(f"extension numbers are 1-20 digits: {self.number!r}")
        if not _CONTEXT.fullmatch(self.context) or not _CALLERID.fullmatch(self.external_callerid):
            raise ValueError(f"invalid context or caller ID: {self.context!r}, {self.external_callerid!r}")
        if not _DISPLAY_NAME.fullmatch(self.name):
            raise ValueError(f"name has forbidden characters: {self.name!r}")
        if self.voicemail and not valid_pin(self.voicemail_pin):
            # app_voicemail lets anyone into a mailbox whose password is empty.
            raise ValueError("a mailbox needs a 4-12 digit PIN")
        if not 1 <= self.max_calls <= 500 or not 5 <= self.ring_seconds <= 300:
            raise ValueError("max_calls must be 1..500 and ring_seconds 5..300")
        if not _LANGUAGE.fullmatch(self.language):
            raise ValueError(f"invalid language: {self.language!r}")


@dataclass(frozen=True)
class RingGroupRow:
    """A ring group: its number, members in hunt order, strategy and where unanswered calls go."""

    number: str
    name: str
    members: tuple
    strategy: str = "ringall"
    ring_seconds: int = 20
    member_seconds: int = 15
    #: Where unanswered calls go: a Destination (its stored text is accepted and parsed).
    destination: Destination = HANGUP

    def __post_init__(self):
        if not _EXTENSION.fullmatch(self.number):
            raise ValueError(f"group numbers are 1-20 digits: {self.number!r}")
        if not _DISPLAY_NAME.fullmatch(self.name):
            raise ValueError(f"name has forbidden characters: {self.name!r}")
        if self.strategy not in RING_STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}")
        if not all(_EXTENSION.fullmatch(member) for member in self.members):
            raise ValueError(f"members must be extension numbers: {self.members!r}")
        if not isinstance(self.destination, Destination):
            object.__setattr__(self, "destination", parse_destination(self.destination))


def valid_dial_target(number):
    """Return whether ``number`` may be a forward target: 2-20 digits, an optional leading +."""
    return bool(_DIAL_TARGET.fullmatch(number or ""))


def valid_pin(pin):
    """Return whether ``pin`` may open a mailbox: 4 to 12 digits."""
    return bool(_PIN.fullmatch(pin or ""))

