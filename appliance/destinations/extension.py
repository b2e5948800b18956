"""An extension: its devices ring, with its own DND, forwards and voicemail."""
from appliance.asterisk.names import INTERNAL_CONTEXT
from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_
from appliance.models.extensions import Extension


class ExtensionKind(Kind):
    """Call an extension as if it had been dialled."""

    name = "extension"
    title = N_("Extension")

    def dialplan(self, target):
        """Dial it through the internal context (DND, forwards and voicemail apply)."""
        return f"Goto({INTERNAL_CONTEXT},{target},1)"

    def exists(self, target):
        """Tell whether the extension exists."""
        return Extension.select().where(Extension.number == target).exists()

    def describe(self, target):
        """Name it with its number and name."""
        extension = Extension.get_or_none(Extension.number == target)
        label = f"{target} {extension.name}" if extension else target
        return N_("Extension %(label)s"), {"label": label}

    def choices(self, search, limit):
        """Offer extensions by number or name."""
        query = Extension.select(Extension.number, Extension.name).order_by(Extension.number)
        if search:
            query = query.where(Extension.number.startswith(search) | Extension.name.contains(search))
        return [Choice(e.number, f"{e.number} {e.name}") for e in query.limit(limit)]
