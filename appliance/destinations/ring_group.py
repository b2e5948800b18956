"""A ring group: several extensions ring for one number."""
from appliance.asterisk.names import INTERNAL_CONTEXT
from appliance.destinations.base import NumberedKind
from appliance.i18n import N_
from appliance.models.groups import RingGroup


class RingGroupKind(NumberedKind):
    """Ring a ring group as if its number had been dialled."""

    name = "ring_group"
    title = N_("Ring group")
    model = RingGroup
    label_message = N_("Ring group %(label)s")

    def dialplan(self, target):
        """Dial the group's number (its dialplan lives in the internal context)."""
        return f"Goto({INTERNAL_CONTEXT},{target},1)"
