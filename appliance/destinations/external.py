"""An outside number: the call leaves through the outbound routes, as the default profile allows."""
import re

from appliance import phone_numbers
from appliance.asterisk.names import DEFAULT_PROFILE_CONTEXT
from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_

#: What the routes dial: E.164 (+5511…) or digits as a phone would dial them (011…, 0800…).
EXTERNAL_NUMBER = re.compile(r"\+?[0-9]{2,20}")


class ExternalKind(Kind):
    """Call a number outside the company (a mobile, another office)."""

    name = "external"
    title = N_("Outside number")
    internal = False

    def target_valid(self, target):
        """Digits, optionally after a +."""
        return bool(EXTERNAL_NUMBER.fullmatch(target or ""))

    def dialplan(self, target):
        """Dial it through the default profile's context: its routes, caps and refusals apply."""
        return f"Goto({DEFAULT_PROFILE_CONTEXT},{target},1)"

    def exists(self, target):
        """An outside number is always there (whether a route takes it shows when it is called)."""
        return True

    def describe(self, target):
        """Name it as people read it."""
        return N_("Outside number %(label)s"), {"label": phone_numbers.display(target)}

    def choices(self, search, limit):
        """Offer the typed number, normalised (+55 11 98765-4321 typed as (11) 98765-4321)."""
        number = phone_numbers.normalize(search)
        if number and self.target_valid(number):
            return [Choice(number, phone_numbers.display(number))]
        return []
