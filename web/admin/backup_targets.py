"""The backups page's off-box target: where backups go (SFTP or S3-compatible), the connection test that
trusts the SFTP server's host key, the backups listed there and restoring one (services/backup_targets.py).

Secrets are write-only: PasswordField never renders a value back, and an empty one keeps the stored secret.
"""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from appliance.backup_remote import StoreError
from appliance.errors import NotFound, ValidationError
from appliance.services import backup_targets
from web.access import current_actor, role_required
from web.admin import bp
from web.forms import Form, apply_errors, choices
from web.plugins import translate, translate_error

KIND_LABELS = {"local": _l("Only on this box"), "sftp": _l("SFTP server"), "s3": _l("S3-compatible storage")}
AUTH_LABELS = {"password": _l("Password"), "key": _l("This box's key (install its public key on the server)")}


class TargetForm(Form):
    """Where backups go besides the box's folder."""

    kind = RadioField(_l("Where backups go"), choices=choices(KIND_LABELS.items()), default="local")
    sftp_host = StringField(_l("Server"), validators=[Optional(), Length(max=253)])
    sftp_port = IntegerField(_l("Port"), validators=[Optional()], default=22)
    sftp_username = StringField(_l("Username"), validators=[Optional(), Length(max=64)])
    sftp_auth = RadioField(_l("Log in with"), choices=choices(AUTH_LABELS.items()), default="password")
    sftp_password = PasswordField(_l("Password"), validators=[Optional(), Length(max=256)])
    sftp_folder = StringField(_l("Folder on the server"), validators=[Optional(), Length(max=255)])
    forget_host_key = BooleanField(_l("Forget the trusted host key (the next test trusts the key it sees)"))
    s3_endpoint = StringField(_l("Endpoint URL (empty: Amazon S3)"), validators=[Optional(), Length(max=255)])
    s3_region = StringField(_l("Region"), validators=[Optional(), Length(max=32)])
    s3_bucket = StringField(_l("Bucket"), validators=[Optional(), Length(max=63)])
    s3_prefix = StringField(_l("Key prefix"), validators=[Optional(), Length(max=200)])
    s3_access_key = StringField(_l("Access key id"), validators=[Optional(), Length(max=128)])
    s3_secret_key = PasswordField(_l("Secret key"), validators=[Optional(), Length(max=256)])
    s3_path_style = BooleanField(_l("Path-style addressing (MinIO, Ceph)"))


class RemoteRestoreForm(Form):
    """A backup listed on the target and its passphrase."""

    name = StringField(_l("Backup on the target"), validators=[DataRequired(), Length(max=64)])
    remote_passphrase = PasswordField(_l("Passphrase"), validators=[DataRequired(), Length(max=256)])


def target_form(posted=False):
    """The target form: as posted, or filled from the stored row (secrets never)."""
    if posted:
        return TargetForm()
    row = backup_targets.find_target()
    form = TargetForm(formdata=None, obj=row)
    form.sftp_password.data = form.s3_secret_key.data = ""
    return form


def page_context():
    """What the page's target part shows: the row, the trusted key's fingerprint, the last upload error."""
    row = backup_targets.find_target()
    error = backup_targets.upload_error(row)
    return {"target": row, "remote": backup_targets.is_remote(row),
            "host_key_fingerprint": backup_targets.host_key_fingerprint(row),
            "upload_error": translate(*error) if error else ""}


def _page(target=None, remote_form=None, status=200):
    from web.admin import backups as page  # the page's other forms live there

    return page.render_page(target_form=target, remote_form=remote_form, status=status)


@bp.route("/backups/target", methods=["POST"])
@role_required("admin")
def backups_target():
    """Save where backups go."""
    form = target_form(posted=True)
    if form.validate_on_submit():
        data = backup_targets.TargetInput(**{name: getattr(form, name).data for name in (
            "kind", "sftp_host", "sftp_port", "sftp_username", "sftp_auth", "sftp_folder", "s3_endpoint",
            "s3_region", "s3_bucket", "s3_prefix", "s3_access_key", "s3_path_style", "forget_host_key")})
        data.sftp_password, data.s3_secret_key = form.sftp_password.data or "", form.s3_secret_key.data or ""
        for name in ("sftp_host", "sftp_username", "sftp_folder", "s3_endpoint", "s3_region", "s3_bucket",
                     "s3_prefix", "s3_access_key"):
            setattr(data, name, (getattr(data, name) or "").strip())
        try:
            backup_targets.save_target(data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Backup target saved. Test the connection."), "success")
            return redirect(url_for("admin.backups_page"))
    form.sftp_password.data = form.s3_secret_key.data = ""
    return _page(target=form, status=422)


@bp.route("/backups/target/test", methods=["POST"])
@role_required("admin")
def backups_target_test():
    """Write, read back and delete a probe file on the target; trust the SFTP host key the first time."""
    form = Form()
    if form.validate_on_submit():
        try:
            result = backup_targets.test_target(current_actor())
        except StoreError as error:
            flash(gettext("The test failed: %(reason)s", reason=translate_error(error)), "error")
        else:
            if result["pinned_now"]:
                flash(gettext("The connection works. The server's host key %(fingerprint)s is now trusted: check "
                              "it matches the server's.", fingerprint=result["host_key_fingerprint"]), "success")
            else:
                flash(gettext("The connection works: a test file was written, read back and deleted."), "success")
    return redirect(url_for("admin.backups_page"))


@bp.route("/backups/target/files")
@role_required("admin")
def backups_target_files():
    """The backups on the target (a fragment the page loads after it shows: the target may be slow)."""
    try:
        files, error = backup_targets.list_remote(), ""
    except StoreError as exc:
        files, error = [], translate_error(exc)
    return render_template("admin/backups/_remote_files.html", files=files, error=error,
                           remote_form=RemoteRestoreForm(formdata=None))


@bp.route("/backups/target/restore", methods=["POST"])
@role_required("admin")
def backups_target_restore():
    """Download a backup from the target and restore it (checked before anything is replaced)."""
    form = RemoteRestoreForm()
    if form.validate_on_submit():
        try:
            backup_targets.restore_remote(current_app.config, form.name.data, form.remote_passphrase.data,
                                          current_actor())
        except ValidationError as error:
            fields = {("remote_passphrase" if key == "passphrase" else "name" if key == "file" else key): value
                      for key, value in error.fields.items()}
            apply_errors(form, ValidationError(fields))
        except NotFound as error:
            form.name.errors = [translate_error(error)]
        except StoreError as error:
            form.form_errors.append(translate_error(error))
        else:
            flash(gettext("Backup restored. Log in again if your session ended."), "success")
            return redirect(url_for("admin.backups_page"))
    form.remote_passphrase.data = ""
    return _page(remote_form=form, status=422)
