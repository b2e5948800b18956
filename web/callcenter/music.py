"""Admin pages for music on hold: classes of uploaded sounds that queues play to waiting callers."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.services import music_on_hold
from web.access import current_actor, role_required
from web.callcenter import bp
from web.forms import Form, apply_errors
from web.plugins import translate_error


class MohClassForm(Form):
    """A music class's name."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])


class MohUploadForm(Form):
    """A sound to add to a class."""

    file = FileField(_l("Sound file (WAV, MP3, OGG or M4A)"))


@bp.route("/music", methods=["GET", "POST"])
@role_required("admin")
def music_list():
    """List music classes, and create one."""
    form = MohClassForm()
    if form.validate_on_submit():
        try:
            created = music_on_hold.save_class(music_on_hold.MohClassInput(form.name.data), current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Music class %(name)s created: now upload its sounds.", name=created.name), "success")
            return redirect(url_for("callcenter.music_class", class_id=created.id))
    rows = [(found, music_on_hold.files_of(found), music_on_hold.users_of(found))
            for found in music_on_hold.list_classes()]
    return render_template("callcenter/music/list.html", rows=rows, form=form), form.status


def _class_page(found, rename, upload, status=200):
    return render_template("callcenter/music/class.html", moh_class=found, rename=rename, upload=upload,
                           files=music_on_hold.files_of(found), users=music_on_hold.users_of(found)), status


@bp.route("/music/<int:class_id>", methods=["GET", "POST"])
@role_required("admin")
def music_class(class_id):
    """Show a class's sounds; rename it."""
    found = music_on_hold.get_class(class_id)
    form = MohClassForm(obj=found, prefix="class")
    if form.validate_on_submit():
        try:
            music_on_hold.save_class(music_on_hold.MohClassInput(form.name.data), current_actor(), class_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Music class saved."), "success")
            return redirect(url_for("callcenter.music_class", class_id=class_id))
    return _class_page(found, form, MohUploadForm(prefix="up", formdata=None), form.status)


@bp.route("/music/<int:class_id>/upload", methods=["POST"])
@role_required("admin")
def music_upload(class_id):
    """Add an uploaded sound to a class (checked by content, converted for the phone system)."""
    found = music_on_hold.get_class(class_id)
    form = MohUploadForm(prefix="up")
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload is None:
                raise ValidationError.one("file", N_("Choose a sound file."))
            music_on_hold.upload_file(class_id, upload.filename, upload.stream, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Sound added."), "success")
            return redirect(url_for("callcenter.music_class", class_id=class_id))
    return _class_page(found, MohClassForm(obj=found, prefix="class", formdata=None), form, 422)


@bp.route("/music/<int:class_id>/files/<int:file_id>/delete", methods=["POST"])
@role_required("admin")
def music_file_delete(class_id, file_id):
    """Remove a sound from a class."""
    music_on_hold.delete_file(class_id, file_id, current_actor())
    flash(gettext("Sound removed."), "success")
    return redirect(url_for("callcenter.music_class", class_id=class_id))


@bp.route("/music/<int:class_id>/delete", methods=["POST"])
@role_required("admin")
def music_delete(class_id):
    """Delete a class (refused while a queue plays it)."""
    try:
        music_on_hold.delete_class(class_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
        return redirect(url_for("callcenter.music_class", class_id=class_id))
    flash(gettext("Music class deleted."), "success")
    return redirect(url_for("callcenter.music_list"))
