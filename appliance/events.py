"""The one road from the daemon to the web workers: a durable table of events, tailed by id.

The daemon (the only AMI client) ``publish``\\ es; SSE handlers in any web worker and the webhook
fan-out ``read_since`` an id. Ids only grow, so an SSE client resumes with ``Last-Event-ID`` and
the webhook fan-out keeps a cursor; rows older than EVENTS_KEEP_HOURS are pruned by a daemon job
(decision 018). Live dashboards and wallboards (issue 14) publish and read their events here too.

Event types are listed once, in TYPES: adding a type (``"sms.received": N_("SMS received")``) is
one line, and webhooks can subscribe to it at once.
"""
import datetime
import json
import threading

from appliance.db import database
from appliance.i18n import N_
from appliance.models.events import Event
from appliance.models.users import utcnow

#: Every event type webhooks may subscribe to and SSE streams carry, with its label.
TYPES = {
    "call.ringing": N_("Call ringing"),
    "call.answered": N_("Call answered"),
    "call.hungup": N_("Call hung up (with the call record)"),
    "call.missed": N_("Missed call"),
    "voicemail.left": N_("Voicemail left"),
    "sms.received": N_("SMS received"),
    "sms.delivered": N_("SMS delivered"),
    "callback.updated": N_("Callback requested, attempted or ended"),
    "agent.state": N_("Queue agent's state changed"),
    "queue.updated": N_("Queue callers or figures changed"),
    "queue.alert": N_("Queue or pause alert (a target crossed)"),
    "queue.recovered": N_("Queue or pause alert recovered"),
}
#: A webhook test event: sent only by the "send a test event" button, never published.
TEST_TYPE = "webhook.test"

#: Set whenever this process publishes: a waiter in the same process (the webhook sender) wakes at once.
_published = threading.Condition()


def _scope(extensions):
    numbers = sorted({str(number) for number in extensions if number})
    return f",{','.join(numbers)}," if numbers else ""


def publish(type_, data, extensions=()):
    """Store one event of ``type_`` with ``data`` (a JSON-able dict) concerning ``extensions``; return its id.

    Call it inside the caller's transaction when the event must exist exactly when the fact does
    (a call record and its ``call.hungup`` are committed together).
    """
    if type_ not in TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    with database.atomic():
        event_id = Event.insert(type=type_, created_at=utcnow(), extensions=_scope(extensions)[:255],
                                payload=json.dumps(data, separators=(",", ":"), default=str)).execute()
    with _published:
        _published.notify_all()
    return event_id


def publish_many(items):
    """Store several events at once, ``[(type, data, extensions)]`` in order; one statement, same rules as publish."""
    rows = []
    now = utcnow()
    for type_, data, extensions in items:
        if type_ not in TYPES:
            raise ValueError(f"unknown event type {type_!r}")
        rows.append({"type": type_, "created_at": now, "extensions": _scope(extensions)[:255],
                     "payload": json.dumps(data, separators=(",", ":"), default=str)})
    if not rows:
        return
    with database.atomic():
        for start in range(0, len(rows), 100):
            Event.insert_many(rows[start:start + 100]).execute()
    wake()


def wake():
    """Release every ``wait_published`` in this process now (a stopping waiter)."""
    with _published:
        _published.notify_all()


def wait_published(timeout):
    """Block until this process publishes an event, or ``timeout`` seconds pass."""
    with _published:
        _published.wait(timeout)


def read_since(last_id, types=None, extension=None, limit=200):
    """Return up to ``limit`` events with an id above ``last_id``, oldest first.

    ``types``: only these types; ``extension``: only events concerning that extension number.
    """
    query = Event.select().where(Event.id > int(last_id or 0))
    if types:
        query = query.where(Event.type.in_(list(types)))
    if extension:
        query = query.where(Event.extensions.contains(f",{extension},"))
    return list(query.order_by(Event.id).limit(limit))


def latest_id():
    """Return the newest event's id (0 when there is none): where a new subscriber starts."""
    return Event.select(Event.id).order_by(Event.id.desc()).limit(1).scalar() or 0


def prune(keep_hours):
    """Delete events older than ``keep_hours``; return how many went."""
    cutoff = utcnow() - datetime.timedelta(hours=keep_hours)
    # The newest row always stays: SQLite gives a new row the highest id + 1, so an empty table
    # would hand out ids again that SSE clients and the webhook cursor have already passed.
    return Event.delete().where((Event.created_at < cutoff) & (Event.id < latest_id())).execute()
