"""An extension: its devices ring, with its own DND, forwards and voicemail."""
from appliance.asterisk.names import INTERNAL_CONTEXT
from appliance.destinations.base import NumberedKind
from appliance.i18n import N_
from appliance.models.extensions import Extension


class ExtensionKind(NumberedKind):
    """Call an extension as if it had been dialled."""

    name = "extension"
    title = N_("Extension")
    model = Extension
    label_message = N_("Extension %(label)s")

    def dialplan(self, target):
        """Dial it through the internal context (DND, forwards and voicemail apply)."""
        return f"Goto({INTERNAL_CONTEXT},{target},1)"
