"""Offer a callback: the caller confirms their number (or keys another) and hangs up; an agent calls back."""
from appliance.asterisk.names import CALLBACK_OFFER_CONTEXT
from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.queues import Queue


class CallbackKind(Kind):
    """Take the caller's number for a callback; the target is who calls back: an extension or a queue."""

    name = "callback"
    title = N_("Offer a callback")

    def dialplan(self, target):
        """Go to the offer, with who calls back as the extension."""
        return f"Goto({CALLBACK_OFFER_CONTEXT},{target},1)"

    def exists(self, target):
        """Tell whether an extension or a queue has this number."""
        return (Extension.select().where(Extension.number == target).exists()
                or Queue.select().where(Queue.number == target).exists())

    def describe(self, target):
        """Name it "Callback by <number name>"."""
        row = Extension.get_or_none(Extension.number == target) or Queue.get_or_none(Queue.number == target)
        return N_("Callback by %(label)s"), {"label": f"{target} {row.name}" if row else target}

    def choices(self, search, limit):
        """Offer extensions and queues by number or name."""
        found = []
        for model in (Queue, Extension):
            query = model.select(model.number, model.name).order_by(model.number)
            if search:
                query = query.where(model.number.startswith(search) | model.name.contains(search))
            found += [Choice(row.number, f"{row.number} {row.name}") for row in query.limit(limit)]
        return found[:limit]
