"""The supervisors' live dashboard: queues and agents, pushed by Server-Sent Events; pause, log out, spy.

The stream tails the events table (appliance/events.py) for ``agent.state`` and ``queue.updated``
and answers each burst with the whole state of the supervisor's queues (services/supervision.py),
read from the daemon's snapshots: no AMI connection per browser. Streams share the per-worker cap
of the API's event streams (decision 018) and end after EVENT_STREAM_MAX_SECONDS; EventSource
reconnects by itself.
"""
import json
import threading
import time

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from appliance import db, events
from appliance.errors import DomainError, NotFound, PermissionDenied, Unavailable, ValidationError
from appliance.models.queues import Queue
from appliance.models.users import User
from appliance.services import agents, pause_reasons, supervision
from web.access import current_actor, role_required
from web.api.live import SLOTS, StreamsFull
from web.callcenter import bp
from web.plugins import translate, translate_error

#: Events after which a dashboard's state may have changed.
WAKE_TYPES = ("agent.state", "queue.updated")
#: Seconds between two looks at the events table; a state is sent at least this often anyway.
POLL = 0.1
TICK = 10.0


def _status(error):
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    return 503 if isinstance(error, Unavailable) else 400


class _Frames:
    """The last frame built per view in this process: twenty dashboards of the same queues build it once per event."""

    def __init__(self):
        self._lock = threading.Lock()
        self._frames = {}

    def get(self, key, version, build):
        """Return ``build()`` for view ``key`` at events ``version`` (the newest event id seen), built once."""
        with self._lock:
            found = self._frames.get(key)
            if found is not None and found[0] == version and time.monotonic() - found[1] < TICK:
                return found[2]
        state = build()
        with self._lock:
            self._frames[key] = (version, time.monotonic(), state)
            if len(self._frames) > 256:  # views come and go: keep the map small
                self._frames.pop(next(iter(self._frames)))
        return state


FRAMES = _Frames()


def state_stream(build, config, key=None):
    """Return a text/event-stream Response sending ``build()`` (a dict) at start, after events, and every TICK s.

    ``build`` returning None ends the stream (a revoked wallboard link). ``key``: what the frame depends on
    besides the events (the queues shown); streams with the same key share each built frame.
    """
    if not SLOTS.take(config["EVENT_STREAMS_PER_WORKER"]):
        raise StreamsFull("streams full")
    released = threading.Event()

    def give_back():
        if not released.is_set():
            released.set()
            SLOTS.give_back()

    lifetime = float(config["EVENT_STREAM_MAX_SECONDS"])

    def frame(state):
        return f"event: state\ndata: {json.dumps(state, separators=(',', ':'), ensure_ascii=False)}\n\n"

    def current(version):
        return build() if key is None else FRAMES.get(key, version, build)

    def stream():
        try:
            last = events.latest_id()
            yield "retry: 2000\n\n"
            state = current(last)
            if state is None:
                return
            yield frame(state)
            started = sent = time.monotonic()
            while time.monotonic() - started < lifetime:
                found = events.read_since(last, WAKE_TYPES, limit=1000)
                if found:
                    last = found[-1].id
                if found or time.monotonic() - sent >= TICK:
                    sent = time.monotonic()
                    state = current(last)
                    if state is None:
                        return
                    yield frame(state)
                else:
                    time.sleep(POLL)
        finally:
            give_back()
            db.close()

    response = Response(stream_with_context(stream()), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(give_back)
    return response


def _busy():
    return Response("", status=503, headers={"Retry-After": "5"})


@bp.route("/dashboard")
@role_required("admin", "supervisor")
def dashboard_page():
    """Show the live dashboard of the queues the user supervises."""
    queues = supervision.visible_queues(current_user)
    state = supervision.dashboard_state(current_app.config["VAR_DIR"], queues)
    return render_template("callcenter/dashboard/page.html", state=state,
                           reasons=list(pause_reasons.list_pause_reasons()))


@bp.route("/dashboard/stream")
@role_required("admin", "supervisor")
def dashboard_stream():
    """Stream the dashboard's state (Server-Sent Events ``state``) as it changes."""
    user = current_user._get_current_object()
    var_dir = current_app.config["VAR_DIR"]
    try:
        key = ("dashboard", tuple(queue.id for queue in supervision.visible_queues(user)))
        return state_stream(lambda: supervision.dashboard_state(var_dir, supervision.visible_queues(user)),
                            current_app.config, key)
    except StreamsFull:
        return _busy()


@bp.route("/dashboard/agents/<number>/<action>", methods=["POST"])
@role_required("admin", "supervisor")
def dashboard_action(number, action):
    """Pause (with a reason), unpause, log in or out an agent of the user's queues, or listen/whisper/barge."""
    actor = current_actor()
    user = current_user._get_current_object()
    try:
        supervision.check_agent(user, number)
        if action == "pause":
            agents.pause(number, request.form.get("reason", type=int), actor)
        elif action == "unpause":
            agents.unpause(number, actor)
        elif action == "logout":
            agents.logout(number, actor)
        elif action == "login":
            agents.login(number, actor)
        elif action in supervision.SPY_MODES:
            supervision.spy(current_app.config["VAR_DIR"], user, number, action, actor)
        else:
            raise NotFound("unknown action")
    except DomainError as error:
        return jsonify(ok=False, error=translate_error(error)), _status(error)
    return jsonify(ok=True)


@bp.route("/queues/<int:queue_id>/supervision", methods=["GET", "POST"])
@role_required("admin")
def queue_supervision(queue_id):
    """A queue's supervisors, service-level target and alert thresholds."""
    queue = Queue.get_or_none(Queue.id == queue_id)
    if queue is None:
        abort(404)
    errors = {}
    if request.method == "POST":
        form = request.form
        try:
            supervision.save_targets(queue_id, form.get("sl_seconds", type=int), form.get("sl_percent", type=int),
                                     form.get("max_waiting", type=int), form.get("max_wait_seconds", type=int),
                                     form.get("alert_emails", ""), current_actor())
            supervision.set_supervisors(queue_id, form.getlist("supervisors", type=int), current_actor())
        except ValidationError as error:
            errors = {field: translate(message, params) for field, (message, params) in error.fields.items()}
        else:
            flash(gettext("Queue %(number)s: supervision saved.", number=queue.number), "success")
            return redirect(url_for("callcenter.queue_supervision", queue_id=queue_id))
    target = supervision.targets([queue_id])[queue_id]
    people = list(User.select().where(User.role == "supervisor").order_by(User.username))
    return render_template("callcenter/dashboard/supervision.html", queue=queue, target=target, people=people,
                           chosen=set(supervision.supervisors_of(queue_id)), errors=errors,
                           form=request.form if errors else None), 422 if errors else 200
