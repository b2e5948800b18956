"""Admin page for the VoiceBot's speech models: one Vosk model per language, uploaded, replaced, deleted."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField

from appliance.errors import NotFound, ValidationError
from appliance.services import speech_models
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.plugins import csrf, translate_error
from web.telephony import bp
from web.telephony.bots import LANGUAGES


class UploadForm(Form):
    """A model archive and the language it recognises."""

    language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))
    file = FileField(_l("Model archive (.zip or .tar.gz, as published: one folder with am/, conf/, graph/)"))


def _page(form, status=200):
    conf = current_app.config
    return render_template("telephony/speech_models/list.html", form=form, rows=speech_models.list_models(),
                           languages=LANGUAGES, built_in=speech_models.BUILT_IN,
                           max_mb=conf["SPEECH_MODEL_MAX_UPLOAD_MB"]), status


@bp.route("/speech-models")
@role_required("admin")
def speech_models_list():
    """List the speech model of each language (size, when, who uses it, whether it loaded) and the upload form."""
    return _page(UploadForm(language=request.args.get("language", "pt-BR")))


@bp.route("/speech-models/upload", methods=["POST"])
@csrf.exempt  # checked below, once the larger upload limit is in force (CSRF reads the form)
@role_required("admin")
def speech_model_upload():
    """Install or replace a language's model from an archive; nothing changes unless the new one loads."""
    conf = current_app.config
    request.max_content_length = conf["SPEECH_MODEL_MAX_UPLOAD_MB"] * 1024 * 1024 + 1024 * 1024
    request._get_file_stream = speech_models.spool_file  # the archive goes to disk beside the models as it comes
    csrf.protect()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            installed = speech_models.install(conf, form.language.data, upload.filename if upload else "",
                                              upload.stream if upload and upload.filename else None,
                                              current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Speech model for %(language)s installed; it loaded in %(seconds).1f s and calls use it "
                          "from now on.", language=LANGUAGES[installed.language],
                          seconds=installed.load_seconds or 0.0), "success")
            return redirect(url_for("telephony.speech_models_list"))
    return _page(form, 422)


@bp.route("/speech-models/<language>/delete", methods=["POST"])
@role_required("admin")
def speech_model_delete(language):
    """Delete a language's model (refused while bots of that language have no other recogniser)."""
    try:
        speech_models.delete(language, current_actor())
    except (ValidationError, NotFound) as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Speech model deleted."), "success")
    return redirect(url_for("telephony.speech_models_list"))
