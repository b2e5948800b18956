"""Encrypted backups: the key they are made for and the schedule (a single row, id 1)."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class BackupSettings(BaseModel):
    """The public half of the passphrase's key pair (never the passphrase), what goes in, when, how many kept."""

    #: Base64 of the X25519 public key and of the scrypt salt (appliance/backup_crypto.py).
    recipient = peewee.CharField(max_length=64, default="")
    salt = peewee.CharField(max_length=64, default="")
    include_voicemail = peewee.BooleanField(default=True)
    include_recordings = peewee.BooleanField(default=False)
    include_prompts = peewee.BooleanField(default=True)
    #: A backup a day at this local hour (TIMEZONE) when enabled.
    enabled = peewee.BooleanField(default=True)
    hour = peewee.IntegerField(default=3)
    #: Retention: at most this many backups, none older than this many days (0: no age limit); the newest stays.
    keep_count = peewee.IntegerField(default=7)
    keep_days = peewee.IntegerField(default=30)
    last_backup_at = peewee.DateTimeField(null=True)
    last_error = peewee.CharField(max_length=500, default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "backup_settings"

    def public_fields(self):
        """Return what an audit entry may show."""
        return {"key_set": bool(self.recipient), "include_voicemail": self.include_voicemail,
                "include_recordings": self.include_recordings, "include_prompts": self.include_prompts,
                "enabled": self.enabled, "hour": self.hour, "keep_count": self.keep_count,
                "keep_days": self.keep_days}
