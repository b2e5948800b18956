"""Web sessions kept on the server, so logging out (or out everywhere) ends them for good."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import User, utcnow


class WebSession(BaseModel):
    """One logged-in browser: the cookie carries a random token, the row only its SHA-256."""

    token_hash = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, on_delete="CASCADE", backref="web_sessions", index=True)
    created_at = peewee.DateTimeField(default=utcnow)
    last_seen_at = peewee.DateTimeField(default=utcnow, index=True)
    address = peewee.CharField(max_length=64, default="")
    user_agent = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "web_sessions"
