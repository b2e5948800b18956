"""People who log in to the web app, and the audit trail of admin changes."""
import datetime
import json

import peewee

from appliance.db import BaseModel

ROLES = ("admin", "supervisor", "user")


def utcnow():
    """Return the current UTC time without tzinfo (how every timestamp is stored)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class User(BaseModel):
    """A web login with a role: admin, supervisor or extension user."""

    username = peewee.CharField(max_length=64, unique=True)
    display_name = peewee.CharField(max_length=120, default="")
    email = peewee.CharField(max_length=254, default="")
    password_hash = peewee.CharField(max_length=255)
    role = peewee.CharField(max_length=16, default="user")
    language = peewee.CharField(max_length=8, default="pt_BR")
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)
    password_changed_at = peewee.DateTimeField(default=utcnow)
    last_login_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "users"

    def public_fields(self):
        """Return the fields an audit entry may show (never the password hash)."""
        return {
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "role": self.role,
            "language": self.language,
            "active": self.active,
        }


class AuditEntry(BaseModel):
    """One admin change: who, when, what, and the values before and after."""

    at = peewee.DateTimeField(default=utcnow, index=True)
    actor = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="audit_entries")
    actor_name = peewee.CharField(max_length=64)
    action = peewee.CharField(max_length=64, index=True)
    target_type = peewee.CharField(max_length=32, index=True)
    target_id = peewee.CharField(max_length=64, default="")
    target_name = peewee.CharField(max_length=120, default="")
    before = peewee.TextField(default="{}")
    after = peewee.TextField(default="{}")
    address = peewee.CharField(max_length=64, default="")

    class Meta:
        table_name = "audit_entries"

    def changes(self):
        """Return ``[(field, before, after)]`` for every field that differs."""
        before, after = json.loads(self.before), json.loads(self.after)
        keys = sorted(set(before) | set(after))
        return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]
