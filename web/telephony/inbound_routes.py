"""Admin pages for inbound routes: which destination a carrier's call reaches, by DID and caller."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length

from appliance import destinations, phone_numbers
from appliance.errors import ValidationError
from appliance.services import inbound_routes
from web import recording_fields
from web.access import current_actor, role_required
from web.destinations import DestinationField
from web.forms import Form, apply_errors, choices
from web.plugins import translate
from web.telephony import bp

CALLER_KINDS = {"": _l("Any caller"), "exact": _l("This number only"), "prefix": _l("Numbers starting with")}


class InboundRouteForm(Form):
    """An inbound route."""

    name = StringField(_l("Description"), validators=[Length(max=64)])
    did = StringField(_l("Number called (DID): empty for every number no other route takes"),
                      validators=[Length(max=40)])
    caller_kind = SelectField(_l("Caller"), choices=choices(CALLER_KINDS.items()))
    caller = StringField(_l("Caller's number or its first digits"), validators=[Length(max=20)])
    destination = DestinationField(_l("Destination"))
    recording = SelectField(_l("Call recording"), choices=[("never", _l("Never")), ("always", _l("Always"))],
                            default="never")
    recording_keep_days = recording_fields.keep_days_field()
    recording_prompt_id = recording_fields.prompt_field()


def _label(route):
    destination = destinations.find(route.destination)
    if destination is None:
        return route.destination
    message, params = destination.label()
    return translate(message, params)


@bp.route("/inbound-routes")
@role_required("admin")
def inbound_routes_list():
    """List inbound routes; the catch-all (no DID) says what unknown numbers get."""
    routes = [(route, _label(route)) for route in inbound_routes.list_routes()]
    return render_template("telephony/inbound_routes/list.html", routes=routes, caller_kinds=CALLER_KINDS,
                           display=phone_numbers.display)


@bp.route("/inbound-routes/new", methods=["GET", "POST"])
@bp.route("/inbound-routes/<int:route_id>", methods=["GET", "POST"])
@role_required("admin")
def inbound_route_edit(route_id=None):
    """Create or edit an inbound route."""
    route = inbound_routes.get_route(route_id) if route_id else None
    form = InboundRouteForm(obj=route)
    recording_fields.fill_prompts(form)
    if form.validate_on_submit():
        data = inbound_routes.InboundRouteInput(did=form.did.data, destination=form.destination.data,
                                                caller_kind=form.caller_kind.data, caller=form.caller.data,
                                                name=form.name.data, recording=form.recording.data,
                                                recording_keep_days=form.recording_keep_days.data or 0,
                                                recording_prompt_id=form.recording_prompt_id.data)
        try:
            saved = inbound_routes.save_route(data, current_actor(), route_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Inbound route %(did)s saved.", did=saved.did or "*"), "success")
            return redirect(url_for("telephony.inbound_routes_list"))
    return render_template("telephony/inbound_routes/form.html", form=form, route=route), form.status


@bp.route("/inbound-routes/<int:route_id>/delete", methods=["POST"])
@role_required("admin")
def inbound_route_delete(route_id):
    """Delete an inbound route."""
    inbound_routes.delete_route(route_id, current_actor())
    flash(gettext("Inbound route deleted."), "success")
    return redirect(url_for("telephony.inbound_routes_list"))
