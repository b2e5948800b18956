"""Admin pages for pause reasons: what agents say when they pause, its limit and whether it is productive."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional

from appliance.errors import ValidationError
from appliance.services import pause_reasons
from web.access import current_actor, role_required
from web.callcenter import bp
from web.forms import Form, apply_errors


class PauseReasonForm(Form):
    """A pause reason."""

    code = IntegerField(_l("Code (typed after the pause code: *47 + code)"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    max_minutes = IntegerField(_l("Longest pause in minutes (empty: no limit)"), validators=[Optional()])
    productive = BooleanField(_l("Counts as productive time"))


@bp.route("/pause-reasons")
@role_required("admin")
def pause_reasons_list():
    """List pause reasons."""
    return render_template("callcenter/pause_reasons/list.html", reasons=pause_reasons.list_pause_reasons())


@bp.route("/pause-reasons/new", methods=["GET", "POST"])
@bp.route("/pause-reasons/<int:reason_id>", methods=["GET", "POST"])
@role_required("admin")
def pause_reason_edit(reason_id=None):
    """Create or edit a pause reason."""
    reason = pause_reasons.get_pause_reason(reason_id) if reason_id else None
    form = PauseReasonForm(obj=reason)
    if form.validate_on_submit():
        data = pause_reasons.PauseReasonInput(form.code.data, form.name.data, form.max_minutes.data,
                                              form.productive.data)
        try:
            pause_reasons.save_pause_reason(data, current_actor(), reason_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Pause reason saved."), "success")
            return redirect(url_for("callcenter.pause_reasons_list"))
    return render_template("callcenter/pause_reasons/form.html", form=form, reason=reason), form.status


@bp.route("/pause-reasons/<int:reason_id>/delete", methods=["POST"])
@role_required("admin")
def pause_reason_delete(reason_id):
    """Delete a pause reason."""
    pause_reasons.delete_pause_reason(reason_id, current_actor())
    flash(gettext("Pause reason deleted."), "success")
    return redirect(url_for("callcenter.pause_reasons_list"))
