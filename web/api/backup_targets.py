"""The backups' off-box target (admins; decision 049): where backups go, the connection test that trusts the
SFTP server's host key, the backups on the target and restoring one. Secrets are write-only."""
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from appliance.backup_remote import StoreError
from appliance.services import backup_targets
from web.api.auth import actor, requires
from web.api.backups import BackupListSchema, RestoredSchema
from web.api.common import JsonBoolean, JsonInteger, UtcDateTime, json_response
from web.plugins import translate, translate_error

blp = Blueprint("backup-target", __name__, url_prefix="/api/v1/backups/target",
                description="Where backups are uploaded besides the box (SFTP or S3-compatible), and restoring "
                            "from there.")

_SECRET = "Write-only: never returned. Empty (or absent) keeps the stored one."


class TargetSchema(Schema):
    """The target; ``sftp_password`` and ``s3_secret_key`` are write-only."""

    kind = fields.String(required=True, validate=validate.OneOf(backup_targets.KINDS),
                         metadata={"description": "local: only on this box; sftp; s3 (any S3-compatible storage)."})
    sftp_host = fields.String(load_default="", validate=validate.Length(max=253))
    sftp_port = JsonInteger(load_default=22, validate=validate.Range(1, 65535))
    sftp_username = fields.String(load_default="", validate=validate.Length(max=64))
    sftp_auth = fields.String(load_default="password", validate=validate.OneOf(backup_targets.SFTP_AUTHS),
                              metadata={"description": "password, or key: the box's own key (sftp_public_key)."})
    sftp_password = fields.String(load_only=True, load_default="", validate=validate.Length(max=256),
                                  metadata={"description": _SECRET})
    sftp_password_set = fields.Boolean(dump_only=True)
    sftp_public_key = fields.String(dump_only=True, metadata={
        "description": "The box's public key (key login): add it to the user's ~/.ssh/authorized_keys."})
    sftp_folder = fields.String(load_default="", validate=validate.Length(max=255))
    sftp_host_key_fingerprint = fields.String(dump_only=True, metadata={
        "description": "SHA-256 fingerprint of the trusted host key (pinned by the first successful test); "
                       "empty: none yet."})
    forget_host_key = JsonBoolean(load_only=True, load_default=False, metadata={
        "description": "Forget the trusted host key: the next test trusts the key the server shows."})
    s3_endpoint = fields.String(load_default="", validate=validate.Length(max=255),
                                metadata={"description": "http(s):// URL of the storage; empty: Amazon S3."})
    s3_region = fields.String(load_default="", validate=validate.Length(max=32))
    s3_bucket = fields.String(load_default="", validate=validate.Length(max=63))
    s3_prefix = fields.String(load_default="", validate=validate.Length(max=200))
    s3_access_key = fields.String(load_default="", validate=validate.Length(max=128))
    s3_secret_key = fields.String(load_only=True, load_default="", validate=validate.Length(max=256),
                                  metadata={"description": _SECRET})
    s3_secret_key_set = fields.Boolean(dump_only=True)
    s3_path_style = JsonBoolean(load_default=False, metadata={"description": "Path-style addressing (MinIO, Ceph)."})
    upload_pending = fields.Boolean(dump_only=True, metadata={
        "description": "An upload failed: the daemon retries it every few minutes."})
    last_upload_at = UtcDateTime(dump_only=True, allow_none=True)
    last_upload_error = fields.String(dump_only=True)


class TestResultSchema(Schema):
    """What the connection test found."""

    ok = fields.Boolean()
    error = fields.String(allow_none=True, metadata={"description": "Why the test failed, in the caller's "
                                                                    "language; null when it worked."})
    host_key_fingerprint = fields.String(metadata={"description": "The SFTP server's host key (SHA-256)."})
    pinned_now = fields.Boolean(metadata={"description": "This test trusted the host key (the first one)."})


class RemoteRestoreSchema(Schema):
    """Which backup on the target, and its passphrase."""

    name = fields.String(required=True, validate=validate.Regexp(r"^centralina-\d{8}-\d{6}(-\d+)?\.cbk$"))
    passphrase = fields.String(required=True, validate=validate.Length(min=1, max=256))


def _dump(row):
    error = backup_targets.upload_error(row)
    return TargetSchema().dump({
        **row.public_fields(), "sftp_public_key": row.sftp_public_key if row.sftp_auth == "key" else "",
        "sftp_host_key_fingerprint": backup_targets.host_key_fingerprint(row), "upload_pending": row.upload_pending,
        "last_upload_at": row.last_upload_at, "last_upload_error": translate(*error) if error else ""})


@blp.route("", methods=["GET"])
@requires(blp, "backups:read")
@blp.response(200, TargetSchema)
def get_target():
    """Read where backups go (never a secret)."""
    return json_response(_dump(backup_targets.find_target()))


@blp.route("", methods=["PUT"])
@requires(blp, "backups:write")
@blp.arguments(TargetSchema)
@blp.response(200, TargetSchema)
def put_target(data):
    """Replace where backups go; empty secrets keep the stored ones. A new SFTP host or port forgets the
    trusted host key; key login makes the box's key pair once (its public half is in the answer)."""
    data = {name: value.strip() if isinstance(value, str) and "secret" not in name and "password" not in name
            else value for name, value in data.items()}
    row = backup_targets.save_target(backup_targets.TargetInput(**data), actor())
    return json_response(_dump(row))


@blp.route("/test", methods=["POST"])
@requires(blp, "backups:write")
@blp.response(200, TestResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
def test_target():
    """Write, read back and delete a small file on the target; the first success trusts the SFTP host key.

    A failure is an answer (``ok`` false, ``error`` says why: name not found, connection refused, login
    refused, host key changed, permission denied, bucket missing); 404 when backups stay on the box."""
    try:
        result = backup_targets.test_target(actor())
    except StoreError as error:
        result = {"ok": False, "error": translate_error(error), "host_key_fingerprint": "", "pinned_now": False}
    else:
        result = {"ok": True, "error": None, **result}
    return json_response(TestResultSchema().dump(result))


@blp.route("/files", methods=["GET"])
@requires(blp, "backups:read")
@blp.response(200, BackupListSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def list_target_files():
    """List the backups on the target, newest first (503 with the reason when it cannot be reached)."""
    rows = [{"name": name, "size": size, "made_at": made.replace(tzinfo=None)}
            for name, size, made in backup_targets.list_remote()]
    return json_response(BackupListSchema().dump({"items": rows}))


@blp.route("/restore", methods=["POST"])
@requires(blp, "backups:write")
@blp.arguments(RemoteRestoreSchema)
@blp.response(200, RestoredSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def restore_from_target(data):
    """Download a backup from the target and restore it: everything is checked first; a wrong passphrase or a
    damaged file is a 422 (errors.passphrase or errors.file) and changes nothing."""
    restored = backup_targets.restore_remote(current_app.config, data["name"], data["passphrase"], actor())
    return json_response(RestoredSchema().dump({"restored": restored}))
