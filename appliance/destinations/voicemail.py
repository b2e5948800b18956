"""An extension's mailbox: the caller leaves a message without ringing anyone."""
from appliance.asterisk.names import VOICEMAIL_CONTEXT
from appliance.destinations.base import NumberedKind
from appliance.i18n import N_
from appliance.models.extensions import Extension


class VoicemailKind(NumberedKind):
    """Leave a message in an extension's mailbox."""

    name = "voicemail"
    title = N_("Voicemail")
    model = Extension
    label_message = N_("Voicemail of %(label)s")

    def rows(self):
        """Only extensions whose mailbox is on."""
        return Extension.select().where(Extension.voicemail_enabled)

    def dialplan(self, target):
        """Play the unavailable greeting and record."""
        return f"VoiceMail({target}@{VOICEMAIL_CONTEXT},u)"
