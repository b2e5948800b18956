"""Admin page for callbacks: ask for one, see each one's state (pending, calling, done, failed with why), cancel."""
import datetime
import zoneinfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from appliance.errors import ValidationError
from appliance.services import callbacks, schedules
from web.access import current_actor, role_required
from web.forms import Form, apply_errors
from web.plugins import is_htmx, translate_error
from web.telephony import bp

STATUS_FILTERS = ("", "pending", "calling", "done", "failed")


class CallbackForm(Form):
    """A callback asked for by hand."""

    number = StringField(_l("Customer's number"), validators=[DataRequired(), Length(max=40)])
    agent = StringField(_l("Who calls back: an extension or queue number"), validators=[DataRequired(),
                                                                                         Length(max=8)])
    reason = StringField(_l("Reason (shown to the agent)"), validators=[Length(max=40)])
    due_at = StringField(_l("When (empty: now)"), validators=[Optional(), Length(max=20)])
    schedule_id = SelectField(_l("Only inside business hours"), coerce=str)
    max_attempts = IntegerField(_l("Attempts"), default=3)
    retry_seconds = IntegerField(_l("Seconds between attempts"), default=300)


def _due(text, form):
    """Return the aware instant typed as local time in the installation's zone, or None (now)."""
    if not text:
        return None
    try:
        local = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        form.due_at.errors = [gettext("Use the form 2026-12-28T14:30.")]
        return False
    return local.replace(tzinfo=zoneinfo.ZoneInfo(current_app.config["TIMEZONE"]))


@bp.route("/callbacks", methods=["GET", "POST"])
@role_required("admin")
def callbacks_list():
    """List callbacks (refreshing itself while any is pending or calling) and ask for a new one."""
    form = CallbackForm()
    form.schedule_id.choices = [("", gettext("Any time"))] + [(str(s.id), s.name) for s in schedules.list_schedules()]
    if form.validate_on_submit():
        due = _due(form.due_at.data, form)
        if due is not False:
            data = callbacks.CallbackInput(
                number=form.number.data, agent=form.agent.data, reason=form.reason.data or "", due_at=due,
                schedule_id=int(form.schedule_id.data) if form.schedule_id.data else None,
                max_attempts=form.max_attempts.data, retry_seconds=form.retry_seconds.data)
            try:
                row = callbacks.request(data, current_actor())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(gettext("Callback to %(number)s scheduled.", number=row.number), "success")
                return redirect(url_for("telephony.callbacks_list"))
    status = request.args.get("status", "")
    status = status if status in STATUS_FILTERS else ""
    rows = list(callbacks.list_callbacks(status).limit(200))
    context = dict(rows=rows, status=status, filters=STATUS_FILTERS, labels=callbacks.STATUS_LABELS,
                   results=callbacks.RESULTS, active=any(row.status in ("pending", "calling") for row in rows))
    if is_htmx() and request.method == "GET":
        return render_template("telephony/callbacks/_rows.html", **context), {"Vary": "HX-Request"}
    return render_template("telephony/callbacks/list.html", form=form, **context), form.status, \
        {"Vary": "HX-Request"}


@bp.route("/callbacks/<int:callback_id>/cancel", methods=["POST"])
@role_required("admin")
def callback_cancel(callback_id):
    """Cancel a pending callback."""
    try:
        callbacks.cancel(callback_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Callback cancelled."), "success")
    return redirect(url_for("telephony.callbacks_list"))
