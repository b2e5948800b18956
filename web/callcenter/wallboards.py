"""TV wallboards: the admin's links (create, revoke) and the board a TV opens with one, with no login.

The board and its stream are reached only through a live link's secret (services/wallboards.py);
they show the chosen queues' tiles, never agents' names or callers' numbers, and send no Referer
onwards. The stream is the dashboard's (web/callcenter/dashboard.py): the same events, the same cap.
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from appliance.errors import DomainError, ValidationError
from appliance.services import queues, supervision, wallboards
from web.access import current_actor, role_required
from web.callcenter import bp
from web.callcenter.dashboard import StreamsFull, _busy, state_stream
from web.plugins import translate, translate_error


@bp.route("/wallboards", methods=["GET", "POST"])
@role_required("admin")
def wallboards_list():
    """List the wallboard links; create one (its link is shown once)."""
    created, errors = None, {}
    if request.method == "POST":
        try:
            row, secret = wallboards.create(request.form.get("name", ""),
                                            request.form.getlist("queues", type=int), current_actor())
        except ValidationError as error:
            errors = {field: translate(message, params) for field, (message, params) in error.fields.items()}
        else:
            created = url_for("callcenter.wallboard_tv", secret=secret, _external=True)
            flash(gettext("Wallboard %(name)s created: copy its link now, it is not shown again.", name=row.name),
                  "success")
    return render_template("callcenter/wallboards/list.html", boards=wallboards.list_wallboards(),
                           queues=queues.list_queues(), created=created, errors=errors), 422 if errors else 200


@bp.route("/wallboards/<int:wallboard_id>/revoke", methods=["POST"])
@role_required("admin")
def wallboard_revoke(wallboard_id):
    """Revoke a wallboard link."""
    try:
        wallboards.revoke(wallboard_id, current_actor())
    except DomainError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Wallboard link revoked."), "success")
    return redirect(url_for("callcenter.wallboards_list"))


def _board(secret):
    board = wallboards.lookup(secret)
    if board is None:
        abort(404)
    return board


def _state(var_dir, board):
    return supervision.dashboard_state(var_dir, wallboards.queues_of(board), with_agents=False)


@bp.route("/tv/<secret>")
def wallboard_tv(secret):
    """The full-screen board a TV shows (no login: the link is the key)."""
    board = _board(secret)
    response = current_app.make_response(render_template(
        "callcenter/wallboards/tv.html", board=board, state=_state(current_app.config["VAR_DIR"], board),
        stream=url_for("callcenter.wallboard_stream", secret=secret),
        stale_after=current_app.config["WALLBOARD_STALE_SECONDS"]))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/tv/<secret>/stream")
def wallboard_stream(secret):
    """The board's state as Server-Sent Events; a revoked link's stream ends at its next update."""
    board_id = _board(secret).id
    var_dir = current_app.config["VAR_DIR"]

    def build():
        board = wallboards.lookup(secret)
        if board is None or board.id != board_id:
            return None  # revoked: the stream ends; EventSource's reconnect then gets 404
        return _state(var_dir, board)

    try:
        response = state_stream(build, current_app.config)
    except StreamsFull:
        return _busy()
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
