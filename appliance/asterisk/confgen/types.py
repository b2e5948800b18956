"""Plain input rows for the config generators (no database types cross this line)."""
import re
from dataclasses import dataclass

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
