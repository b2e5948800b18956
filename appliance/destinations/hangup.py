"""Hang up: the end of the road."""
from appliance.destinations.base import Kind
from appliance.i18n import N_


class HangupKind(Kind):
    """End the call."""

    name = "hangup"
    title = N_("Hang up")
    needs_target = False

    def dialplan(self, target):
        """Hang the call up."""
        return "Hangup()"

    def exists(self, target):
        """Hanging up is always possible."""
        return True

    def describe(self, target):
        """Name it."""
        return N_("Hang up"), {}
