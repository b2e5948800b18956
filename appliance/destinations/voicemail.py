"""An extension's mailbox: the caller leaves a message without ringing anyone."""
from appliance.asterisk.names import VOICEMAIL_CONTEXT
from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_
from appliance.models.extensions import Extension


class VoicemailKind(Kind):
    """Leave a message in an extension's mailbox."""

    name = "voicemail"
    title = N_("Voicemail")

    def dialplan(self, target):
        """Play the unavailable greeting and record."""
        return f"VoiceMail({target}@{VOICEMAIL_CONTEXT},u)"

    def exists(self, target):
        """Tell whether the extension has its mailbox on."""
        return Extension.select().where((Extension.number == target) & Extension.voicemail_enabled).exists()

    def describe(self, target):
        """Name it with the extension's number and name."""
        extension = Extension.get_or_none(Extension.number == target)
        label = f"{target} {extension.name}" if extension else target
        return N_("Voicemail of %(label)s"), {"label": label}

    def choices(self, search, limit):
        """Offer extensions whose mailbox is on."""
        query = (Extension.select(Extension.number, Extension.name).where(Extension.voicemail_enabled)
                 .order_by(Extension.number))
        if search:
            query = query.where(Extension.number.startswith(search) | Extension.name.contains(search))
        return [Choice(e.number, f"{e.number} {e.name}") for e in query.limit(limit)]
