"""Call recording (issue 13): policies per extension and route, and the recordings table."""
import peewee


def up(db, migrator):
    """Add recording policies and create recordings."""

    class Recording(peewee.Model):
        name = peewee.CharField(max_length=255, unique=True)
        linkedid = peewee.CharField(max_length=150, index=True)
        call_found = peewee.BooleanField(default=True)
        started_at = peewee.DateTimeField(index=True)
        path = peewee.CharField(max_length=255)
        size = peewee.IntegerField(default=0)
        seconds = peewee.IntegerField(default=0)
        delete_after = peewee.DateTimeField(null=True, index=True)
        created_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "recordings"

    # A plain ADD COLUMN with its default: playhouse's add_column makes a NOT NULL column by rebuilding the
    # table on SQLite, which drops its triggers (m0023's provisioning generation on extensions).
    for table in ("extensions", "inbound_routes", "outbound_routes"):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN recording VARCHAR(10) NOT NULL DEFAULT 'never'")
    db.create_tables([Recording])
