"""VoiceBots: a greeting, intents to destinations, a fallback; the test console (a typed phrase, or an uploaded
clip heard by the live bot's own recognition); what each call said.

Saving a bot recompiles the dialplan (its context and intents' branches) after commit; the bot
server reads the bot's intents from the database at every call, so a change applies to the next
call without restarting anything.
"""
import asyncio
import concurrent.futures
from dataclasses import dataclass, field

from appliance import audio, destinations
from appliance.db import database
from appliance.destinations import referrers
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.bots import Bot, BotCall, BotIntent
from appliance.models.ivr import Prompt
from appliance.services import audit, engine_sync, names, numbering, prompts
from appliance.services.extensions import NAME_FORBIDDEN, in_range
from appliance.voicebot import asr, matching, recognition, speech

LANGUAGES = ("en", "pt-BR")
RETRIES_RANGE = (0, 5)
THRESHOLD_RANGE = (1, 100)
MAX_INTENTS = 20
MAX_PHRASES_TEXT = 4000
MAX_TEXT = 200
#: The test console's uploaded clips: largest file, longest sound (a 30 s clip is heard in about a second),
#: and how many bots' recognisers a web worker keeps (about 10 MB each).
CLIP_MAX_BYTES = 4 * 1024 * 1024
CLIP_MAX_SECONDS = 30
CLIP_RECOGNISERS = 4
NO_MODEL = (N_("No speech model for this bot's language is installed here: calls to it take the fallback, and "
               "only typed phrases can be tried."), {})


@dataclass
class IntentInput:
    """One intent as an admin types it: phrases one a line, keywords separated by commas."""

    name: str
    destination: str
    phrases: str = ""
    keywords: str = ""
    answer: str = ""
    slot: str = ""


@dataclass
class BotInput:
    """What an admin types for a bot."""

    name: str
    number: str = ""
    language: str = "en"
    greeting: int | None = None
    retry_text: str = ""
    retries: int = 1
    threshold: int = 60
    fallback_destination: str = "hangup"
    intents: list = field(default_factory=list)


def get_bot(bot_id):
    """Return the bot with ``bot_id`` or raise NotFound."""
    bot = Bot.get_or_none(Bot.id == bot_id)
    if bot is None:
        raise NotFound(N_("VoiceBot not found."))
    return bot


def list_bots():
    """Return every bot, by name."""
    return Bot.select().order_by(Bot.name)


def intents_of(bot):
    """Return the intents of ``bot``, in order."""
    return list(BotIntent.select().where(BotIntent.bot == bot).order_by(BotIntent.position))


def matcher_intents(bot):
    """Return the intents of ``bot`` as matching.Intent (what the server and the console score)."""
    return [matching.Intent(row.name, matching.split_phrases(row.phrases), matching.split_keywords(row.keywords),
                            row.slot) for row in intents_of(bot)]


def _text(value, name, limit, errors):
    value = (value or "").strip()
    if len(value) > limit or NAME_FORBIDDEN.search(value.replace("\n", " ").replace("'", "")):
        errors[name] = (N_("Use at most %(max)d characters, without quotes, < > \\ or ;."), {"max": limit})
    return value


def _destination(text, name, errors):
    destination = destinations.find(text or "hangup")
    if destination is None or not destination.exists():
        errors[name] = (N_("Choose a destination from the list."), {})
        return text
    return str(destination)


