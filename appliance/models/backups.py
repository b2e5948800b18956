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


class BackupTarget(BaseModel):
    """Where backups go besides this box's folder (a single row, id 1; decision 049).

    The secrets (SFTP password and private key, S3 secret key) are stored like trunk passwords: in the
    database (VAR_DIR, 0600), never shown again, never in an audit entry or an API answer.
    """

    #: "local" (only BACKUP_DIR), "sftp" or "s3".
    kind = peewee.CharField(max_length=8, default="local")
    sftp_host = peewee.CharField(max_length=253, default="")
    sftp_port = peewee.IntegerField(default=22)
    sftp_username = peewee.CharField(max_length=64, default="")
    #: "password" or "key" (the box's own Ed25519 key; the admin installs its public half on the server).
    sftp_auth = peewee.CharField(max_length=8, default="password")
    sftp_password = peewee.CharField(max_length=256, default="")
    sftp_private_key = peewee.TextField(default="")
    sftp_public_key = peewee.TextField(default="")
    sftp_folder = peewee.CharField(max_length=255, default="")
    #: The server's host key as "type base64", pinned by the first successful test (trust on first use).
    sftp_host_key = peewee.TextField(default="")
    s3_endpoint = peewee.CharField(max_length=255, default="")
    s3_region = peewee.CharField(max_length=32, default="")
    s3_bucket = peewee.CharField(max_length=63, default="")
    s3_prefix = peewee.CharField(max_length=200, default="")
    s3_access_key = peewee.CharField(max_length=128, default="")
    s3_secret_key = peewee.CharField(max_length=256, default="")
    s3_path_style = peewee.BooleanField(default=False)
    #: A backup failed to upload: the daemon's next run uploads what the target lacks.
    upload_pending = peewee.BooleanField(default=False)
    last_upload_at = peewee.DateTimeField(null=True)
    last_upload_error = peewee.CharField(max_length=500, default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "backup_target"

    def public_fields(self):
        """Return what an audit entry or an API answer may show (never a secret)."""
        return {"kind": self.kind, "sftp_host": self.sftp_host, "sftp_port": self.sftp_port,
                "sftp_username": self.sftp_username, "sftp_auth": self.sftp_auth,
                "sftp_password_set": bool(self.sftp_password), "sftp_folder": self.sftp_folder,
                "sftp_host_key_pinned": bool(self.sftp_host_key), "s3_endpoint": self.s3_endpoint,
                "s3_region": self.s3_region, "s3_bucket": self.s3_bucket, "s3_prefix": self.s3_prefix,
                "s3_access_key": self.s3_access_key, "s3_secret_key_set": bool(self.s3_secret_key),
                "s3_path_style": self.s3_path_style}
