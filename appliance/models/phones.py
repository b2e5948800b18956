"""Desk phones on their way to an extension: the pending ones, and the addresses banned for guessing."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class PendingPhone(BaseModel):
    """A phone that asked for its configuration but is assigned to no extension yet."""

    mac = peewee.CharField(max_length=12, unique=True)
    vendor = peewee.CharField(max_length=16)
    model = peewee.CharField(max_length=32, default="")
    firmware = peewee.CharField(max_length=64, default="")
    # The first address that asked: the zero-touch window is bound to it when an admin assigns the phone.
    address = peewee.CharField(max_length=64, index=True)
    # The last other address that asked with this MAC: shown to the admin, never taken silently.
    other_address = peewee.CharField(max_length=64, default="")
    other_seen_at = peewee.DateTimeField(null=True)
    user_agent = peewee.CharField(max_length=255, default="")
    first_seen = peewee.DateTimeField(default=utcnow)
    last_seen = peewee.DateTimeField(default=utcnow, index=True)
    requests = peewee.IntegerField(default=1)

    class Meta:
        table_name = "pending_phones"


class ProvisioningBan(BaseModel):
    """Failed provisioning requests per client address, and the ban they earned."""

    address = peewee.CharField(max_length=64, primary_key=True)
    window_start = peewee.DateTimeField(default=utcnow)
    failures = peewee.IntegerField(default=0)
    banned_until = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "provisioning_bans"


class ProvisioningGeneration(BaseModel):
    """One row: bumped by SQLite triggers (m0023) whenever something a phone's files carry changes."""

    generation = peewee.IntegerField(default=1)
    changed_at = peewee.FloatField()  # unix time of the last bump

    class Meta:
        table_name = "provisioning_generation"
