"""Browser phones (issue 16): a device's kind says how it reaches Asterisk.

"sip" (every existing device): UDP/TCP, G.711. "webrtc": SIP over WebSocket with DTLS-SRTP,
ICE and opus; one more device of the person's extension, no shadow extension.
"""
import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    """Add devices.kind, "sip" for every existing device."""
    migrate(migrator.add_column("devices", "kind", peewee.CharField(max_length=8, default="sip")))
