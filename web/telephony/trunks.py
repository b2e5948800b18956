"""Admin pages for SIP trunks: list with live health, new/edit form (write-only password), delete."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from appliance.errors import ValidationError
from appliance.services import trunks
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.plugins import is_htmx, translate_error
from web.telephony import bp

KINDS = {"registration": _l("Registration (user name and password)"), "ip": _l("IP address (no registration)")}
TRANSPORTS = {"udp": "UDP", "tcp": "TCP"}
DTMF_MODES = {"rfc4733": _l("RFC 4733 (RTP events)"), "inband": _l("In the audio"), "info": _l("SIP INFO"),
              "auto": _l("Automatic")}
NUMBER_FORMATS = {
    "e164": _l("+55 11 3333-4444 (E.164 with +)"),
    "e164_plain": _l("55 11 3333-4444 (E.164 without +)"),
    "national": _l("0 11 3333-4444 (national)"),
    "national_csp": _l("0 + carrier code + 11 3333-4444"),
}
#: Health words of the status row, shown on the list (what the daemon last heard from Asterisk).
REGISTRATION_LABELS = {"registered": _l("Registered"), "unregistered": _l("Not registered"),
                       "rejected": _l("Rejected"), "failed": _l("Failed")}
REACHABILITY_LABELS = {"reachable": _l("Reachable"), "unreachable": _l("Unreachable")}


class TrunkForm(Form):
    """A trunk: every TrunkInput field; the password is never filled in from the stored one."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    kind = SelectField(_l("How the carrier knows us"), choices=choices(KINDS.items()))
    enabled = BooleanField(_l("Enabled"), default=True)
    host = StringField(_l("Carrier address (IP or host name)"), validators=[DataRequired(), Length(max=253)])
    port = IntegerField(_l("Port"), default=5060)
    transport = SelectField(_l("Transport"), choices=choices(TRANSPORTS.items()))
    username = StringField(_l("User name"), validators=[Length(max=64)])
    password = PasswordField(_l("Password"), validators=[Length(max=128)])
    from_user = StringField(_l("From user (if the carrier asks for one)"), validators=[Length(max=64)])
    from_domain = StringField(_l("From domain (if the carrier asks for one)"), validators=[Length(max=253)])
    expiry = IntegerField(_l("Registration lasts (seconds)"), default=600)
    retry_interval = IntegerField(_l("Retry a failed registration after (seconds)"), default=60)
    match = TextAreaField(_l("Other addresses the carrier calls from (addresses, networks or host names)"),
                          validators=[Length(max=500)])
    codecs = StringField(_l("Codecs, in order of preference"), default="alaw,ulaw", validators=[Length(max=100)])
    dtmf_mode = SelectField(_l("DTMF"), choices=choices(DTMF_MODES.items()))
    max_channels = IntegerField(_l("Calls at once (0: no limit)"), default=0)
    number_format = SelectField(_l("Numbers dialled, as the carrier wants them"),
                                choices=choices(NUMBER_FORMATS.items()))
    callerid_format = SelectField(_l("Caller ID, as the carrier wants it"), choices=choices(NUMBER_FORMATS.items()))
    csp = StringField(_l("Carrier selection code (CSP)"), validators=[Length(max=2)])
    area_code = StringField(_l("Area code (DDD) of the line"), validators=[Length(max=2)])
    default_callerid = StringField(_l("Caller ID when no other is set"), validators=[Length(max=20)])
    nat = BooleanField(_l("Behind NAT"), default=True)
    qualify_seconds = IntegerField(_l("Check the carrier every (seconds, 0: never)"), default=60)


def _input(form):
    """Return the TrunkInput of a submitted ``form`` (an empty password keeps the stored one)."""
    values = {name: getattr(form, name).data for name in trunks.input_fields()}
    values["password"] = form.password.data or None
    for name in ("name", "host", "username", "from_user", "from_domain", "csp", "area_code", "default_callerid"):
        values[name] = (values[name] or "").strip()
    return trunks.TrunkInput(**values)


@bp.route("/trunks")
@role_required("admin")
def trunks_list():
    """List trunks with their live health; htmx polls return the rows alone."""
    trunk_list = list(trunks.list_trunks())
    template = "telephony/trunks/_rows.html" if is_htmx() else "telephony/trunks/list.html"
    return render_template(template, trunks=trunk_list, health=trunks.status_of(trunk_list), kinds=KINDS,
                           registration_labels=REGISTRATION_LABELS, reachability_labels=REACHABILITY_LABELS)


@bp.route("/trunks/new", methods=["GET", "POST"])
@bp.route("/trunks/<int:trunk_id>", methods=["GET", "POST"])
@role_required("admin")
def trunk_edit(trunk_id=None):
    """Create or edit a trunk."""
    trunk = trunks.get_trunk(trunk_id) if trunk_id else None
    form = TrunkForm(obj=trunk)
    if request.method != "POST":
        form.password.data = ""  # write-only: the stored one never reaches a page
    if form.validate_on_submit():
        try:
            saved = trunks.save_trunk(_input(form), current_actor(), trunk_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Trunk %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("telephony.trunks_list"))
    form.password.data = ""
    status = form.status
    return render_template("telephony/trunks/form.html", form=form, trunk=trunk), status


@bp.route("/trunks/<int:trunk_id>/delete", methods=["POST"])
@role_required("admin")
def trunk_delete(trunk_id):
    """Delete a trunk (after the page's confirmation)."""
    try:
        trunks.delete_trunk(trunk_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Trunk deleted."), "success")
    return redirect(url_for("telephony.trunks_list"))
