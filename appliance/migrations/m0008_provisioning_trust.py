"""Provisioning trust: where a phone was refused, and the other address a pending phone was seen at."""
import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    """Add devices.refused_address/refused_at and pending_phones.other_address/other_seen_at."""
    migrate(
        migrator.add_column("devices", "refused_address", peewee.CharField(max_length=64, default="")),
        migrator.add_column("devices", "refused_at", peewee.DateTimeField(null=True)),
        migrator.add_column("pending_phones", "other_address", peewee.CharField(max_length=64, default="")),
        migrator.add_column("pending_phones", "other_seen_at", peewee.DateTimeField(null=True)),
        # Expiring pending phones and counting them per address read these columns.
        migrator.add_index("pending_phones", ("last_seen",), unique=False),
        migrator.add_index("pending_phones", ("address",), unique=False),
    )
