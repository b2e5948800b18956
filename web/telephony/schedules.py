"""Admin pages for business hours: schedules with their state now, shifts, holidays, events and override."""
import datetime
import zoneinfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from appliance import business_hours, destinations
from appliance.errors import ValidationError
from appliance.services import schedule_override, schedules
from web.access import current_actor, role_required
from web.destinations import DestinationField
from web.forms import Form, apply_errors, choices
from web.plugins import translate
from web.telephony import bp

DAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
             _l("Sunday"))
STATE_NAMES = {"open": _l("Open"), "closed": _l("Closed"), "holiday": _l("Holiday"), "event": _l("Event")}
MODES = {"": _l("Automatic (by the schedule)"), "open": _l("Open (day)"), "closed": _l("Closed (night)"),
         "holiday": _l("Holiday")}


class ScheduleForm(Form):
    """A schedule: zone, calendar, destinations, shifts per weekday, custom dates, who may flip it by phone."""

    name = StringField(_l("Name"), validators=[Length(max=64)])
    timezone = SelectField(_l("Time zone"))
    country = SelectField(_l("Public holidays of"))
    subdivision = SelectField(_l("State or region"))
    open_destination = DestinationField(_l("When open"))
    closed_destination = DestinationField(_l("When closed"))
    holiday_destination = DestinationField(_l("On holidays"))
    shifts_0 = StringField(DAY_NAMES[0])
    shifts_1 = StringField(DAY_NAMES[1])
    shifts_2 = StringField(DAY_NAMES[2])
    shifts_3 = StringField(DAY_NAMES[3])
    shifts_4 = StringField(DAY_NAMES[4])
    shifts_5 = StringField(DAY_NAMES[5])
    shifts_6 = StringField(DAY_NAMES[6])
    custom_dates = TextAreaField(_l("Own holidays, one a line"))
    override_extensions = StringField(_l("Extensions that may switch it by phone"), validators=[Length(max=400)])


class EventForm(Form):
    """A one-off event."""

    event_name = StringField(_l("Event"), validators=[Length(max=64)])
    starts = StringField(_l("From"))
    ends = StringField(_l("Until"))
    event_destination = DestinationField(_l("Calls go to"))


class OverrideForm(Form):
    """The manual override."""

    mode = SelectField(_l("Switch"), choices=choices(MODES.items()))
    until = StringField(_l("Until (empty: until switched back)"))


def _label(text):
    destination = destinations.find(text)
    return translate(*destination.label()) if destination else text


def _form(schedule):
    # A new schedule starts in the installation's own zone and holiday calendar (chosen at the first login).
    data = schedules.input_of(schedule) if schedule else schedules.ScheduleInput(
        timezone=current_app.config["TIMEZONE"], country=current_app.config["COUNTRY"])
    values = {f"shifts_{day}": text for day, text in (data.shifts or {}).items()}
    if schedule and not schedule.holiday_destination:
        values["holiday_destination"] = schedule.closed_destination
    form = ScheduleForm(data={**vars(data), **values})
    form.timezone.choices = choices((zone, zone) for zone in sorted(zoneinfo.available_timezones()) if "/" in zone)
    known = business_hours.countries()
    # Country names in the reader's language (Babel's CLDR data); the code when it has none.
    territories = get_locale().territories
    form.country.choices = choices([("", gettext("None"))] + sorted(
        ((code, territories.get(code, code)) for code in known), key=lambda pair: pair[1]))
    country = request.form.get("country", data.country) if request.method == "POST" else data.country
    form.subdivision.choices = choices([("", gettext("National holidays only"))] +
                                       [(code, code) for code in known.get(country, ())])
    return form


@bp.route("/schedules")
@role_required("admin")
def schedules_list():
    """List schedules with their state now and when it next changes."""
    rows = [(schedule, *schedules.state_now(schedule)) for schedule in schedules.list_schedules()]
    return render_template("telephony/schedules/list.html", rows=rows, states=STATE_NAMES,
                           code=_override_code())


def _override_code():
    from appliance.services import engine_sync
    return engine_sync.feature_codes().schedule_override


