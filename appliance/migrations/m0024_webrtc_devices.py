"""Browser phones (issue 16): a device's kind says how it reaches Asterisk.

"sip" (every existing device): UDP/TCP, G.711. "webrtc": SIP over WebSocket with DTLS-SRTP,
ICE and opus; one more device of the person's extension, no shadow extension.
"""


def up(db, migrator):
    """Add devices.kind, "sip" for every existing device.

    Plain ALTER TABLE, not the migrator's add_column: on SQLite that makes a NOT NULL column by
    rebuilding the table, which drops m0023's provisioning triggers on it. SQLite and PostgreSQL
    both add a NOT NULL column with a constant default in place.
    """
    db.execute_sql("ALTER TABLE devices ADD COLUMN kind VARCHAR(8) NOT NULL DEFAULT 'sip'")
