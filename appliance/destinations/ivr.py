"""An IVR menu (URA): the caller hears a greeting and picks an option by key."""
from appliance.asterisk.names import ivr_context
from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_
from appliance.models.ivr import Ivr


class IvrKind(Kind):
    """Send the call into a menu; the target is the menu's id (a menu's number is optional)."""

    name = "ivr"
    title = N_("IVR menu")
    #: Targets are ids, not dialled numbers: deleting an extension never touches them.
    internal = False

    def target_valid(self, target):
        """An id: 1 to 9 digits, not starting with 0."""
        return bool(target) and target.isascii() and target.isdigit() and len(target) <= 9 and target[0] != "0"

    def dialplan(self, target):
        """Enter the menu at its start (the retry counters start again)."""
        return f"Goto({ivr_context(target)},s,1)"

    def exists(self, target):
        """Tell whether the menu is there."""
        return Ivr.select().where(Ivr.id == int(target)).exists()

    def describe(self, target):
        """Name it "IVR menu <name>"."""
        row = Ivr.get_or_none(Ivr.id == int(target))
        return N_("IVR menu %(label)s"), {"label": _label(row) if row else f"#{target}"}

    def choices(self, search, limit):
        """Offer menus by name or number."""
        query = Ivr.select(Ivr.id, Ivr.name, Ivr.number).order_by(Ivr.name)
        if search:
            query = query.where(Ivr.name.contains(search) | Ivr.number.startswith(search))
        return [Choice(str(row.id), _label(row)) for row in query.limit(limit)]


def _label(row):
    return f"{row.number} {row.name}" if row.number else row.name
