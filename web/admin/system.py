"""The System page: the engine's health, the running configuration and its history."""
from flask import current_app, render_template, request
from flask_babel import gettext as _

from appliance import supervision
from appliance.asterisk import apply
from web.access import role_required
from web.admin import bp
from web.live import live_state
from web.plugins import is_htmx


@bp.route("/system")
@role_required("admin")
def system():
    """Show Asterisk's state and the processes' restarts (polled by htmx) and the kept configuration generations."""
    state = live_state()
    generations = list(apply.list_generations().limit(50))
    running = next((g for g in generations if g.status == "applied"), None)
    context = dict(state=state, generations=generations, running=running, last=generations[0] if generations else None,
                   supervision=supervision.read(current_app.config["VAR_DIR"]), process_names=_process_names())
    if is_htmx() and request.args.get("part") == "status":
        return render_template("admin/system/_status.html", **context)
    return render_template("admin/system/page.html", **context)


def _process_names():
    return {"asterisk": "Asterisk", "web": _("Web app"), "provisioning": _("Phone provisioning"),
            "daemon": _("Engine daemon")}


@bp.route("/system/generations/<int:number>")
@role_required("admin")
def generation_diff(number):
    """Show what generation ``number`` changed against the one before it (or ``?against=N``)."""
    generation = apply.get_generation(number)
    against = request.args.get("against", type=int)
    if against is None:
        previous = (apply.list_generations().where(apply.EngineGeneration.number < number).first())
        against = previous.number if previous else None
    diffs = apply.diff_generations(against, number) if against is not None else {
        name: text for name, text in generation.file_map().items()
    }
    return render_template("admin/system/diff.html", generation=generation, against=against, diffs=diffs)
