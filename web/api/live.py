"""Live calls (list, hang up) and the event stream (Server-Sent Events) of a token's calls.

Both read what the daemon publishes — the live snapshot and the events table (appliance/events.py)
— so no web worker holds an AMI connection; hanging up is one short AMI action through the
engine adapter, as click-to-call's Originate is. A personal token sees its own extension's calls
(an administrator's, every call); a service token with the scope, every call.

Streams hold a worker thread (gunicorn gthread, decision 018): at most EVENT_STREAMS_PER_WORKER
per process (then 503 + Retry-After), a comment line every EVENT_STREAM_HEARTBEAT seconds so
proxies and clients know it lives, and an end after EVENT_STREAM_MAX_SECONDS — the client
reconnects with Last-Event-ID, losing nothing, and its token is checked again.
"""
import json
import threading
import time

from flask import Response, current_app, request, stream_with_context
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance import db, events
from appliance.errors import Unavailable, ValidationError
from appliance.i18n import N_
from appliance.services import live_calls
from web.api.auth import actor, principal, requires
from web.api.common import json_response, length, pattern
from web.api.me import my_extension
from web.live import live_state

blp = Blueprint("live", __name__, url_prefix="/api/v1",
                description="Calls in progress, hanging up, and a stream of call events (Server-Sent Events).")
#: Seconds between two looks at the events table while a stream is idle.
POLL = 0.25
CALL_ID = r"^[0-9A-Za-z._-]{1,64}$"


class StreamsFull(Unavailable):
    """This worker holds as many streams as it may."""

    retry_after = 5


class _Slots:
    """Streams this process holds, at most ``limit`` at once."""

    def __init__(self):
        self._lock = threading.Lock()
        self.held = 0

    def take(self, limit):
        with self._lock:
            if self.held >= limit:
                return False
            self.held += 1
            return True

    def give_back(self):
        with self._lock:
            self.held -= 1


SLOTS = _Slots()


class LiveChannelSchema(Schema):
    """One channel of a call."""

    channel = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "Asterisk's channel state: Ring, Ringing, Up…"})
    caller = fields.String(required=True)
    exten = fields.String(required=True)
    extension = fields.String(required=True, metadata={"description": "The extension whose device it is, or empty"})
    duration = fields.Integer(required=True, metadata={"description": "Seconds"})


class LiveCallSchema(Schema):
    """A call in progress."""

    id = fields.String(required=True, metadata={"description": "The call's id (the call_id of its events)"})
    state = fields.String(required=True, metadata={"description": "ringing or up"})
    extensions = fields.List(fields.String(), required=True)
    channels = fields.List(fields.Nested(LiveChannelSchema), required=True)


class LiveCallListSchema(Schema):
    """Every call in progress the token may see."""

    items = fields.List(fields.Nested(LiveCallSchema), required=True)
    engine_running = fields.Boolean(required=True, metadata={
        "description": "false: the phone system (or the daemon) is down, and no call is known"})


class EventArgs(Schema):
    """Where a stream starts and what it carries."""

    since = fields.Integer(load_default=None, metadata={"description": "Start after this event id (as "
                                                                       "Last-Event-ID does); default: now"})
    types = fields.String(load_default="", validate=[length(max=400), pattern(r"^[a-z._,]*$")],
                          metadata={"description": "Comma-separated event types; default: every one"})


def _scope():
    """Return None (every call) or the extension number the token is limited to."""
    owner = principal().user
    if owner is None or owner.role == "admin":
        return None
    return my_extension().number


@blp.route("/calls/live")
@requires(blp, "calls:read")
@blp.response(200, LiveCallListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def live_list():
    """List the calls in progress (a person: those of their own extension)."""
    state = live_state()
    found = live_calls.calls(state, _scope())
    return json_response({"engine_running": state.running and not state.stale, "items": LiveCallSchema(many=True).dump(
        [{"id": call.id, "state": call.state, "extensions": call.extensions, "channels": call.channels}
         for call in found])})


@blp.route("/calls/live/<string:call_id>", methods=["DELETE"])
@requires(blp, "calls:hangup")
@blp.doc(parameters=[{"in": "path", "name": "call_id", "required": True,
                      "schema": {"type": "string", "pattern": CALL_ID}}])
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def live_hang_up(call_id):
    """Hang up a call in progress (every channel of it)."""
    live_calls.hang_up(live_state(), call_id, actor(), _scope())
    return json_response(None, 204)


def _start(args):
    header = request.headers.get("Last-Event-ID", "").strip()
    if header.isdigit():
        return int(header)
    return args["since"] if args["since"] is not None and args["since"] >= 0 else events.latest_id()


def _frame(event):
    data = json.dumps(event.as_dict(), separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"


@blp.route("/events")
@requires(blp, "calls:read")
@blp.arguments(EventArgs, location="query")
@blp.response(200, {"type": "string"}, content_type="text/event-stream",
              description="Server-Sent Events: ``id`` (resume with Last-Event-ID), ``event`` (the type), "
                          "``data`` (JSON: id, type, created_at, data); a comment line as heartbeat")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def event_stream(args):
    """Stream call events as they happen (a person: their own extension's); reconnect with Last-Event-ID."""
    extension = _scope()
    wanted = [name for name in args["types"].split(",") if name] or None
    if wanted and not set(wanted) <= set(events.TYPES):
        raise ValidationError.one("types", N_("Choose events from the list."))
    config = current_app.config
    if not SLOTS.take(config["EVENT_STREAMS_PER_WORKER"]):
        raise StreamsFull(N_("Too many event streams are open: try again in a few seconds."))
    released = threading.Event()

    def give_back():
        if not released.is_set():
            released.set()
            SLOTS.give_back()

    last = _start(args)
    heartbeat, lifetime = float(config["EVENT_STREAM_HEARTBEAT"]), float(config["EVENT_STREAM_MAX_SECONDS"])

    def stream():
        nonlocal last
        try:
            yield "retry: 2000\n\n"
            started = beat = time.monotonic()
            while time.monotonic() - started < lifetime:
                found = events.read_since(last, wanted, extension)
                for event in found:
                    last = event.id
                    yield _frame(event)
                if not found:
                    if time.monotonic() - beat >= heartbeat:
                        beat = time.monotonic()
                        yield ": keep-alive\n\n"
                    time.sleep(POLL)
                else:
                    beat = time.monotonic()
        finally:
            give_back()
            db.close()

    response = Response(stream_with_context(stream()), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    # The slot goes back when the stream ends, or when the server closes a response whose body
    # it never read (HEAD, a client gone before the first byte): that generator never runs.
    response.call_on_close(give_back)
    return response
