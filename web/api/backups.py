"""Backups (admins): settings, the backups kept, make one now, download one, restore an upload (decision 039);
the off-box target's operations are in web/api/backup_targets.py (decision 049)."""
import functools

from flask import current_app, request, send_file
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from appliance.services import backup_restore, backup_targets, backups
from web.api.auth import actor, requires
from web.api.common import JsonBoolean, JsonInteger, UtcDateTime, json_response
from web.plugins import translate_error

blp = Blueprint("backups", __name__, url_prefix="/api/v1/backups",
                description="Encrypted backups: the key's settings, the backups kept, backing up and restoring.")

_NAME = r"^centralina-\d{8}-\d{6}(-\d+)?\.cbk$"


class BackupSchema(Schema):
    """One backup kept on the box (encrypted)."""

    name = fields.String()
    size = fields.Integer()
    made_at = UtcDateTime()
    upload_error = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "Set when a backup just made could not be uploaded to the target (it is kept on the box "
                       "and the upload is retried); null when it was uploaded or there is no target."})


class BackupListSchema(Schema):
    """The backups kept, newest first."""

    items = fields.List(fields.Nested(BackupSchema))


class BackupSettingsSchema(Schema):
    """What goes in, when, how many are kept; the passphrase is write-only and never stored."""

    passphrase = fields.String(load_only=True, load_default="", validate=validate.Length(max=256),
                               metadata={"description": "A new passphrase (at least 12 characters): replaces the "
                                                        "key for new backups. Empty keeps the key."})
    key_set = fields.Boolean(dump_only=True)
    include_voicemail = JsonBoolean(load_default=True)
    include_recordings = JsonBoolean(load_default=False)
    include_prompts = JsonBoolean(load_default=True)
    enabled = JsonBoolean(load_default=True)
    hour = JsonInteger(load_default=3, validate=validate.Range(0, 23))
    keep_count = JsonInteger(load_default=7, validate=validate.Range(1, 365))
    keep_days = JsonInteger(load_default=30, validate=validate.Range(0, 3650))
    last_backup_at = UtcDateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True)


class RestoreFormSchema(Schema):
    """The passphrase of the uploaded backup."""

    passphrase = fields.String(required=True, validate=validate.Length(min=1, max=256))


class RestoreFileSchema(Schema):
    """The backup file (.cbk) as downloaded."""

    file = Upload(required=True)


class RestoredSchema(Schema):
    """What the restore replaced."""

    restored = fields.List(fields.String())


def _settings(row):
    if row is None:
        return {"key_set": False, **{k: v for k, v in vars(backups.BackupSettingsInput()).items()
                                     if "passphrase" not in k}, "last_backup_at": None, "last_error": ""}
    return {**row.public_fields(), "last_backup_at": row.last_backup_at, "last_error": row.last_error}


@blp.route("/settings", methods=["GET"])
@requires(blp, "backups:read")
@blp.response(200, BackupSettingsSchema)
def get_settings():
    """Read the backup settings."""
    return json_response(BackupSettingsSchema().dump(_settings(backups.find_settings())))


@blp.route("/settings", methods=["PUT"])
@requires(blp, "backups:write")
@blp.arguments(BackupSettingsSchema)
@blp.response(200, BackupSettingsSchema)
def put_settings(data):
    """Replace the backup settings (a passphrase is needed the first time)."""
    passphrase = data.pop("passphrase", "")
    row = backups.save_settings(backups.BackupSettingsInput(passphrase=passphrase, confirm_passphrase=passphrase,
                                                            **data), actor())
    return json_response(BackupSettingsSchema().dump(_settings(row)))


@blp.route("", methods=["GET"])
@requires(blp, "backups:read")
@blp.response(200, BackupListSchema)
def list_backups():
    """List the backups kept, newest first."""
    rows = [{"name": name, "size": size, "made_at": made.replace(tzinfo=None)}
            for name, size, made in backups.list_backups(current_app.config)]
    return json_response(BackupListSchema().dump({"items": rows}))


@blp.route("", methods=["POST"])
@requires(blp, "backups:write")
@blp.response(201, BackupSchema)
@blp.alt_response(400, response="BAD_REQUEST")
def create_backup():
    """Make a backup now (apply retention, upload it to the target if there is one); Location is where to
    download it."""
    path, upload_error = backup_targets.back_up_now(current_app.config, actor())
    name, size, made = next(row for row in backups.list_backups(current_app.config) if row[0] == path.name)
    body = BackupSchema().dump({"name": name, "size": size, "made_at": made.replace(tzinfo=None),
                                "upload_error": translate_error(upload_error) if upload_error else None})
    return json_response(body, 201, {"Location": f"{blp.url_prefix}/files/{path.name}"})


@blp.route("/files/<string:name>", methods=["GET"])
@requires(blp, "backups:read")
@blp.doc(parameters=[{"in": "path", "name": "name", "schema": {"type": "string", "pattern": _NAME}}])
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
@blp.alt_response(404, response="NOT_FOUND")
def download_backup(name):
    """Download one backup (encrypted; useless without its passphrase)."""
    path = backups.backup_path(current_app.config, name)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=path.name)


def _large_upload(view):
    """Let this view's body be a whole backup (BACKUP_MAX_UPLOAD_MB), not the app's usual limit."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        request.max_content_length = current_app.config["BACKUP_MAX_UPLOAD_MB"] * 1024 * 1024
        return view(*args, **kwargs)
    return wrapped


@blp.route("/restore", methods=["POST"])
@requires(blp, "backups:write")
@_large_upload
@blp.arguments(RestoreFormSchema, location="form")
@blp.arguments(RestoreFileSchema, location="files")
@blp.response(200, RestoredSchema)
def restore_backup(form, files):
    """Restore an uploaded backup: everything is checked first; a wrong passphrase or a damaged file is a 422
    (errors.passphrase or errors.file) and changes nothing."""
    restored = backup_restore.restore(current_app.config, files["file"].stream, form["passphrase"], actor())
    return json_response(RestoredSchema().dump({"restored": restored}))
