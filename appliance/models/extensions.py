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
    """One SIP device of an extension, with its own credentials."""

    extension = peewee.ForeignKeyField(Extension, backref="devices", on_delete="CASCADE")
    label = peewee.CharField(max_length=64, default="")
    sip_username = peewee.CharField(max_length=40, unique=True)
    # Kept in clear because phones are provisioned with it (digest needs it too);
    # the database file is readable by the appliance only.
    sip_password = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "devices"
