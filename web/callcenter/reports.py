"""Call-center reports (from the ingested queue_log): per queue, per agent, by hour and weekday; CSV; charts.

Supervisors see the reports of their own queues only (services/supervision.py), admins every queue.
"""
import datetime
import io
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext
from flask_login import current_user

from appliance import csvsafe
from appliance.errors import NotFound
from appliance.models.extensions import Extension
from appliance.services import queue_reports, recordings, supervision
from web import recording_files
from web.access import role_required
from web.callcenter import bp

#: Longest range a report covers, in days.
MAX_DAYS = 366


def _dates():
    today = datetime.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    errors = {}
    try:
        first = datetime.date.fromisoformat(request.args.get("from") or today.isoformat())
        last = datetime.date.fromisoformat(request.args.get("to") or first.isoformat())
    except ValueError:
        errors["from"] = gettext("Enter dates like 2026-12-07.")
        first = last = today
    if last < first or (last - first).days >= MAX_DAYS:
        errors["to"] = gettext("The end must be on or after the start, at most %(days)d days later.", days=MAX_DAYS)
        last = first
    return first, last, errors


def _filter():
    visible = supervision.visible_queues(current_user)
    ids = {queue.id for queue in visible}
    chosen = [queue_id for queue_id in request.args.getlist("queue", type=int) if queue_id in ids] or sorted(ids)
    agent = request.args.get("agent", "").strip()
    agent = agent if agent.isdigit() and len(agent) <= 8 else ""
    first, last, errors = _dates()
    start, end = queue_reports.day_range(first, last, current_app.config["TIMEZONE"])
    # No visible queue: an empty report, not every queue (an unassigned supervisor sees nothing).
    report = queue_reports.ReportFilter(start, end, chosen or [-1], agent)
    return report, visible, first, last, errors


QUEUE_COLUMNS = ("queue", "name", "offered", "answered", "abandoned", "abandon_rate", "average_wait",
                 "average_abandon_wait", "longest_wait", "service_level", "callbacks", "transferred")
AGENT_COLUMNS = ("agent", "answered", "talk", "wrapup", "handle_average", "login", "pause_total", "occupancy",
                 "transfers")
CALL_COLUMNS = ("when", "callid", "queue", "caller", "agent", "wait", "talk", "outcome", "call_seconds",
                "disposition", "legs")


def _outcomes():
    return {"answered": gettext("Answered"), "transferred": gettext("Transferred"), "abandoned": gettext("Abandoned"),
            "timeout": gettext("Longest wait reached"), "exit_key": gettext("Left by key"),
            "empty": gettext("No agent"), "callback": gettext("Callback"), "on_call": gettext("On a call"),
            "waiting": gettext("Waiting")}


def _calls(report, zone):
    """The per-call table with local times (``when``) and each call's recording, if kept (``recording_id``)."""
    rows = queue_reports.calls(report)
    kept = recordings.by_call(row["linkedid"] for row in rows)
    for row in rows:
        row["when"] = datetime.datetime.fromtimestamp(row["time"], ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")
        row["recording_id"] = kept[row["linkedid"]].id if row["linkedid"] in kept else None
    return rows


def _queue_recording(recording_id, action, as_attachment):
    """A recording of a call that waited in one of the user's queues (an admin: any); 404 otherwise."""
    mine = [number for (number,) in Extension.select(Extension.number).where(Extension.user == current_user.id)
            .tuples()]
    try:
        if current_user.role == "admin":
            recording = recordings.visible(recording_id)
        else:
            recording = recordings.visible(recording_id, mine, supervision.watched_queue_names(current_user))
    except NotFound:
        abort(404)
    return recording_files.serve(recording, action, as_attachment, "queue")


@bp.route("/recordings/<int:recording_id>")
@role_required("admin", "supervisor")
def queue_recording(recording_id):
    """Play the recording of a call of one of my queues (a supervisor's, an admin's all); audited."""
    return _queue_recording(recording_id, "played", as_attachment=False)


@bp.route("/recordings/<int:recording_id>/download")
@role_required("admin", "supervisor")
def queue_recording_download(recording_id):
    """Download the recording of a call of one of my queues; audited."""
    return _queue_recording(recording_id, "downloaded", as_attachment=True)
PAUSE_COLUMNS = ("agent", "reason", "count", "total", "longest", "limit_minutes", "over")
TIME_COLUMNS = ("slot", "offered", "answered", "abandoned")


def _csv(name, columns, rows):
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # the shared writer defuses cells a spreadsheet would run as formulas
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in (row.get(column) for column in columns)])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _pause_rows(agents):
    return [{"agent": row["agent"], "reason": reason or "—", **item}
            for row in agents for reason, item in sorted(row["pauses"].items())]


@bp.route("/reports")
@role_required("admin", "supervisor")
def reports_page():
    """Show the reports of a date range (filters: queues, agent); ``?csv=<table>`` downloads one table."""
    report, visible, first, last, errors = _filter()
    zone = current_app.config["TIMEZONE"]
    table = request.args.get("csv", "")
    if table == "queues":
        return _csv("queues", QUEUE_COLUMNS, queue_reports.queue_summary(report))
    if table == "agents":
        return _csv("agents", AGENT_COLUMNS, queue_reports.agent_summary(report))
    if table == "pauses":
        return _csv("pauses", PAUSE_COLUMNS, _pause_rows(queue_reports.agent_summary(report)))
    if table == "calls":
        return _csv("calls", CALL_COLUMNS, _calls(report, zone))
    if table in ("hours", "weekdays"):
        return _csv(table, TIME_COLUMNS, queue_reports.by_time(report, zone, "hour" if table == "hours" else "weekday"))
    agents = queue_reports.agent_summary(report)
    return render_template(
        "callcenter/reports/page.html", queues=queue_reports.queue_summary(report), agents=agents,
        pauses=_pause_rows(agents), hours=queue_reports.by_time(report, zone, "hour"),
        weekdays=queue_reports.by_time(report, zone, "weekday"), visible=visible, first=first, last=last,
        chosen=set(report.queue_ids), agent=report.agent, errors=errors, calls=_calls(report, zone),
        outcomes=_outcomes(), call_rows=queue_reports.CALL_ROWS), 422 if errors else 200
