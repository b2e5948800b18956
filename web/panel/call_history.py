"""Call history: the calls the panel's extension placed, received and missed; filters, pages, CSV."""
import datetime
import io

from flask import Response, abort, current_app, flash, redirect, request, stream_with_context
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from appliance import csvsafe, phone_numbers
from appliance.errors import NotFound, ValidationError
from appliance.services import blocklist, call_history, recordings
from web import recording_files
from web.access import current_actor
from web.panel import bp
from web.panel.context import panel_extension, panel_url, render_panel
from web.plugins import is_htmx, translate_error

DIRECTION_LABELS = {"out": _l("Placed"), "in": _l("Received")}
STATUS_LABELS = {
    "answered": _l("Answered"),
    "voicemail": _l("Voicemail"),
    "no_answer": _l("Not answered"),
    "busy": _l("Busy"),
    "failed": _l("Failed"),
}
#: The status filter's options: "missed" gathers every received call nobody answered.
STATUS_FILTERS = {"missed": _l("Missed"), **STATUS_LABELS}


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter_from_request():
    """Read the filter from the query string, ignoring what is not valid."""
    args = request.args
    direction = args.get("direction", "")
    status = args.get("status", "")
    return call_history.HistoryFilter(
        since=_date(args.get("since", "")),
        until=_date(args.get("until", "")),
        direction=direction if direction in call_history.DIRECTIONS else "",
        status=status if status in STATUS_FILTERS else "",
        number=phone_numbers.search_fragment(args.get("number", "")),
    )


def _filter_args(history_filter):
    """Return the filter as query-string values (only those set)."""
    values = {
        "since": history_filter.since.isoformat() if history_filter.since else "",
        "until": history_filter.until.isoformat() if history_filter.until else "",
        "direction": history_filter.direction,
        "status": history_filter.status,
        "number": history_filter.number,
    }
    return {key: value for key, value in values.items() if value}


@bp.route("/history", endpoint="call_history")
@login_required
def call_history_page():
    """Show the extension's calls, newest first; htmx asks for the rows only (filters and "older calls")."""
    extension = panel_extension()
    history_filter = _filter_from_request()
    after = call_history.parse_cursor(request.args.get("after", ""))
    calls, more = call_history.list_calls(extension.number, history_filter, current_app.config["TIMEZONE"],
                                          after=after)
    args = _filter_args(history_filter)
    context = dict(
        calls=calls,
        more=more,
        next_url=panel_url("panel.call_history", extension, after=call_history.cursor_of(calls[-1]), **args)
        if more else None,
        export_url=panel_url("panel.call_history_csv", extension, **args),
        filters=history_filter,
        direction_labels=DIRECTION_LABELS,
        status_labels=STATUS_LABELS,
        status_filters=STATUS_FILTERS,
        continued=after is not None,
        blockable=blockable,
    )
    if is_htmx():
        # "Older calls" appends rows; a filter change replaces the export link and the table.
        partial = "panel/call_history/_rows.html" if after is not None else "panel/call_history/_results.html"
        return render_panel(partial, extension, **context)
    return render_panel("panel/call_history/page.html", extension, **context)


@bp.route("/history.csv")
@login_required
def call_history_csv():
    """Stream every call matching the filter as CSV (UTF-8 with BOM, so spreadsheets read the accents)."""
    extension = panel_extension()
    history_filter = _filter_from_request()
    time_zone = current_app.config["TIMEZONE"]
    header = [gettext("Date and time"), gettext("Direction"), gettext("Status"), gettext("Number"),
              gettext("Name"), gettext("Talk time (s)"), gettext("Total time (s)")]

    def rows():
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer)  # a caller-chosen name never runs as a formula
        buffer.write("\ufeff")
        writer.writerow(header)
        for call in call_history.iter_calls(extension.number, history_filter, time_zone):
            writer.writerow([
                format_datetime(call.calldate, "yyyy-MM-dd HH:mm:ss"),
                str(DIRECTION_LABELS[call.direction]),
                str(STATUS_LABELS[call.status]),
                call.other_number,
                call.other_name,
                call.talk_seconds,
                call.total_seconds,
            ])
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = f"calls-{extension.number}-{datetime.date.today().isoformat()}.csv"
    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})



@bp.route("/history/block", methods=["POST"])
@login_required
def call_history_block():
    """Refuse later calls from a number of the history to this extension only (its own blacklist)."""
    extension = panel_extension()
    try:
        blocklist.block_caller(request.form.get("number", ""), current_actor(), extension=extension, own=extension)
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Calls from this number to you are now refused."), "success")
    return redirect(panel_url("panel.call_history", extension))


def blockable(call):
    """Tell whether the history row ``call`` came from outside (a public number the person may block)."""
    return call.direction == "in" and call.other_number.startswith("+")


def _recording_of(extension, recording_id):
    """Return the recording of one of ``extension``'s calls; 404 for any other (its id says nothing)."""
    try:
        recording = recordings.get_recording(recording_id)
    except NotFound:
        abort(404)
    if not recordings.involves(recording, extension.number):
        abort(404)
    return recording


def _serve_recording(action, as_attachment):
    extension = panel_extension()
    recording = _recording_of(extension, request.view_args["recording_id"])
    return recording_files.serve(recording, action, as_attachment, extension.number)


@bp.route("/history/recordings/<int:recording_id>", endpoint="call_recording")
@login_required
def call_recording(recording_id):
    """Play a call's recording in the browser (the extension's owner or an admin); audited."""
    return _serve_recording("played", as_attachment=False)


@bp.route("/history/recordings/<int:recording_id>/download", endpoint="call_recording_download")
@login_required
def call_recording_download(recording_id):
    """Download a call's recording (the extension's owner or an admin); audited."""
    return _serve_recording("downloaded", as_attachment=True)