def _validate_intents(data, errors):
    cleaned, names = [], set()
    for index, intent in enumerate(data.intents or []):
        if isinstance(intent, dict):
            intent = IntentInput(**intent)
        prefix = f"intent_{index}_"
        name = (intent.name or "").strip()
        if not name:
            errors[prefix + "name"] = (N_("Enter a name."), {})
        elif len(name) > 40 or NAME_FORBIDDEN.search(name):
            errors[prefix + "name"] = (N_("Use at most %(max)d characters, without quotes, < > \\ or ;."), {"max": 40})
        elif name.lower() in names:
            errors[prefix + "name"] = (N_("Two intents have this name."), {})
        names.add(name.lower())
        phrases = "\n".join(matching.split_phrases(intent.phrases))
        keywords = ", ".join(matching.split_keywords(intent.keywords))
        if len(phrases) > MAX_PHRASES_TEXT:
            errors[prefix + "phrases"] = (N_("Use at most %(max)d characters."), {"max": MAX_PHRASES_TEXT})
        if len(keywords) > 400:
            errors[prefix + "keywords"] = (N_("Use at most %(max)d characters."), {"max": 400})
        if not phrases and not keywords:
            errors[prefix + "phrases"] = (N_("Give example phrases or keywords."), {})
        if intent.slot not in matching.SLOTS:
            errors[prefix + "slot"] = (N_("Choose a value from the list."), {})
        cleaned.append(IntentInput(name=name, phrases=phrases, keywords=keywords,
                                   answer=_text(intent.answer, prefix + "answer", MAX_TEXT, errors),
                                   slot=intent.slot or "",
                                   destination=_destination(intent.destination, prefix + "destination", errors)))
    if len(cleaned) > MAX_INTENTS:
        errors["intents"] = (N_("Use at most %(max)d intents."), {"max": MAX_INTENTS})
    data.intents = cleaned


def _validate(data, bot_id, errors):
    data.name = names.clean_unique_name(data.name, errors, model=Bot, own_id=bot_id,
                                        taken=N_("A VoiceBot with this name exists."))
    data.number = numbering.clean_optional_number(data.number, errors, mine=("bot", bot_id))
    if data.language not in LANGUAGES:
        errors["language"] = (N_("Choose a value from the list."), {})
    if data.greeting in ("", 0):
        data.greeting = None
    if data.greeting is not None:
        try:
            data.greeting = int(data.greeting)
        except (TypeError, ValueError):
            data.greeting = -1
        if not Prompt.select().where(Prompt.id == data.greeting).exists():
            errors["greeting"] = (N_("Choose a prompt from the list."), {})
    data.retry_text = _text(data.retry_text, "retry_text", MAX_TEXT, errors)
    data.retries = in_range(data.retries, "retries", RETRIES_RANGE, errors)
    data.threshold = in_range(data.threshold, "threshold", THRESHOLD_RANGE, errors)
    data.fallback_destination = _destination(data.fallback_destination, "fallback_destination", errors)
    _validate_intents(data, errors)


def public(bot):
    """Return ``bot`` as the audit log and the API see it."""
    return {"name": bot.name, "number": bot.number, "language": bot.language, "greeting": bot.greeting_id,
            "retry_text": bot.retry_text, "retries": bot.retries, "threshold": bot.threshold,
            "fallback_destination": bot.fallback_destination,
            "intents": [{"name": row.name, "phrases": row.phrases, "keywords": row.keywords, "answer": row.answer,
                         "slot": row.slot, "destination": row.destination} for row in intents_of(bot)]}


_FIELDS = ("name", "number", "language", "greeting", "retry_text", "retries", "threshold", "fallback_destination")


def save_bot(data, actor, bot_id=None):
    """Create (``bot_id`` None) or replace a bot and its intents; the dialplan follows after commit."""
    with database.atomic():
        bot = get_bot(bot_id) if bot_id is not None else None
        errors = {}
        _validate(data, bot_id, errors)
        if errors:
            raise ValidationError(errors)
        before = public(bot) if bot else None
        values = {name: getattr(data, name) for name in _FIELDS}
        if bot is None:
            bot = Bot.create(**values)
        else:
            for key, value in values.items():
                setattr(bot, key, value)
            bot.save()
        BotIntent.delete().where(BotIntent.bot == bot).execute()
        for position, intent in enumerate(data.intents, start=1):
            BotIntent.create(bot=bot, position=position, name=intent.name, phrases=intent.phrases,
                             keywords=intent.keywords, answer=intent.answer, slot=intent.slot,
                             destination=intent.destination)
        audit.record(actor, "bot.update" if before else "bot.create", "bot", bot.id, bot.name, before=before,
                     after=public(bot))
        engine_sync.request([], files=True)
    return bot


def delete_bot(bot_id, actor):
    """Delete a bot; refused while something (a route, a menu, another bot) sends calls to it."""
    with database.atomic():
        bot = get_bot(bot_id)
        before = public(bot)
        # Its own intents and fallback may point at itself: they go with it (rolled back if refused).
        BotIntent.delete().where(BotIntent.bot == bot).execute()
        Bot.update(fallback_destination="hangup").where(Bot.id == bot.id).execute()
        referrers.refuse_if_used([destinations.Destination("bot", str(bot.id))], "name")
        audit.record(actor, "bot.delete", "bot", bot.id, bot.name, before=before)
        bot.delete_instance()
        engine_sync.request([], files=True)


