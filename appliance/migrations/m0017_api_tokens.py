"""API tokens (issue 12)."""
import peewee


def up(db, migrator):
    """Create api_tokens: one row per personal or service token, the secret kept only as its SHA-256."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Users(Base):  # only referenced, already created by m0001
        class Meta:
            table_name = "users"

    class ApiTokens(Base):
        kind = peewee.CharField(max_length=16)
        name = peewee.CharField(max_length=64)
        prefix = peewee.CharField(max_length=32)
        token_hash = peewee.CharField(max_length=64, unique=True)
        scopes = peewee.TextField(default="")
        owner = peewee.ForeignKeyField(Users, null=True, on_delete="CASCADE", index=True)
        created_by = peewee.CharField(max_length=64, default="")
        created_at = peewee.DateTimeField()
        expires_at = peewee.DateTimeField(null=True)
        revoked_at = peewee.DateTimeField(null=True)
        last_used_at = peewee.DateTimeField(null=True)
        last_used_address = peewee.CharField(max_length=64, default="")

        class Meta:
            table_name = "api_tokens"

    db.create_tables([ApiTokens])
