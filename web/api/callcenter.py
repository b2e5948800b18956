"""Call-center supervision over the API: the live dashboard's state, acting on (and listening to) agents of
one's own queues, reports, wallboard links and a queue's supervision settings — the pages' services.

A supervisor's personal token sees only the queues assigned to them (services/supervision.py), as
their pages do; an admin's personal token and a service token see every queue. Spying rings the
token owner's own phone, so it needs a personal token.
"""
import datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.errors import NotFound, PermissionDenied, ValidationError
from appliance.i18n import N_
from appliance.models.queues import Queue
from appliance.services import agents, queue_reports, supervision, wallboards
from web.api.auth import actor, principal, requires
from web.api.common import ID, JsonInteger, UtcDateTime, json_response, length, pattern, value_range

blp = Blueprint("supervision", __name__, url_prefix="/api/v1",
                description="Supervision: live dashboard, agents of one's queues (pause, log out, listen, whisper, "
                            "barge), reports, TV wallboard links, queues' targets and supervisors.")
AGENT = r"string(minlength=2, maxlength=8)"
ACTIONS = ("pause", "unpause", "login", "logout", *supervision.SPY_MODES)
TABLES = ("queues", "agents", "hours", "weekdays", "calls")


class _Everyone:
    """What a service token sees: every queue, as an administrator."""

    role = "admin"
    id = None


def _viewer():
    return principal().user or _Everyone()


class DashboardSchema(Schema):
    """The live state of the queues the token may see (the dashboard page's stream, once)."""

    now = fields.Float(required=True, metadata={"description": "The server's clock (epoch seconds)"})
    engine_running = fields.Boolean(required=True)
    queues = fields.List(fields.Dict(), required=True, metadata={
        "description": "Per queue: waiting, callers (caller, name, joined_at), oldest_joined_at, logged_in, on_call, "
                       "idle, paused, paused_by_reason, answered, abandoned, offered, service_level, average_wait, "
                       "average_talk, longest_wait_today, sl_seconds, sl_percent, max_waiting, max_wait_seconds"})
    agents = fields.List(fields.Dict(), required=True, metadata={
        "description": "Per agent: number, name, state, reason, since, calls_today, queues, over_limit"})


class AgentActionSchema(Schema):
    """An action's details: a pause's reason."""

    reason_id = JsonInteger(load_default=None, allow_none=True, validate=value_range(min=1, max=2147483647))


class ReportArgs(Schema):
    """A report's range (local days, inclusive) and filters."""

    start = fields.Date(data_key="from", load_default=None, metadata={"description": "Default: today"})
    end = fields.Date(data_key="to", load_default=None)
    queue = fields.List(fields.Integer(validate=value_range(min=1, max=2147483647)), load_default=list,
                        validate=length(max=200))
    agent = fields.String(load_default="", validate=[length(max=8), pattern(r"^[0-9]*$")])


class QueueReportSchema(Schema):
    """Rows of one report table (the page's CSV columns)."""

    items = fields.List(fields.Dict(), required=True)


class WallboardSchema(Schema):
    """A TV wallboard link (its secret is only in the creation's answer)."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(r"^[^\x00-\x1f\x7f]*$")])
    queues = fields.List(fields.Integer(validate=value_range(min=1, max=2147483647)), required=True,
                         validate=length(min=1, max=100))
    created_at = UtcDateTime(dump_only=True)
    revoked = fields.Boolean(dump_only=True)
    url = fields.String(dump_only=True, metadata={"description": "The TV's link: in the creation's answer only"})


class SupervisionSchema(Schema):
    """A queue's service-level target, alert thresholds and supervisors."""

    sl_seconds = JsonInteger(required=True, validate=value_range(min=1, max=3600))
    sl_percent = JsonInteger(required=True, validate=value_range(min=1, max=100))
    max_waiting = JsonInteger(load_default=0, validate=value_range(min=0, max=1000))
    max_wait_seconds = JsonInteger(load_default=0, validate=value_range(min=0, max=86400))
    alert_emails = fields.List(fields.String(validate=length(max=254)), load_default=list, validate=length(max=20))
    supervisors = fields.List(fields.Integer(validate=value_range(min=1, max=2147483647)), load_default=list,
                              validate=length(max=100), metadata={"description": "User ids (role supervisor)"})


@blp.route("/callcenter/dashboard")
@requires(blp, "supervision:read")
@blp.response(200, DashboardSchema)
def dashboard():
    """The live dashboard's state: the queues the token may see and their agents."""
    viewer = _viewer()
    return json_response(supervision.dashboard_state(current_app.config["VAR_DIR"],
                                                     supervision.visible_queues(viewer)))


@blp.route(f"/callcenter/agents/<{AGENT}:number>/<string:action>", methods=["POST"])
@requires(blp, "supervision:write")
@blp.doc(parameters=[{"in": "path", "name": "action", "required": True, "schema": {"type": "string",
                                                                                     "enum": list(ACTIONS)}}])