def try_phrase(bot, text):
    """Return the matching.Match of ``text`` against ``bot``'s intents (the page's test console)."""
    return matching.match(text[:500], matcher_intents(bot), bot.threshold)


def speech_models_dir():
    """Return the engine instance folder speech models are installed under (``lib/asr/<language>``), or None."""
    folder = prompts.storage_dir()
    return folder.parent.parent if folder is not None else None


def can_hear(bot):
    """Tell whether ``bot``'s language has a speech model here (else the console takes typed phrases only)."""
    return asr.available(speech_models_dir() or "/nonexistent", bot.language)


_console_recognition = None


def _recognition():
    # The console's recognisers live in the web process (a few: a web worker is not the bot's pool).
    global _console_recognition
    instance = str(speech_models_dir() or "/nonexistent")
    if _console_recognition is None or _console_recognition.instance_dir != instance:
        _console_recognition = recognition.Recognition(instance, workers=0, keep=CLIP_RECOGNISERS)
    return _console_recognition


def _run_to_completion(coroutine):
    """Run ``coroutine`` from synchronous code and return its result, also from a thread that already runs an
    event loop (where asyncio.run refuses): then in a thread of its own. A web worker's request thread has none;
    a process that drives a browser through Playwright's synchronous API has one (the full test suite)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def try_audio(bot, stream):
    """Return the matching.Match of an uploaded clip (``stream``: WAV, MP3, OGG or M4A) to ``bot``, its text being
    what was heard, by the very code a live call runs (the endpointer's first utterance, recognition.understand);
    nothing of the clip is kept. A clip without speech gives an empty text and no winner (on a call: no input).

    The clip is at most CLIP_MAX_BYTES and CLIP_MAX_SECONDS; the bot hears at most 10 s of it (a web worker is
    held under a second).
    Raise ValidationError on "file": no speech model for the bot's language, or an unreadable file.
    """
    if not can_hear(bot):
        raise ValidationError({"file": NO_MODEL})
    if stream is None:
        raise ValidationError({"file": (N_("Choose a sound file."), {})})
    try:
        pcm16 = audio.decode_upload(stream, CLIP_MAX_BYTES, CLIP_MAX_SECONDS)
    except audio.AudioError as error:
        message, params = prompts.audio_error(error, CLIP_MAX_BYTES, CLIP_MAX_SECONDS)
        raise ValidationError({"file": (message, params)}) from error
    config = recognition.load_bot(bot.id, None)
    if config is None:
        raise NotFound(N_("VoiceBot not found."))
    # As on a call: the bot hears the first utterance (until half a second of silence, at most 10 s).
    utterance = speech.first_utterance(pcm16)
    if not utterance:
        return matching.match("", matcher_intents(bot), bot.threshold)
    try:
        return _run_to_completion(recognition.understand(_recognition(), config, utterance))
    except asr.AsrUnavailable as error:  # the model went away since can_hear
        raise ValidationError({"file": NO_MODEL}) from error


def record_call(uuid, bot_id, **values):
    """Store (or update) what happened in bot call ``uuid`` (the bot server, after each turn)."""
    with database.atomic():
        row = BotCall.get_or_none(BotCall.uuid == uuid)
        if row is None:
            row = BotCall.create(uuid=uuid, bot=bot_id if Bot.get_or_none(Bot.id == bot_id) else None, **values)
        else:
            BotCall.update(**values).where(BotCall.id == row.id).execute()
    return row


def calls_of(linkedids):
    """Return ``{linkedid: BotCall}`` of the calls among ``linkedids`` that talked to a bot (the history rows)."""
    found = {}
    ids = [value for value in linkedids if value]
    for start in range(0, len(ids), 500):
        for row in BotCall.select().where(BotCall.linkedid.in_(ids[start:start + 500])).order_by(BotCall.id):
            found[row.linkedid] = row
    return found


def recent_calls(bot, limit=20):
    """Return the last ``limit`` calls of ``bot``, newest first."""
    return list(BotCall.select().where(BotCall.bot == bot).order_by(BotCall.id.desc()).limit(limit))
