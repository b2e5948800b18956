"""A conference room: the caller is asked the room's PIN, then joins the others."""
from appliance.asterisk.names import CONFERENCES_CONTEXT
from appliance.destinations.base import NumberedKind
from appliance.i18n import N_
from appliance.models.conferences import ConferenceRoom


class ConferenceKind(NumberedKind):
    """Send the call into a room, as if its number had been dialled."""

    name = "conference"
    title = N_("Conference room")
    model = ConferenceRoom
    label_message = N_("Conference room %(label)s")

    def dialplan(self, target):
        """Go to the room's number in the rooms' context."""
        return f"Goto({CONFERENCES_CONTEXT},{target},1)"
