"""Admin page for the cost-saving callback (DISA): the numbers it calls back, their PIN and daily limit."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from appliance.errors import ValidationError
from appliance.services import disa
from web.access import current_actor, role_required
from web.forms import Form, apply_errors
from web.plugins import translate_error
from web.telephony import bp


class DisaNumberForm(Form):
    """An authorised number."""

    number = StringField(_l("Caller ID as it arrives (with area code)"), validators=[DataRequired(), Length(max=24)])
    dial = StringField(_l("Number dialled to call it back (empty: the same)"), validators=[Length(max=40)])
    extension = StringField(_l("Extension whose profile and caller ID it uses"), validators=[DataRequired(),
                                                                                             Length(max=8)])
    pin = PasswordField(_l("PIN (6 to 12 digits; empty keeps the current one)"), validators=[Length(max=12)])
    max_per_day = IntegerField(_l("Callbacks per day"), default=5)
    enabled = BooleanField(_l("Enabled"), default=True)


@bp.route("/disa", methods=["GET", "POST"])
@bp.route("/disa/<int:disa_id>", methods=["GET", "POST"])
@role_required("admin")
def disa_list(disa_id=None):
    """List the authorised numbers; add or edit one."""
    row = disa.get_disa_number(disa_id) if disa_id else None
    form = DisaNumberForm(obj=row, extension=row.extension.number if row else None)
    if form.validate_on_submit():
        data = disa.DisaNumberInput(form.number.data, form.extension.data, dial=form.dial.data or "",
                                    pin=form.pin.data or "", max_per_day=form.max_per_day.data,
                                    enabled=form.enabled.data)
        try:
            saved = disa.save_disa_number(data, current_actor(), disa_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Number %(number)s authorised.", number=saved.number), "success")
            return redirect(url_for("telephony.disa_list"))
    form.pin.data = ""  # never sent back to the browser
    return render_template("telephony/disa/list.html", form=form, row=row, rows=list(disa.list_disa_numbers()),
                           today={r.id: disa.calls_today(r.dial) for r in disa.list_disa_numbers()}), form.status


@bp.route("/disa/<int:disa_id>/delete", methods=["POST"])
@role_required("admin")
def disa_delete(disa_id):
    """Remove an authorised number."""
    try:
        disa.delete_disa_number(disa_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Authorised number removed."), "success")
    return redirect(url_for("telephony.disa_list"))
