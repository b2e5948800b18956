"""Outgoing e-mail: the SMTP relay the appliance sends through, and which voicemails were e-mailed."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow

#: How the connection to the relay is protected: plain, upgraded with STARTTLS, or TLS from the start.
SECURITY_MODES = ("none", "starttls", "tls")


class MailSettings(BaseModel):
    """The SMTP relay; a single row (id 1), absent until an admin saves it."""

    host = peewee.CharField(max_length=253, default="")
    port = peewee.IntegerField(default=587)
    security = peewee.CharField(max_length=16, default="starttls")
    username = peewee.CharField(max_length=254, default="")
    # Kept in clear: SMTP AUTH needs it, and the database file is readable by the appliance only.
    password = peewee.CharField(max_length=254, default="")
    sender = peewee.CharField(max_length=254, default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "mail_settings"

    def public_fields(self):
        """Return the fields an audit entry may show (never the password)."""
        return {"host": self.host, "port": self.port, "security": self.security, "username": self.username,
                "sender": self.sender, "password_set": bool(self.password)}


class VoicemailMailing(BaseModel):
    """The e-mail about one voicemail message: decided once, sent once, retried while it fails."""

    #: Asterisk's ``msg_id`` (from msgNNNN.txt): stays the same when the message is renumbered or moved.
    msg_id = peewee.CharField(max_length=64, primary_key=True)
    mailbox = peewee.CharField(max_length=16)
    recipient = peewee.CharField(max_length=254)
    #: "sending" (decided, not confirmed), "sent", or "failed" (retried at ``next_attempt_at``).
    status = peewee.CharField(max_length=16, default="sending")
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.CharField(max_length=500, default="")
    next_attempt_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    sent_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "voicemail_mailings"
