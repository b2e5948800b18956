"""The agents page: each agent's live state (from the daemon's board), and logging in, out and pausing them."""
import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from appliance.errors import DomainError
from appliance.services import agent_board, agents, pause_reasons
from web.access import current_actor, role_required
from web.callcenter import bp
from web.plugins import is_htmx, translate_error

STATE_LABELS = {
    "logged_out": _l("Logged out"),
    "unavailable": _l("Unavailable"),
    "idle": _l("Idle"),
    "ringing": _l("Ringing"),
    "on_call": _l("On a call"),
    "wrapup": _l("Wrap-up"),
    "paused": _l("Paused"),
}


def _rows():
    states, updated_at = agent_board.read_states(current_app.config["VAR_DIR"])
    rows = []
    for extension, memberships in agents.list_agents():
        state = states.get(extension.number, {"state": "logged_out", "reason": "", "since": None})
        since = datetime.datetime.fromtimestamp(state["since"], datetime.UTC) if state.get("since") else None
        rows.append({"extension": extension, "memberships": memberships, "state": state["state"],
                     "reason": state.get("reason", ""), "since": since,
                     "dynamic": any(not member.static for member in memberships)})
    return rows, updated_at


@bp.route("/agents")
@role_required("admin", "supervisor")
def agents_page():
    """Show every agent's state; the table refreshes itself from the daemon's snapshot."""
    rows, updated_at = _rows()
    context = dict(rows=rows, labels=STATE_LABELS, reasons=list(pause_reasons.list_pause_reasons()),
                   updated_at=datetime.datetime.fromtimestamp(updated_at, datetime.UTC) if updated_at else None)
    if is_htmx():
        return render_template("callcenter/agents/_board.html", **context)
    return render_template("callcenter/agents/page.html", **context)


@bp.route("/agents/<number>/<action>", methods=["POST"])
@role_required("admin")
def agent_action(number, action):
    """Log an agent in or out, pause (with a reason) or unpause them."""
    actor = current_actor()
    try:
        if action == "login":
            agents.login(number, actor)
        elif action == "logout":
            agents.logout(number, actor)
        elif action == "pause":
            agents.pause(number, request.form.get("reason", type=int), actor)
        elif action == "unpause":
            agents.unpause(number, actor)
        else:
            return ("", 404)
    except DomainError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Agent %(number)s: done.", number=number), "success")
    return redirect(url_for("callcenter.agents_page"))
