"""A ring group: several extensions ring for one number."""
from appliance.asterisk.names import INTERNAL_CONTEXT
from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_
from appliance.models.extensions import RingGroup


class RingGroupKind(Kind):
    """Ring a ring group as if its number had been dialled."""

    name = "ring_group"
    title = N_("Ring group")

    def dialplan(self, target):
        """Dial the group's number (its dialplan lives in the internal context)."""
        return f"Goto({INTERNAL_CONTEXT},{target},1)"

    def exists(self, target):
        """Tell whether the group exists."""
        return RingGroup.select().where(RingGroup.number == target).exists()

    def describe(self, target):
        """Name it with its number and name."""
        group = RingGroup.get_or_none(RingGroup.number == target)
        label = f"{target} {group.name}" if group else target
        return N_("Ring group %(label)s"), {"label": label}

    def choices(self, search, limit):
        """Offer ring groups by number or name."""
        query = RingGroup.select(RingGroup.number, RingGroup.name).order_by(RingGroup.number)
        if search:
            query = query.where(RingGroup.number.startswith(search) | RingGroup.name.contains(search))
        return [Choice(g.number, f"{g.number} {g.name}") for g in query.limit(limit)]
