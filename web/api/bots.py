"""VoiceBots (admins): intents to destinations, the phrase test, what calls said; the same services as the pages."""
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, pre_dump

from appliance.models.bots import Bot, BotCall
from appliance.services import bots
from appliance.voicebot import matching
from web.api.auth import requires
from web.api.common import (
    ID,
    JsonInteger,
    PageArgs,
    UtcDateTime,
    length,
    one_of,
    page,
    page_schema,
    pattern,
    value_range,
)
from web.api.crud import Resource, register
from web.api.extensions import NAME

blp = Blueprint("bots", __name__, url_prefix="/api/v1/bots",
                description="VoiceBots: a greeting, intents recognised offline from speech, each to a destination "
                            "(a bot is a destination: bot:<id>); a fallback when nothing matched or the bot is down.")
NUMBER = r"^([1-9][0-9]{1,7})?$"
DESTINATION = "e.g. queue:500, extension:201, ivr:3, hangup"


class IntentSchema(Schema):
    """One intent: example phrases (one a line) and keywords (comma-separated), an answer, a destination."""

    name = fields.String(required=True, validate=[length(min=1, max=40), pattern(NAME)])
    phrases = fields.String(load_default="", validate=length(max=bots.MAX_PHRASES_TEXT))
    keywords = fields.String(load_default="", validate=length(max=400))
    answer = fields.String(load_default="", validate=length(max=bots.MAX_TEXT))
    slot = fields.String(load_default="", validate=one_of(matching.SLOTS),
                         metadata={"description": "A value picked out of the phrase: number, yes_no or empty"})
    destination = fields.String(required=True, validate=length(min=1, max=40), metadata={"description": DESTINATION})


class BotSchema(Schema):
    """A bot; intents are numbered by their order (a caller may also press that digit)."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    number = fields.String(load_default="", validate=pattern(NUMBER), metadata={"description": "Optional"})
    language = fields.String(load_default="en", validate=one_of(bots.LANGUAGES))
    greeting = JsonInteger(load_default=None, allow_none=True, validate=value_range(min=1, max=2147483647),
                           metadata={"description": "A prompt's id"})
    retry_text = fields.String(load_default="", validate=length(max=bots.MAX_TEXT))
    retries = JsonInteger(load_default=1, validate=value_range(min=0, max=5))
    threshold = JsonInteger(load_default=60, validate=value_range(min=1, max=100))
    fallback_destination = fields.String(load_default="hangup", validate=length(max=40),
                                         metadata={"description": DESTINATION})
    intents = fields.List(fields.Nested(IntentSchema), load_default=list, validate=length(max=bots.MAX_INTENTS))

    @pre_dump
    def _with_intents(self, bot, **kwargs):
        return {**bot.__data__, "intents": bots.public(bot)["intents"]}


class TryArgs(Schema):
    """A phrase as a caller would say it."""

    phrase = fields.String(required=True, validate=length(min=1, max=500))


class ScoreSchema(Schema):
    """One intent's score (0-100) and the example or keyword that gave it."""

    intent = fields.String()
    score = fields.Integer()
    because = fields.String()


class TrySchema(Schema):
    """Which intent wins (null: the bot would ask again), every score, and the slot's value."""

    text = fields.String()
    winner = fields.String(allow_none=True)
    slot_value = fields.String()
    scores = fields.List(fields.Nested(ScoreSchema))


class CallSchema(Schema):
    """One call to the bot: what was heard, the intent matched, the outcome."""

    id = fields.Integer(dump_only=True)
    uuid = fields.String()
    linkedid = fields.String()
    caller = fields.String()
    transcript = fields.String()
    intent = fields.String()
    score = fields.Integer()
    slot_value = fields.String()
    outcome = fields.String(metadata={"description": "intent, fallback, no_input, hangup or error"})
    latency_ms = fields.Integer()
    started_at = UtcDateTime()


def _input(data):
    return bots.BotInput(**{key: data[key] for key in (
        "name", "number", "language", "greeting", "retry_text", "retries", "threshold", "fallback_destination")},
        intents=[bots.IntentInput(**intent) for intent in data["intents"]])


register(blp, Resource(
    "Bot", "", "bot_id", BotSchema, ("bots:read", "bots:write"), Bot.select, Bot.id, bots.get_bot, bots.save_bot,
    bots.delete_bot, to_input=_input, noun="bot",
    docs={"delete": "Delete a bot; refused (422) while something still sends calls to it."}))


@blp.route(f"/<{ID}:bot_id>/try")
class BotTry(MethodView):
    """The test console."""

    @requires(blp, "bots:read")
    @blp.arguments(TryArgs)
    @blp.response(200, TrySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, args, bot_id):
        """Score a typed phrase against the bot's intents (nothing is stored)."""
        return bots.try_phrase(bots.get_bot(bot_id), args["phrase"])


class TryAudioFile(Schema):
    """A clip of what a caller would say: WAV, MP3, OGG or M4A, checked by content."""

    file = Upload(required=True, metadata={"description": f"At most {bots.CLIP_MAX_SECONDS} s and "
                                                          f"{bots.CLIP_MAX_BYTES // (1024 * 1024)} MB"})


@blp.route(f"/<{ID}:bot_id>/try-audio")
class BotTryAudio(MethodView):
    """The test console with a sound clip."""

    @requires(blp, "bots:read")
    @blp.arguments(TryAudioFile, location="files")
    @blp.response(200, TrySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, files, bot_id):
        """Hear a clip as a call to the bot would (the live bot's recognition) and score what was heard (``text``)
        against its intents; nothing is stored. 422 (errors.file) when the file holds no readable sound, is too
        long or too large, or when no speech model for the bot's language is installed."""
        return bots.try_audio(bots.get_bot(bot_id), files["file"].stream)


@blp.route(f"/<{ID}:bot_id>/calls")
class BotCalls(MethodView):
    """What the bot's calls said."""

    @requires(blp, "bots:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(CallSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, bot_id):
        """List the bot's calls by id."""
        bot = bots.get_bot(bot_id)
        return page(CallSchema, BotCall.select().where(BotCall.bot == bot), BotCall.id, args)
