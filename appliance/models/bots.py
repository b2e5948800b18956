"""VoiceBots: a greeting, intents recognised from speech, each to a destination; and what each call said."""
import peewee

from appliance.db import BaseModel
from appliance.models.ivr import Prompt
from appliance.models.users import utcnow


class Bot(BaseModel):
    """A bot the caller talks to: it greets, listens, matches an intent and sends the call on."""

    name = peewee.CharField(max_length=64, unique=True)
    #: Optional internal number that reaches the bot ("" = reached only as a destination).
    number = peewee.CharField(max_length=8, default="")
    #: "en" (pocketsphinx, shipped) or "pt-BR" (a Vosk model the admin installs).
    language = peewee.CharField(max_length=8, default="en")
    greeting = peewee.ForeignKeyField(Prompt, null=True, on_delete="SET NULL", backref="+")
    #: Said (TTS) when nothing matched well enough; then the caller speaks again, ``retries`` times.
    retry_text = peewee.CharField(max_length=200, default="")
    retries = peewee.IntegerField(default=1)
    #: Lowest score (0-100) an intent needs to win.
    threshold = peewee.IntegerField(default=60)
    #: Where the call goes when nothing matched, or the bot is down.
    fallback_destination = peewee.CharField(max_length=40, default="hangup")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "bots"


class BotIntent(BaseModel):
    """One thing a caller may want: example phrases and keywords, an answer spoken, a destination."""

    bot = peewee.ForeignKeyField(Bot, backref="intents", on_delete="CASCADE")
    #: 1.. in the bot: the dialplan's branch is named by it.
    position = peewee.IntegerField()
    name = peewee.CharField(max_length=40)
    #: One example phrase a line; keywords separated by commas.
    phrases = peewee.TextField(default="")
    keywords = peewee.CharField(max_length=400, default="")
    #: Said (TTS) before the call moves on ("" = nothing).
    answer = peewee.CharField(max_length=200, default="")
    #: A value to pick out of the phrase: "" none, "number", "yes_no".
    slot = peewee.CharField(max_length=8, default="")
    destination = peewee.CharField(max_length=40)

    class Meta:
        table_name = "bot_intents"
        indexes = ((("bot", "position"), True),)


class VoicemailTranscript(BaseModel):
    """The automatic transcript of a voicemail (same recogniser as the bots), by Asterisk's msg_id; "" = none."""

    msg_id = peewee.CharField(max_length=64, primary_key=True)
    mailbox = peewee.CharField(max_length=20, default="")
    language = peewee.CharField(max_length=8, default="")
    text = peewee.TextField(default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "voicemail_transcripts"


class BotCall(BaseModel):
    """What happened in one call to a bot: what the caller said, the intent matched, where the call went."""

    uuid = peewee.CharField(max_length=36, unique=True)
    bot = peewee.ForeignKeyField(Bot, null=True, backref="+", on_delete="SET NULL")
    #: The call's linkedid (joins the call history).
    linkedid = peewee.CharField(max_length=150, default="", index=True)
    caller = peewee.CharField(max_length=80, default="")
    transcript = peewee.TextField(default="")
    intent = peewee.CharField(max_length=40, default="")
    score = peewee.IntegerField(default=0)
    slot_value = peewee.CharField(max_length=40, default="")
    #: "intent", "fallback" (nothing matched), "no_input", "hangup" (the caller left), "error".
    outcome = peewee.CharField(max_length=12, default="")
    #: Milliseconds from the end of the caller's speech to the intent (the last turn).
    latency_ms = peewee.IntegerField(default=0)
    started_at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "bot_calls"
