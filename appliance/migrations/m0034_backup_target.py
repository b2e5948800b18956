"""Off-box backup targets: SFTP or S3-compatible storage, the pinned host key, the upload state (decision 049)."""
import datetime

import peewee


def up(db, migrator):
    """Create backup_target as of version 34."""

    class BackupTarget(peewee.Model):
        kind = peewee.CharField(max_length=8, default="local")
        sftp_host = peewee.CharField(max_length=253, default="")
        sftp_port = peewee.IntegerField(default=22)
        sftp_username = peewee.CharField(max_length=64, default="")
        sftp_auth = peewee.CharField(max_length=8, default="password")
        sftp_password = peewee.CharField(max_length=256, default="")
        sftp_private_key = peewee.TextField(default="")
        sftp_public_key = peewee.TextField(default="")
        sftp_folder = peewee.CharField(max_length=255, default="")
        sftp_host_key = peewee.TextField(default="")
        s3_endpoint = peewee.CharField(max_length=255, default="")
        s3_region = peewee.CharField(max_length=32, default="")
        s3_bucket = peewee.CharField(max_length=63, default="")
        s3_prefix = peewee.CharField(max_length=200, default="")
        s3_access_key = peewee.CharField(max_length=128, default="")
        s3_secret_key = peewee.CharField(max_length=256, default="")
        s3_path_style = peewee.BooleanField(default=False)
        upload_pending = peewee.BooleanField(default=False)
        last_upload_at = peewee.DateTimeField(null=True)
        last_upload_error = peewee.CharField(max_length=500, default="")
        updated_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "backup_target"

    db.create_tables([BackupTarget])