@bp.route("/schedules/new", methods=["GET", "POST"])
@bp.route("/schedules/<int:schedule_id>", methods=["GET", "POST"])
@role_required("admin")
def schedule_edit(schedule_id=None):
    """Create or edit a schedule; its events and override are below the form."""
    schedule = schedules.get_schedule(schedule_id) if schedule_id else None
    form = _form(schedule)
    if form.validate_on_submit():
        data = schedules.ScheduleInput(
            name=form.name.data, timezone=form.timezone.data, country=form.country.data,
            subdivision=form.subdivision.data, open_destination=form.open_destination.data,
            closed_destination=form.closed_destination.data, holiday_destination=form.holiday_destination.data,
            shifts={day: getattr(form, f"shifts_{day}").data for day in range(7)},
            custom_dates=form.custom_dates.data, override_extensions=form.override_extensions.data)
        try:
            saved = schedules.save_schedule(data, current_actor(), schedule_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Schedule %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("telephony.schedule_edit", schedule_id=saved.id))
    return _render(schedule, form), form.status


def _render(schedule, form, event_form=None, override_form=None, status=200):
    state = schedules.state_now(schedule) if schedule else None
    events = [(event, _label(event.destination)) for event in schedule.events] if schedule else []
    return render_template("telephony/schedules/form.html", form=form, schedule=schedule, state=state,
                           states=STATE_NAMES, modes=MODES, events=events, days=DAY_NAMES,
                           event_form=event_form or EventForm(formdata=None),
                           override_form=override_form or OverrideForm(formdata=None), code=_override_code())


@bp.route("/schedules/<int:schedule_id>/events", methods=["POST"])
@role_required("admin")
def schedule_event_add(schedule_id):
    """Add a one-off event."""
    schedule = schedules.get_schedule(schedule_id)
    event_form = EventForm()
    if event_form.validate_on_submit():
        try:
            schedules.add_event(schedule.id, schedules.EventInput(
                event_form.event_name.data, event_form.starts.data, event_form.ends.data,
                event_form.event_destination.data), current_actor())
        except ValidationError as error:
            apply_errors(event_form, error)
        else:
            flash(gettext("Event added."), "success")
            return redirect(url_for("telephony.schedule_edit", schedule_id=schedule.id))
    return _render(schedule, _form(schedule), event_form=event_form), 422


@bp.route("/schedules/<int:schedule_id>/events/<int:event_id>/delete", methods=["POST"])
@role_required("admin")
def schedule_event_delete(schedule_id, event_id):
    """Delete an event."""
    schedules.delete_event(schedule_id, event_id, current_actor())
    flash(gettext("Event deleted."), "success")
    return redirect(url_for("telephony.schedule_edit", schedule_id=schedule_id))


@bp.route("/schedules/<int:schedule_id>/override", methods=["POST"])
@role_required("admin")
def schedule_override_set(schedule_id):
    """Set or clear the manual override (the until time is local to the schedule's zone)."""
    schedule = schedules.get_schedule(schedule_id)
    override_form = OverrideForm()
    if override_form.validate_on_submit():
        until, errors = None, {}
        if (override_form.until.data or "").strip():
            try:
                until = datetime.datetime.fromisoformat(override_form.until.data.strip()).replace(
                    tzinfo=zoneinfo.ZoneInfo(schedule.timezone))
            except ValueError:
                errors["until"] = True
        if errors:
            override_form.until.errors = [gettext("Enter a date and time.")]
        else:
            try:
                live = schedule_override.set_override(schedule.id, override_form.mode.data, current_actor(), until)
            except ValidationError as error:
                apply_errors(override_form, error)
            else:
                flash(gettext("Override saved.") if live else
                      gettext("Override saved; the engine is not answering and gets it when it is back."),
                      "success" if live else "warning")
                return redirect(url_for("telephony.schedule_edit", schedule_id=schedule.id))
    return _render(schedule, _form(schedule), override_form=override_form), 422


@bp.route("/schedules/<int:schedule_id>/delete", methods=["POST"])
@role_required("admin")
def schedule_delete(schedule_id):
    """Delete a schedule (refused while calls are sent to it)."""
    try:
        schedules.delete_schedule(schedule_id, current_actor())
    except ValidationError as error:
        flash(translate(*next(iter(error.fields.values()))), "error")
        return redirect(url_for("telephony.schedule_edit", schedule_id=schedule_id))
    flash(gettext("Schedule deleted."), "success")
    return redirect(url_for("telephony.schedules_list"))
