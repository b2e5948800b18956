"""Call recording (issue 13): policies per extension and route, and the recordings table."""
import peewee
from playhouse.migrate import migrate


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

    migrate(
        migrator.add_column("extensions", "recording", peewee.CharField(max_length=10, default="never")),
        migrator.add_column("inbound_routes", "recording", peewee.CharField(max_length=10, default="never")),
        migrator.add_column("outbound_routes", "recording", peewee.CharField(max_length=10, default="never")),
    )
    db.create_tables([Recording])
