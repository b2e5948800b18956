"""Users and the audit log."""
import datetime

import peewee


def up(db, migrator):
    """Create the users and audit_entries tables as of version 1."""

    class Base(peewee.Model):
        class Meta:
            database = db

    class Users(Base):
        username = peewee.CharField(max_length=64, unique=True)
        display_name = peewee.CharField(max_length=120, default="")
        email = peewee.CharField(max_length=254, default="")
        password_hash = peewee.CharField(max_length=255)
        role = peewee.CharField(max_length=16, default="user")
        language = peewee.CharField(max_length=8, default="pt_BR")
        active = peewee.BooleanField(default=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        password_changed_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        last_login_at = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "users"

    class AuditEntries(Base):
        at = peewee.DateTimeField(index=True)
        actor = peewee.ForeignKeyField(Users, null=True, on_delete="SET NULL")
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

    db.create_tables([Users, AuditEntries])
