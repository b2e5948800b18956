"""Render VoiceBots: one context per bot; the call talks to the bot server over AudioSocket, no AGI.

``cn-bot-<id>``, ``s``: answer, name the conversation by a UUID whose first 8 hex digits are the
bot's id (the AudioSocket handshake carries nothing but the UUID: this is how the server knows
which bot it is), leave the call's linkedid and caller number for the server in AstDB, then
``Dial(AudioSocket/<server>/<uuid>/c(slin16),,g)``: 16 kHz audio (what the recogniser is trained
on), and ``g`` carries on when the bot hangs up, is down (CHANUNAVAIL) or dies mid-call. Before it
hangs up the bot stores the number of the intent it matched in AstDB (AMI DBPut, ``<uuid>-result``,
decision 035); the dialplan takes it with DB_DELETE, keeps its digits only, and goes to
``intent-<n>`` — or to ``fallback`` when there is none (nothing matched, bot down, bot killed).
"""
import re
from dataclasses import dataclass

from appliance.asterisk.names import bot_context
from appliance.destinations import HANGUP, Destination, parse

from .dialplan import Context

#: AstDB family the dialplan and the bot server share (keys: <uuid>, <uuid>-result, <uuid>-slot).
DB_FAMILY = "cn-bot"
_ADDRESS = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}")
_NUMBER = re.compile(r"[1-9][0-9]{1,7}")
#: Characters a slot value may have when it reaches the dialplan (digits, yes, no).
SLOT_CHARACTERS = "0123456789yesno"


def uuid_prefix(bot_id):
    """Return the 8 hex digits that start every conversation UUID of bot ``bot_id``."""
    return f"{int(bot_id):08x}"


def bot_of_uuid(uuid):
    """Return the bot id a conversation UUID names (its first 8 hex digits)."""
    return int(uuid[:8], 16)


@dataclass(frozen=True)
class BotRow:
    """One bot as the dialplan needs it: its intents' destinations by position, the fallback, the server."""

    id: int
    name: str = ""
    number: str = ""
    intents: tuple = ()  # (position, Destination)
    fallback: Destination = HANGUP
    server: str = "127.0.0.1:9093"

    def __post_init__(self):
        if not isinstance(self.fallback, Destination):
            object.__setattr__(self, "fallback", parse(self.fallback))
        intents = tuple((int(pos), dest if isinstance(dest, Destination) else parse(dest))
                        for pos, dest in self.intents)
        object.__setattr__(self, "intents", intents)
        if any(not 1 <= pos <= 99 for pos, _ in intents):
            raise ValueError("bot intent positions are 1-99")
        if not _ADDRESS.fullmatch(self.server):
            raise ValueError(f"invalid bot server address {self.server!r}")
        if self.number and not _NUMBER.fullmatch(self.number):
            raise ValueError(f"invalid bot number {self.number!r}")
        if not 0 < int(self.id) < 2 ** 32:
            raise ValueError(f"invalid bot id {self.id!r}")


def bot_context_of(bot):
    """Return the Context of ``bot`` (a BotRow)."""
    name = bot_context(bot.id)
    uuid = "${CN_BOT_UUID}"
    context = Context(name, f"VoiceBot {bot.id}")
    context.exten(
        "s",
        "Answer()",
        f"Set(CN_BOT_UUID={uuid_prefix(bot.id)}${{UUID():8}})",
        f"Set(DB({DB_FAMILY}/{uuid})=${{CHANNEL(linkedid)}} ${{FILTER(0123456789+,${{CALLERID(num)}})}})",
        f"Dial(AudioSocket/{bot.server}/{uuid}/c(slin16),,g)",
        f"Set(CN_BOT_RESULT=${{FILTER(0123456789,${{DB_DELETE({DB_FAMILY}/{uuid}-result)}})}})",
        f"Set(CN_BOT_SLOT=${{FILTER({SLOT_CHARACTERS},${{DB_DELETE({DB_FAMILY}/{uuid}-slot)}})}})",
        f"Set(CN_BOT_CALL=${{DB_DELETE({DB_FAMILY}/{uuid})}})",
        '''GotoIf($["${CN_BOT_RESULT}" = ""]?fallback,1)''',
        f"GotoIf(${{DIALPLAN_EXISTS({name},intent-${{CN_BOT_RESULT}},1)}}?intent-${{CN_BOT_RESULT}},1)",
        "Goto(fallback,1)",
    )
    for position, destination in bot.intents:
        context.exten(f"intent-{position}", destination.dialplan(), "Hangup()")
    context.exten("fallback", bot.fallback.dialplan(), "Hangup()")
    return context


def contexts(source):
    """Return the bots' contexts of ``source`` (an EngineInput)."""
    return tuple(bot_context_of(bot) for bot in sorted(source.bots, key=lambda row: row.id))


def numbers(bots):
    """Return ``[(number, dialplan)]``: the internal numbers that reach a bot."""
    return [(bot.number, f"Goto({bot_context(bot.id)},s,1)") for bot in bots if bot.number]
