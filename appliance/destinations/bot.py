"""A VoiceBot: the caller says what they want and the bot sends the call on (appliance/voicebot)."""
from appliance.asterisk.names import bot_context
from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_
from appliance.models.bots import Bot


class BotKind(Kind):
    """Send the call to a bot; the target is the bot's id (a bot's number is optional)."""

    name = "bot"
    title = N_("VoiceBot")
    #: Targets are ids, not dialled numbers: deleting an extension never touches them.
    internal = False

    def target_valid(self, target):
        """An id: 1 to 9 digits, not starting with 0."""
        return bool(target) and target.isascii() and target.isdigit() and len(target) <= 9 and target[0] != "0"

    def dialplan(self, target):
        """Enter the bot's context (it answers and connects the AudioSocket)."""
        return f"Goto({bot_context(target)},s,1)"

    def exists(self, target):
        """Tell whether the bot is there."""
        return Bot.select().where(Bot.id == int(target)).exists()

    def describe(self, target):
        """Name it "VoiceBot <name>"."""
        row = Bot.get_or_none(Bot.id == int(target))
        return N_("VoiceBot %(label)s"), {"label": _label(row) if row else f"#{target}"}

    def choices(self, search, limit):
        """Offer bots by name or number."""
        query = Bot.select(Bot.id, Bot.name, Bot.number).order_by(Bot.name)
        if search:
            query = query.where(Bot.name.contains(search) | Bot.number.startswith(search))
        return [Choice(str(row.id), _label(row)) for row in query.limit(limit)]


def _label(row):
    return f"{row.number} {row.name}" if row.number else row.name
