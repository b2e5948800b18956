"""Admin pages for IVR menus (URAs) and the prompt library they play."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from appliance.asterisk.confgen.ivr import KEYS
from appliance.audio import tts
from appliance.errors import ValidationError
from appliance.services import ivrs, prompts
from web.access import current_actor, role_required
from web.destinations import DestinationField
from web.forms import Form, apply_errors, choices
from web.plugins import translate_error
from web.telephony import bp

LANGUAGES = {"pt-BR": _l("Portuguese (Brazil)"), "en": _l("English")}


class UploadPromptForm(Form):
    """A prompt from a sound file."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    file = FileField(_l("Sound file (WAV, MP3, OGG or M4A)"))


class SpeechPromptForm(Form):
    """A prompt spoken by text to speech."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    text = TextAreaField(_l("Text to speak"), validators=[DataRequired(), Length(max=tts.MAX_TEXT)])
    language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))


def _prompt_choices():
    return choices([("", gettext("(none)"))] + [(str(p.id), p.name) for p in prompts.list_prompts()])


class IvrForm(Form):
    """An IVR menu; the options' pickers are added per key (option_1, option_star, option_hash)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    number = StringField(_l("Number (optional)"), validators=[Optional(), Length(max=8)])
    greeting = SelectField(_l("Greeting"), validate_choice=False)
    timeout_seconds = IntegerField(_l("Seconds to wait for a key"), default=5)
    timeout_prompt = SelectField(_l("Prompt when no key is pressed"), validate_choice=False)
    timeout_retries = IntegerField(_l("Repeats when no key is pressed"), default=2)
    invalid_prompt = SelectField(_l("Prompt for a key with no option"), validate_choice=False)
    invalid_retries = IntegerField(_l("Repeats after a wrong key"), default=2)
    final_destination = DestinationField(_l("After the repeats"))
    direct_dial = BooleanField(_l("Callers may dial an extension's number"))
    direct_ranges = StringField(_l("Numbers they may dial (empty: every extension), e.g. 200-299 4000-4099"),
                                validators=[Length(max=200)])


for _key in KEYS:
    setattr(IvrForm, ivrs.option_field(_key), DestinationField(_l("Key %(key)s", key=_key)))


def _option_fields(form):
    return [(key, getattr(form, ivrs.option_field(key))) for key in KEYS]


# -- prompts


@bp.route("/prompts", methods=["GET"])
@role_required("admin")
def prompts_list():
    """List the prompt library with previews, and the forms that add to it."""
    return _prompts_page(UploadPromptForm(prefix="up"), SpeechPromptForm(prefix="tts"))


def _prompts_page(upload, speech, status=200):
    rows = [(prompt, prompts.users_of(prompt)) for prompt in prompts.list_prompts()]
    return render_template("telephony/ivrs/prompts.html", rows=rows, upload=upload, speech=speech,
                           languages=LANGUAGES), status


@bp.route("/prompts/upload", methods=["POST"])
@role_required("admin")
def prompt_upload():
    """Add a prompt from an uploaded file (checked by content, converted for the phone system)."""
    form, speech = UploadPromptForm(prefix="up"), SpeechPromptForm(prefix="tts", formdata=None)
    if form.validate_on_submit():
        stream = form.file.data.stream if form.file.data else None
        try:
            prompt = prompts.upload_prompt(prompts.PromptInput(form.name.data), stream, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Prompt %(name)s saved.", name=prompt.name), "success")
            return redirect(url_for("telephony.prompts_list"))
    return _prompts_page(form, speech, 422)


@bp.route("/prompts/speech", methods=["POST"])
@role_required("admin")
def prompt_speech():
    """Add a prompt spoken by text to speech."""
    upload, form = UploadPromptForm(prefix="up", formdata=None), SpeechPromptForm(prefix="tts")
    if form.validate_on_submit():
        data = prompts.PromptInput(form.name.data, form.text.data, form.language.data)
        try:
            prompt = prompts.synthesize_prompt(data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Prompt %(name)s saved.", name=prompt.name), "success")
            return redirect(url_for("telephony.prompts_list"))
    return _prompts_page(upload, form, 422)


@bp.route("/prompts/<int:prompt_id>/audio")
@role_required("admin")
def prompt_audio(prompt_id):
    """Serve a prompt's audio as WAV for the page's player (admins only)."""
    data = prompts.preview_wav(prompts.get_prompt(prompt_id))
    if data is None:
        abort(404)
    response = Response(data, mimetype="audio/wav")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/prompts/<int:prompt_id>/delete", methods=["POST"])
@role_required("admin")
def prompt_delete(prompt_id):
    """Delete a prompt (refused while a menu plays it)."""
    try:
        prompts.delete_prompt(prompt_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Prompt deleted."), "success")
    return redirect(url_for("telephony.prompts_list"))


# -- menus


@bp.route("/ivrs")
@role_required("admin")
def ivrs_list():
    """List the menus, each as a tree of its options (nested menus unfold), broken targets marked."""
    rows = [(ivr, ivrs.tree(ivr)) for ivr in ivrs.list_ivrs()]
    return render_template("telephony/ivrs/list.html", rows=rows)


def _input(form):
    options = {}
    for key, field in _option_fields(form):
        if request.form.get(f"use_{field.name}"):
            options[key] = field.data
    return ivrs.IvrInput(
        name=form.name.data, number=form.number.data or "", greeting=form.greeting.data or None,
        timeout_seconds=form.timeout_seconds.data, timeout_prompt=form.timeout_prompt.data or None,
        timeout_retries=form.timeout_retries.data, invalid_prompt=form.invalid_prompt.data or None,
        invalid_retries=form.invalid_retries.data, final_destination=form.final_destination.data,
        direct_dial=form.direct_dial.data, direct_ranges=form.direct_ranges.data or "", options=options)


@bp.route("/ivrs/new", methods=["GET", "POST"])
@bp.route("/ivrs/<int:ivr_id>", methods=["GET", "POST"])
@role_required("admin")
def ivr_edit(ivr_id=None):
    """Create or edit a menu."""
    ivr = ivrs.get_ivr(ivr_id) if ivr_id else None
    current = ivrs.options_of(ivr) if ivr else {}
    data = {ivrs.option_field(key): text for key, text in current.items()}
    if ivr:
        data.update(greeting=str(ivr.greeting_id or ""), timeout_prompt=str(ivr.timeout_prompt_id or ""),
                    invalid_prompt=str(ivr.invalid_prompt_id or ""))
    form = IvrForm(obj=ivr, data=data)
    for name in ("greeting", "timeout_prompt", "invalid_prompt"):
        getattr(form, name).choices = _prompt_choices()
    used = {ivrs.option_field(key) for key in current}
    if form.validate_on_submit():
        try:
            saved = ivrs.save_ivr(_input(form), current_actor(), ivr_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("IVR menu %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("telephony.ivrs_list"))
        used = {field.name for _, field in _option_fields(form) if request.form.get(f"use_{field.name}")}
    broken = set(ivrs.broken_options(ivr)) if ivr else set()
    return render_template("telephony/ivrs/form.html", form=form, ivr=ivr, options=_option_fields(form), used=used,
                           broken=broken), form.status


@bp.route("/ivrs/<int:ivr_id>/delete", methods=["POST"])
@role_required("admin")
def ivr_delete(ivr_id):
    """Delete a menu (refused while something sends calls to it)."""
    try:
        ivrs.delete_ivr(ivr_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("IVR menu deleted."), "success")
    return redirect(url_for("telephony.ivrs_list"))
