"""Provisioned phones: MAC, vendor, model and secrets on devices; pending phones; provisioning bans."""
import datetime

import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    """Add the phone columns to devices and create pending_phones and provisioning_bans as of version 4."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    migrate(
        migrator.add_column("devices", "mac", peewee.CharField(max_length=12, null=True)),
        migrator.add_column("devices", "vendor", peewee.CharField(max_length=16, default="")),
        migrator.add_column("devices", "model", peewee.CharField(max_length=32, default="")),
        migrator.add_column("devices", "firmware", peewee.CharField(max_length=64, default="")),
        migrator.add_column("devices", "prov_token", peewee.CharField(max_length=32, null=True)),
        migrator.add_column("devices", "phone_admin_password", peewee.CharField(max_length=32, default="")),
        migrator.add_column("devices", "bootstrap_until", peewee.DateTimeField(null=True)),
        migrator.add_column("devices", "bootstrap_address", peewee.CharField(max_length=64, default="")),
        migrator.add_column("devices", "last_fetch_at", peewee.DateTimeField(null=True)),
        migrator.add_column("devices", "last_fetch_address", peewee.CharField(max_length=64, default="")),
        migrator.add_column("devices", "last_user_agent", peewee.CharField(max_length=255, default="")),
        migrator.add_index("devices", ("mac",), unique=True),
        migrator.add_index("devices", ("prov_token",), unique=True),
    )

    class PendingPhones(Base):
        mac = peewee.CharField(max_length=12, unique=True)
        vendor = peewee.CharField(max_length=16)
        model = peewee.CharField(max_length=32, default="")
        firmware = peewee.CharField(max_length=64, default="")
        address = peewee.CharField(max_length=64)
        user_agent = peewee.CharField(max_length=255, default="")
        first_seen = peewee.DateTimeField(default=datetime.datetime.utcnow)
        last_seen = peewee.DateTimeField(default=datetime.datetime.utcnow)
        requests = peewee.IntegerField(default=1)

        class Meta:
            table_name = "pending_phones"

    class ProvisioningBans(Base):
        address = peewee.CharField(max_length=64, primary_key=True)
        window_start = peewee.DateTimeField(default=datetime.datetime.utcnow)
        failures = peewee.IntegerField(default=0)
        banned_until = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "provisioning_bans"

    db.create_tables([PendingPhones, ProvisioningBans])
