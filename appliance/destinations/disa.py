"""The cost-saving callback's DID: refused unanswered; authorised numbers are called back with a PIN and a dial tone."""
from appliance.asterisk.names import DISA_IN_CONTEXT
from appliance.destinations.base import Kind
from appliance.i18n import N_


class DisaKind(Kind):
    """Refuse the call unanswered and let the daemon call an authorised number back (services/disa.py)."""

    name = "disa"
    title = N_("Callback with dial tone (DISA)")
    needs_target = False
    internal = False

    def dialplan(self, target):
        """Go to the refusal that asks the daemon for the callback."""
        return f"Goto({DISA_IN_CONTEXT},s,1)"

    def exists(self, target):
        """Always there (which numbers are authorised is checked when they call)."""
        return True

    def describe(self, target):
        """Name it."""
        return N_("Callback with dial tone (DISA)"), {}
