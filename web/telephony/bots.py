"""Admin pages for VoiceBots: intents to destinations, a fallback, the test console, the last calls."""
import time

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from appliance.errors import ValidationError
from appliance.services import bots, prompts
from appliance.voicebot import asr
from web.access import current_actor, role_required
from web.destinations import DestinationField
from web.forms import Form, apply_errors, choices
from web.plugins import translate_error
from web.telephony import bp

LANGUAGES = {"en": _l("English"), "pt-BR": _l("Portuguese (Brazil)")}
SLOTS = {"": _l("(none)"), "number": _l("A number"), "yes_no": _l("Yes or no")}
#: Intent blocks on the page (the API takes up to services.bots.MAX_INTENTS).
PAGE_INTENTS = 8
INTENT_FIELDS = ("name", "phrases", "keywords", "answer", "slot", "destination")


class BotForm(Form):
    """A bot; the intents' fields are added per block (intent_0_name, intent_0_destination, ...)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    number = StringField(_l("Number (optional)"), validators=[Optional(), Length(max=8)])
    language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))
    greeting = SelectField(_l("Greeting"), validate_choice=False)
    retry_text = StringField(_l("Said when the bot did not understand"), validators=[Length(max=200)])
    retries = IntegerField(_l("Times the caller may repeat"), default=1)
    threshold = IntegerField(_l("Lowest score an intent needs (1-100)"), default=60)
    fallback_destination = DestinationField(_l("When nothing matched or the bot is down"))


for _index in range(PAGE_INTENTS):
    setattr(BotForm, f"intent_{_index}_name", StringField(_l("Intent"), validators=[Length(max=40)]))
    setattr(BotForm, f"intent_{_index}_phrases", TextAreaField(_l("Example phrases (one a line)")))
    setattr(BotForm, f"intent_{_index}_keywords", StringField(_l("Keywords (separated by commas)")))
    setattr(BotForm, f"intent_{_index}_answer", StringField(_l("Answer spoken before the call moves on"),
                                                            validators=[Length(max=200)]))
    setattr(BotForm, f"intent_{_index}_slot", SelectField(_l("Value to pick out"), choices=choices(SLOTS.items()),
                                                        validate_choice=False))
    setattr(BotForm, f"intent_{_index}_destination", DestinationField(_l("Then send the call to")))


def _blocks(form):
    return [{name: getattr(form, f"intent_{index}_{name}") for name in INTENT_FIELDS} for index in range(PAGE_INTENTS)]


def _input(form):
    intents = [bots.IntentInput(**{name: block[name].data or "" for name in INTENT_FIELDS})
               for block in _blocks(form) if (block["name"].data or "").strip()]
    return bots.BotInput(name=form.name.data, number=form.number.data or "", language=form.language.data,
                         greeting=form.greeting.data or None, retry_text=form.retry_text.data or "",
                         retries=form.retries.data, threshold=form.threshold.data,
                         fallback_destination=form.fallback_destination.data, intents=intents)


def _renumber(error, form):
    # The service names an intent's errors by its place among the filled blocks; the page by its block.
    filled = [index for index, block in enumerate(_blocks(form)) if (block["name"].data or "").strip()]
    renamed = {}
    for key, value in error.fields.items():
        if key.startswith("intent_") and key.split("_")[1].isdigit():
            _, position, rest = key.split("_", 2)
            key = f"intent_{filled[int(position)]}_{rest}"
        renamed[key] = value
    return ValidationError(renamed)


@bp.route("/bots")
@role_required("admin")
def bots_list():
    """List the bots with their intents and the speech models present."""
    rows = [(bot, bots.intents_of(bot)) for bot in bots.list_bots()]
    instance = bots.speech_models_dir()
    models = {language: asr.available(instance or "/nonexistent", language) for language in LANGUAGES}
    return render_template("telephony/bots/list.html", rows=rows, languages=LANGUAGES, models=models)


@bp.route("/bots/new", methods=["GET", "POST"])
@bp.route("/bots/<int:bot_id>", methods=["GET", "POST"])
@role_required("admin")
def bot_edit(bot_id=None):
    """Create or edit a bot; an existing one also shows the test console and its last calls."""
    bot = bots.get_bot(bot_id) if bot_id else None
    data = {}
    if bot:
        data["greeting"] = str(bot.greeting_id or "")
        for index, intent in enumerate(bots.intents_of(bot)[:PAGE_INTENTS]):
            data.update({f"intent_{index}_{name}": getattr(intent, name) for name in INTENT_FIELDS})
    form = BotForm(obj=bot, data=data)
    form.greeting.choices = choices([("", gettext("(none)"))] + [(str(p.id), p.name) for p in prompts.list_prompts()])
    if form.validate_on_submit():
        try:
            saved = bots.save_bot(_input(form), current_actor(), bot_id)
        except ValidationError as error:
            apply_errors(form, _renumber(error, form))
        else:
            flash(gettext("VoiceBot %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("telephony.bot_edit", bot_id=saved.id))
    calls = bots.recent_calls(bot) if bot else []
    return render_template("telephony/bots/form.html", form=form, bot=bot, blocks=_blocks(form), calls=calls,
                           can_hear=bot is not None and bots.can_hear(bot), clip_seconds=bots.CLIP_MAX_SECONDS,
                           clip_mb=bots.CLIP_MAX_BYTES // (1024 * 1024)), form.status


@bp.route("/bots/<int:bot_id>/try", methods=["POST"])
@role_required("admin")
def bot_try(bot_id):
    """The test console: which intent a typed phrase wins, with every intent's score (an HTMX fragment)."""
    bot = bots.get_bot(bot_id)
    text = (request.form.get("phrase") or "").strip()
    result = bots.try_phrase(bot, text) if text else None
    return render_template("telephony/bots/_try.html", result=result, bot=bot)


@bp.route("/bots/<int:bot_id>/try-audio", methods=["POST"])
@role_required("admin")
def bot_try_audio(bot_id):
    """The test console with an uploaded clip: what the bot heard and which intent wins (an HTMX fragment).

    Heard by the live bot's own recognition, in this worker (the clip is capped: about a second of work);
    nothing of the clip is kept. A refused file is a 422 whose fragment says why (the form swaps it in).
    """
    bot = bots.get_bot(bot_id)
    upload = request.files.get("file")
    started = time.monotonic()
    try:
        result = bots.try_audio(bot, upload.stream if upload and upload.filename else None)
    except ValidationError as error:
        return render_template("telephony/bots/_try.html", result=None, bot=bot, error=translate_error(error)), 422
    return render_template("telephony/bots/_try.html", result=result, bot=bot, heard=True,
                           seconds=time.monotonic() - started)


@bp.route("/bots/<int:bot_id>/delete", methods=["POST"])
@role_required("admin")
def bot_delete(bot_id):
    """Delete a bot (refused while something sends calls to it)."""
    try:
        bots.delete_bot(bot_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("VoiceBot deleted."), "success")
    return redirect(url_for("telephony.bots_list"))
