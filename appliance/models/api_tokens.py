"""Tokens that open the REST API: personal (a person's own rights) and service (admin-made, scoped)."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import User, utcnow

TOKEN_KINDS = ("personal", "service")


class ApiToken(BaseModel):
    """One API token: the secret itself is never stored, only its SHA-256 and a public prefix."""

    kind = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=64)
    #: The first characters of the token (``cntl_pat_AbC12345``), shown in lists to tell tokens apart.
    prefix = peewee.CharField(max_length=32)
    token_hash = peewee.CharField(max_length=64, unique=True)
    #: Space-separated scopes (``extensions:read cdr:read``).
    scopes = peewee.TextField(default="")
    #: Whose rights a personal token carries; null for service tokens.
    owner = peewee.ForeignKeyField(User, null=True, on_delete="CASCADE", backref="api_tokens", index=True)
    #: Who made it (the admin, for a service token); kept as a name so it survives the user.
    created_by = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)
    last_used_at = peewee.DateTimeField(null=True)
    last_used_address = peewee.CharField(max_length=64, default="")

    class Meta:
        table_name = "api_tokens"

    def scope_list(self):
        """Return the token's scopes as a sorted list."""
        return sorted(self.scopes.split())

    def public_fields(self):
        """Return the fields an audit entry may show (never the hash)."""
        return {"kind": self.kind, "name": self.name, "prefix": self.prefix, "scopes": self.scopes,
                "owner": self.owner.username if self.owner_id else "",
                "expires_at": self.expires_at.isoformat() if self.expires_at else ""}
