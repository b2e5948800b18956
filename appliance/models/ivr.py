"""Prompts (recorded or synthesized audio the PBX plays) and IVR menus (URAs) built from them."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Prompt(BaseModel):
    """A sound in the prompt library, named by its id; its audio lives in the engine's prompts folder."""

    name = peewee.CharField(max_length=64, unique=True)
    #: "upload", "tts" or "phone" (recorded from an extension by feature code).
    source = peewee.CharField(max_length=8, default="upload")
    #: TTS: the language ("pt-BR", "en") and the text spoken.
    language = peewee.CharField(max_length=8, default="")
    text = peewee.TextField(default="")
    #: Seconds of audio, as converted.
    duration = peewee.FloatField(default=0.0)
    #: Bumped at every new audio: the preview URL changes with it (no stale browser cache).
    version = peewee.IntegerField(default=0)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "prompts"


class Ivr(BaseModel):
    """A menu: a greeting, a key per option, direct dial, and what happens on silence or a wrong key."""

    name = peewee.CharField(max_length=64, unique=True)
    #: Optional internal number that reaches the menu ("" = reached only as a destination).
    number = peewee.CharField(max_length=8, default="")
    greeting = peewee.ForeignKeyField(Prompt, null=True, on_delete="SET NULL", backref="+")
    #: Seconds to wait for the first key after the greeting.
    timeout_seconds = peewee.IntegerField(default=5)
    timeout_prompt = peewee.ForeignKeyField(Prompt, null=True, on_delete="SET NULL", backref="+")
    timeout_retries = peewee.IntegerField(default=2)
    invalid_prompt = peewee.ForeignKeyField(Prompt, null=True, on_delete="SET NULL", backref="+")
    invalid_retries = peewee.IntegerField(default=2)
    #: Where a call goes once the retries are spent: a destination's text.
    final_destination = peewee.CharField(max_length=40, default="hangup")
    #: Direct dial: a caller may type an extension's number; ``direct_ranges`` "200-299 4000-4099" limits it.
    direct_dial = peewee.BooleanField(default=False)
    direct_ranges = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "ivrs"


class IvrOption(BaseModel):
    """A key of a menu (0-9, * or #) and where it sends the call."""

    ivr = peewee.ForeignKeyField(Ivr, backref="options", on_delete="CASCADE")
    key = peewee.CharField(max_length=1)
    destination = peewee.CharField(max_length=40)

    class Meta:
        table_name = "ivr_options"
        indexes = ((("ivr", "key"), True),)
