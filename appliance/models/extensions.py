"""Extensions (the numbers people dial) and their SIP devices."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Extension(BaseModel):
    """A number inside the company that rings one or more devices."""

    number = peewee.CharField(max_length=8, unique=True)
    name = peewee.CharField(max_length=64)
    enabled = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "extensions"

    def public_fields(self):
        """Return the fields an audit entry may show."""
        return {"number": self.number, "name": self.name, "enabled": self.enabled}


class Device(BaseModel):
    """One SIP device of an extension, with its own credentials; a desk phone also has its MAC."""

    extension = peewee.ForeignKeyField(Extension, backref="devices", on_delete="CASCADE")
    label = peewee.CharField(max_length=64, default="")
    sip_username = peewee.CharField(max_length=40, unique=True)
    # Kept in clear because phones are provisioned with it (digest needs it too);
    # the database file is readable by the appliance only.
    sip_password = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField(default=utcnow)
    # -- provisioned desk phones (null for softphones)
    mac = peewee.CharField(max_length=12, null=True, unique=True)
    vendor = peewee.CharField(max_length=16, default="")
    model = peewee.CharField(max_length=32, default="")
    firmware = peewee.CharField(max_length=64, default="")
    # 128-bit secret in the phone's provisioning URL: the MAC is an identifier, never a credential.
    prov_token = peewee.CharField(max_length=32, null=True, unique=True)
    # The phone's own web admin password, set through provisioning.
    phone_admin_password = peewee.CharField(max_length=32, default="")
    # Zero-touch window: until then, this address may fetch the secrets once without the token.
    bootstrap_until = peewee.DateTimeField(null=True)
    bootstrap_address = peewee.CharField(max_length=64, default="")
    last_fetch_at = peewee.DateTimeField(null=True)
    last_fetch_address = peewee.CharField(max_length=64, default="")
    last_user_agent = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "devices"


class PendingPhone(BaseModel):
    """A phone that asked for its configuration but is assigned to no extension yet."""

    mac = peewee.CharField(max_length=12, unique=True)
    vendor = peewee.CharField(max_length=16)
    model = peewee.CharField(max_length=32, default="")
    firmware = peewee.CharField(max_length=64, default="")
    address = peewee.CharField(max_length=64)
    user_agent = peewee.CharField(max_length=255, default="")
    first_seen = peewee.DateTimeField(default=utcnow)
    last_seen = peewee.DateTimeField(default=utcnow)
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
