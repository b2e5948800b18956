"""The backups page: the passphrase they are encrypted for, the schedule and retention, back up now,
download, and restore from an upload (services/backups.py, services/backup_restore.py); the off-box
target's part is web/admin/backup_targets.py."""
from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, PasswordField
from wtforms.validators import DataRequired, Length, Optional

from appliance.errors import ValidationError
from appliance.services import backup_restore, backup_targets, backups
from web.access import current_actor, role_required
from web.admin import backup_targets as backup_targets_view
from web.admin import bp
from web.forms import Form, apply_errors
from web.plugins import csrf, translate_error


class BackupSettingsForm(Form):
    """Key, contents, schedule, retention."""

    passphrase = PasswordField(_l("Passphrase"), validators=[Optional(), Length(max=256)])
    confirm_passphrase = PasswordField(_l("Repeat the passphrase"), validators=[Optional(), Length(max=256)])
    include_voicemail = BooleanField(_l("Voicemail messages"))
    include_prompts = BooleanField(_l("Prompts (IVR and announcements)"))
    include_recordings = BooleanField(_l("Call recordings"))
    enabled = BooleanField(_l("A backup every day"))
    hour = IntegerField(_l("At (hour, 0–23)"), validators=[Optional()])
    keep_count = IntegerField(_l("Backups kept"), validators=[Optional()])
    keep_days = IntegerField(_l("Days kept (0: no limit)"), validators=[Optional()])


class RestoreForm(Form):
    """A backup file and its passphrase."""

    file = FileField(_l("Backup file"), validators=[FileRequired()])
    restore_passphrase = PasswordField(_l("Passphrase"), validators=[DataRequired(), Length(max=256)])


def render_page(form=None, restore_form=None, target_form=None, remote_form=None, status=200):
    """The whole page; each form not given is shown as stored (or empty)."""
    conf = current_app.config
    return render_template(
        "admin/backups/page.html", form=form or _settings_form(),
        restore_form=restore_form or RestoreForm(formdata=None),
        target_form=target_form or backup_targets_view.target_form(),
        remote_form=remote_form or backup_targets_view.RemoteRestoreForm(formdata=None),
        settings=backups.find_settings(), files=backups.list_backups(conf),
        **backup_targets_view.page_context()), status


def _settings_form(formdata=None):
    row = backups.find_settings()
    if formdata is None:
        return BackupSettingsForm(formdata=None, obj=row) if row else BackupSettingsForm(
            formdata=None, data=vars(backups.BackupSettingsInput()))
    return BackupSettingsForm()


@bp.route("/backups", methods=["GET", "POST"])
@role_required("admin")
def backups_page():
    """Show and save the backup settings, with the backups kept."""
    form = _settings_form(formdata=True) if request.method == "POST" else _settings_form()
    if form.validate_on_submit():
        data = backups.BackupSettingsInput(
            passphrase=form.passphrase.data or "", confirm_passphrase=form.confirm_passphrase.data or "",
            include_voicemail=form.include_voicemail.data, include_recordings=form.include_recordings.data,
            include_prompts=form.include_prompts.data, enabled=form.enabled.data, hour=form.hour.data,
            keep_count=form.keep_count.data, keep_days=form.keep_days.data)
        try:
            backups.save_settings(data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Backup settings saved."), "success")
            return redirect(url_for("admin.backups_page"))
    form.passphrase.data = form.confirm_passphrase.data = ""
    return render_page(form=form, status=form.status)


@bp.route("/backups/now", methods=["POST"])
@role_required("admin")
def backups_now():
    """Make a backup now (then upload it to the target, if there is one)."""
    form = Form()
    if form.validate_on_submit():
        try:
            path, upload_error = backup_targets.back_up_now(current_app.config, current_actor())
        except backups.BackupError as error:
            flash(translate_error(error), "error")
        else:
            flash(gettext("Backup %(name)s made.", name=path.name), "success")
            if upload_error is not None:
                flash(gettext("It is kept on this box but could not be uploaded: %(reason)s The upload is tried "
                              "again every few minutes.", reason=translate_error(upload_error)), "error")
    return redirect(url_for("admin.backups_page"))


@bp.route("/backups/files/<name>")
@role_required("admin")
def backups_download(name):
    """Download one backup (encrypted: useless without the passphrase)."""
    path = backups.backup_path(current_app.config, name)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=path.name)


@bp.route("/backups/restore", methods=["POST"])
@csrf.exempt  # checked below, once the larger upload limit is in force (CSRF reads the form)
@role_required("admin")
def backups_restore():
    """Restore an uploaded backup; a wrong passphrase or a damaged file is said and changes nothing."""
    request.max_content_length = current_app.config["BACKUP_MAX_UPLOAD_MB"] * 1024 * 1024
    csrf.protect()
    restore_form = RestoreForm()
    if restore_form.validate_on_submit():
        try:
            backup_restore.restore(current_app.config, restore_form.file.data.stream,
                                   restore_form.restore_passphrase.data, current_actor())
        except ValidationError as error:
            fields = {("restore_passphrase" if key == "passphrase" else key): value
                      for key, value in error.fields.items()}
            apply_errors(restore_form, ValidationError(fields))
        else:
            flash(gettext("Backup restored. Log in again if your session ended."), "success")
            return redirect(url_for("admin.backups_page"))
    return render_page(restore_form=restore_form, status=422)
