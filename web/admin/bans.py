"""The blocked-sources page: what the daemon blocked after failed logins, why, until when, and unblocking."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from appliance.errors import NotFound
from appliance.security.allow import AllowList
from appliance.services import bans
from web.access import current_actor, role_required
from web.admin import bp
from web.plugins import translate_error

SERVICE_LABELS = {"sip": _l("SIP login"), "voicemail": _l("Voicemail PIN"), "ami": _l("AMI login")}
REASON_LABELS = {
    "password": _l("Wrong passwords for one user name"),
    "scan": _l("Tried many user names"),
    "flood": _l("Too many failed requests"),
}


@bp.route("/bans")
@role_required("admin")
def bans_list():
    """List the blocks in force: address, user name(s), reason, since, until, whether enforced."""
    allowed = AllowList(current_app.config["BAN_ALLOW"]).networks
    return render_template("admin/bans/list.html", bans=list(bans.list_bans()), services=SERVICE_LABELS,
                           reasons=REASON_LABELS, allowed=", ".join(str(network) for network in allowed))


@bp.route("/bans/<int:ban_id>/lift", methods=["POST"])
@role_required("admin")
def ban_lift(ban_id):
    """Unblock now (the daemon takes an address out of the kernel within a second)."""
    try:
        ban = bans.lift(ban_id, current_actor())
    except NotFound as error:
        flash(translate_error(error), "error")
    else:
        if ban.username:
            flash(gettext("%(username)s may log in from %(address)s again.", username=ban.username,
                          address=ban.address), "success")
        else:
            flash(gettext("%(address)s is no longer blocked.", address=ban.address), "success")
    return redirect(url_for("admin.bans_list"))
