"""Recording policies per call profile and per queue, retention days per policy holder, and the
recording row's own retention (decision 036)."""


def up(db, migrator):
    """Add the columns; a plain ADD COLUMN each (playhouse's add_column rebuilds the table on SQLite and
    drops m0023's provisioning triggers on extensions)."""
    for table in ("call_profiles", "queues"):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN recording VARCHAR(10) NOT NULL DEFAULT 'never'")
    # Days a recording made under this holder's policy is kept; 0: the global RECORDINGS_KEEP_DAYS.
    for table in ("extensions", "call_profiles", "queues", "outbound_routes", "inbound_routes"):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN recording_keep_days INTEGER NOT NULL DEFAULT 0")
        # The prompt of the library the parties hear when this holder's policy starts a recording (NULL: none).
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN recording_prompt_id INTEGER REFERENCES prompts (id)")
    # Why the row keeps the days it keeps ("extension 201", "queue 700"...), and when the daemon
    # deleted the expired file (the row stays, marked, as the audit trail's anchor).
    db.execute_sql("ALTER TABLE recordings ADD COLUMN keep_days INTEGER NOT NULL DEFAULT 0")
    db.execute_sql("ALTER TABLE recordings ADD COLUMN kept_for VARCHAR(64) NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE recordings ADD COLUMN deleted_at TIMESTAMP")
