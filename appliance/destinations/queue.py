"""A call-center queue: the caller waits until an agent answers (or the queue's own overflow)."""
from appliance.asterisk.names import QUEUES_CONTEXT
from appliance.destinations.base import NumberedKind
from appliance.i18n import N_
from appliance.models.queues import Queue


class QueueKind(NumberedKind):
    """Send the call into a queue, as if its number had been dialled."""

    name = "queue"
    title = N_("Queue")
    model = Queue
    label_message = N_("Queue %(label)s")

    def dialplan(self, target):
        """Go to the queue's number in the queues' context."""
        return f"Goto({QUEUES_CONTEXT},{target},1)"