@blp.arguments(AgentActionSchema)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def agent_action(data, number, action):
    """Act on an agent of the token's queues: pause (reason_id), unpause, log in or out; listen, whisper, barge.

    listen/whisper/barge ring the token owner's own phone, then ChanSpy on the agent's call (a personal token).
    """
    if action not in ACTIONS:
        raise NotFound(N_("Not found."))
    viewer = _viewer()
    supervision.check_agent(viewer, number)
    if action in supervision.SPY_MODES:
        if principal().user is None:
            raise PermissionDenied(N_("A service token has no extension of its own: use a personal token."))
        supervision.spy(current_app.config["VAR_DIR"], principal().user, number, action, actor())
    elif action == "pause":
        agents.pause(number, data["reason_id"], actor())
    else:
        {"unpause": agents.unpause, "login": agents.login, "logout": agents.logout}[action](number, actor())
    return json_response(None, 204)


@blp.route("/callcenter/reports/<string:table>")
@requires(blp, "supervision:read")
@blp.doc(parameters=[{"in": "path", "name": "table", "required": True, "schema": {"type": "string",
                                                                                    "enum": list(TABLES)}}])
@blp.arguments(ReportArgs, location="query")
@blp.response(200, QueueReportSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def report(args, table):
    """A report table for local days ``from``..``to`` (at most 366), the token's queues (or some), one agent."""
    if table not in TABLES:
        raise NotFound(N_("Not found."))
    zone = current_app.config["TIMEZONE"]
    first = args["start"] or datetime.datetime.now(ZoneInfo(zone)).date()
    end = args["end"] or first
    if end < first or (end - first).days >= 366:
        raise ValidationError.one("to", N_("The end must be on or after the start, at most %(days)d days later."),
                                  days=366)
    visible = {queue.id for queue in supervision.visible_queues(_viewer())}
    chosen = [queue_id for queue_id in args["queue"] if queue_id in visible] if args["queue"] else sorted(visible)
    start, stop = queue_reports.day_range(first, end, zone)
    wanted = queue_reports.ReportFilter(start, stop, chosen or [-1], args["agent"])
    if table == "queues":
        items = queue_reports.queue_summary(wanted)
    elif table == "agents":
        items = queue_reports.agent_summary(wanted)
    elif table == "calls":  # the newest calls, joined with their call records
        items = queue_reports.calls(wanted)
    else:
        items = queue_reports.by_time(wanted, zone, "hour" if table == "hours" else "weekday")
    return json_response({"items": items})


def _wallboard(row, url=None):
    data = {"id": row.id, "name": row.name, "queues": row.queue_ids, "created_at": row.created_at,
            "revoked": row.revoked_at is not None}
    if url:
        data["url"] = url
    return WallboardSchema().dump(data)


@blp.route("/wallboards")
@requires(blp, "queues:read")
@blp.response(200, QueueReportSchema)
def wallboard_list():
    """List the TV wallboard links (never their secrets)."""
    return json_response({"items": [_wallboard(row) for row in wallboards.list_wallboards()]})


@blp.route("/wallboards", methods=["POST"])
@requires(blp, "queues:write")
@blp.arguments(WallboardSchema)
@blp.response(201, WallboardSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def wallboard_create(data):
    """Create a TV wallboard link for some queues; its URL (with the secret) is shown only here."""
    row, secret = wallboards.create(data["name"], data["queues"], actor())
    return json_response(_wallboard(row, url_for("callcenter.wallboard_tv", secret=secret, _external=True)), 201)


@blp.route(f"/wallboards/<{ID}:wallboard_id>/revoke", methods=["POST"])
@requires(blp, "queues:write")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def wallboard_revoke(wallboard_id):
    """Revoke a TV wallboard link: its page and stream stop answering."""
    wallboards.revoke(wallboard_id, actor())
    return json_response(None, 204)


def _supervision(queue_id):
    target = supervision.targets([queue_id])[queue_id]
    return {"sl_seconds": target.sl_seconds, "sl_percent": target.sl_percent, "max_waiting": target.max_waiting,
            "max_wait_seconds": target.max_wait_seconds,
            "alert_emails": [line for line in target.alert_emails.splitlines() if line],
            "supervisors": sorted(supervision.supervisors_of(queue_id))}


@blp.route(f"/queues/<{ID}:queue_id>/supervision")
@requires(blp, "queues:read")
@blp.response(200, SupervisionSchema)
@blp.alt_response(404, response="NOT_FOUND")
def supervision_read(queue_id):
    """A queue's service-level target, alert thresholds and supervisors."""
    if Queue.get_or_none(Queue.id == queue_id) is None:
        raise NotFound(N_("Queue not found."))
    return json_response(_supervision(queue_id))


@blp.route(f"/queues/<{ID}:queue_id>/supervision", methods=["PUT"])
@requires(blp, "queues:write")
@blp.arguments(SupervisionSchema)
@blp.response(200, SupervisionSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def supervision_replace(data, queue_id):
    """Replace a queue's target, thresholds and supervisors."""
    supervision.save_targets(queue_id, data["sl_seconds"], data["sl_percent"], data["max_waiting"],
                             data["max_wait_seconds"], "\n".join(data["alert_emails"]), actor())
    supervision.set_supervisors(queue_id, data["supervisors"], actor())
    return json_response(_supervision(queue_id))

