"""Admin pages for outbound routes ("Rotas de saída"): list in order, edit, reorder, the Brazilian preset."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, FormField, IntegerField, SelectField, StringField
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Length, Optional

from appliance import phone_numbers
from appliance.errors import ValidationError
from appliance.services import outbound_presets, outbound_routes, trunks
from web import recording_fields
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.plugins import translate, translate_error
from web.telephony import bp

CLASSES = {
    "local": _l("Local"),
    "national": _l("National (and 0800, 0300, 400X)"),
    "mobile": _l("Mobile"),
    "international": _l("International"),
    "premium": _l("Premium rate (0900, 0500)"),
    "collect": _l("Collect calls"),
}
RESULTS = {"e164": _l("E.164 number, sent in each trunk's format"), "asis": _l("Sent as it is to every trunk")}
#: Trunk choices shown on a route: first, second, … in failover order.
TRUNK_SLOTS = 4
#: Empty pattern rows offered under the route's own.
SPARE_PATTERNS = 3


class PatternForm(PlainForm):
    """One dial pattern row (a sub-form: the page's CSRF token covers it)."""

    pattern = StringField(_l("Pattern"), validators=[Optional(), Length(max=40)])
    strip = IntegerField(_l("Strip"), default=0, validators=[Optional()])
    prepend = StringField(_l("Prepend"), validators=[Optional(), Length(max=20)])
    result = SelectField(_l("Result"), choices=choices(RESULTS.items()), default="e164")


class RouteForm(Form):
    """An outbound route."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    permission_class = SelectField(_l("Kind of number (profiles allow kinds)"), choices=choices(CLASSES.items()))
    callerid = StringField(_l("Caller ID sent (unless the extension has its own)"),
                           validators=[Optional(), Length(max=25)])
    enabled = BooleanField(_l("Route enabled"), default=True)
    recording = SelectField(_l("Call recording"), choices=[("never", _l("Never (unless the extension records)")),
                                                           ("always", _l("Always"))], default="never")
    recording_keep_days = recording_fields.keep_days_field()
    recording_prompt_id = recording_fields.prompt_field()
    patterns = FieldList(FormField(PatternForm), min_entries=1)
    trunks = FieldList(SelectField(_l("Trunk"), coerce=int), min_entries=TRUNK_SLOTS, max_entries=TRUNK_SLOTS)


class PresetForm(Form):
    """The Brazilian dialling preset."""

    area_code = StringField(_l("Area code (DDD) of this site"), validators=[DataRequired(), Length(max=2)])
    first_trunk = SelectField(_l("First trunk"), coerce=int)
    second_trunk = SelectField(_l("Second trunk (failover)"), coerce=int)


def _trunk_choices():
    return [(0, "—")] + [(trunk.id, trunk.name) for trunk in trunks.list_trunks()]


@bp.route("/outbound")
@role_required("admin")
def outbound_list():
    """List the outbound routes in the order they are tried, with the preset's form."""
    preset = PresetForm(prefix="preset")
    preset.first_trunk.choices = preset.second_trunk.choices = _trunk_choices()
    return _list(preset)


def _list(preset, status=200):
    rows = [(route, outbound_routes.patterns_of(route), outbound_routes.trunks_of(route))
            for route in outbound_routes.list_routes()]
    return render_template("telephony/outbound/list.html", routes=rows, classes=CLASSES, preset=preset), status


@bp.route("/outbound/preset", methods=["POST"])
@role_required("admin")
def outbound_preset():
    """Create the Brazilian dialling routes."""
    preset = PresetForm(prefix="preset")
    preset.first_trunk.choices = preset.second_trunk.choices = _trunk_choices()
    if preset.validate_on_submit():
        ids = [i for i in (preset.first_trunk.data, preset.second_trunk.data) if i]
        try:
            created = outbound_presets.apply_brazilian_preset(preset.area_code.data, ids, current_actor())
        except ValidationError as error:
            # A preset route refused (a pattern capturing an internal number, a name taken) shows above the form.
            apply_errors(preset, ValidationError({("first_trunk" if key == "trunks" else key): value
                                                  for key, value in error.fields.items()}))
        else:
            flash(gettext("%(count)d routes created.", count=len(created)), "success")
            return redirect(url_for("telephony.outbound_list"))
    return _list(preset, 422)


def _fill(form, route):
    if route is None:
        return
    form.name.data, form.permission_class.data = route.name, route.permission_class
    form.callerid.data = phone_numbers.display(route.callerid) if route.callerid else ""
    form.enabled.data, form.recording.data = route.enabled, route.recording
    form.recording_keep_days.data = route.recording_keep_days
    form.recording_prompt_id.data = route.recording_prompt_id or 0
    patterns = outbound_routes.patterns_of(route)
    while len(form.patterns) < len(patterns):
        form.patterns.append_entry()
    for entry, pattern in zip(form.patterns, patterns, strict=False):
        entry.form.pattern.data, entry.form.strip.data = pattern.pattern, pattern.strip
        entry.form.prepend.data, entry.form.result.data = pattern.prepend, pattern.result
    for entry, trunk in zip(form.trunks, outbound_routes.trunks_of(route), strict=False):
        entry.data = trunk.id


@bp.route("/outbound/new", methods=["GET", "POST"])
@bp.route("/outbound/<int:route_id>", methods=["GET", "POST"])
@role_required("admin")
def outbound_route(route_id=None):
    """Create or edit an outbound route."""
    route = outbound_routes.get_route(route_id) if route_id else None
    form = RouteForm()
    recording_fields.fill_prompts(form)
    if request.method == "GET":
        _fill(form, route)
    while len(form.patterns) < (len([e for e in form.patterns if e.form.pattern.data]) + SPARE_PATTERNS):
        form.patterns.append_entry()
    for entry in form.trunks:
        entry.choices = _trunk_choices()
    if form.validate_on_submit():
        rows = [entry.form for entry in form.patterns if (entry.form.pattern.data or "").strip()]
        data = outbound_routes.RouteInput(
            form.name.data, form.permission_class.data,
            [outbound_routes.PatternInput(row.pattern.data, row.strip.data or 0, row.prepend.data or "",
                                          row.result.data) for row in rows],
            [entry.data for entry in form.trunks if entry.data], form.callerid.data or "", form.enabled.data,
            form.recording.data, form.recording_keep_days.data or 0, form.recording_prompt_id.data)
        try:
            saved = outbound_routes.save_route(data, current_actor(), route_id)
        except ValidationError as error:
            _show_errors(form, error, rows)
            # WTForms keeps the errors it found itself: the service's, put on sub-fields, need the status said.
            return render_template("telephony/outbound/form.html", form=form, route=route), 422
        flash(gettext("Route %(name)s saved.", name=saved.name), "success")
        return redirect(url_for("telephony.outbound_list"))
    return render_template("telephony/outbound/form.html", form=form, route=route), form.status


def _show_errors(form, error, rows):
    """Put each pattern's error under its row, the rest on their fields."""
    rest = {}
    for key, value in error.fields.items():
        if key.startswith("pattern-") and key[8:].isdigit() and int(key[8:]) < len(rows):
            rows[int(key[8:])].pattern.errors = [translate(*value)]
        elif key == "trunks":
            form.trunks[0].errors = [translate(*value)]
        else:
            rest[key] = value
    if rest:
        apply_errors(form, ValidationError(rest))


@bp.route("/outbound/<int:route_id>/move", methods=["POST"])
@role_required("admin")
def outbound_move(route_id):
    """Move a route one place up or down."""
    outbound_routes.move(route_id, -1 if request.form.get("direction") == "up" else 1, current_actor())
    return redirect(url_for("telephony.outbound_list"))


@bp.route("/outbound/order", methods=["POST"])
@role_required("admin")
def outbound_order():
    """Put the routes in the order the page sends (drag and drop)."""
    try:
        outbound_routes.reorder(request.form.getlist("route"), current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    return redirect(url_for("telephony.outbound_list"))


@bp.route("/outbound/<int:route_id>/delete", methods=["POST"])
@role_required("admin")
def outbound_delete(route_id):
    """Delete a route."""
    outbound_routes.delete_route(route_id, current_actor())
    flash(gettext("Route deleted."), "success")
    return redirect(url_for("telephony.outbound_list"))
