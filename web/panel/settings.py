"""My call settings: do not disturb, forwards, ring time and presence; live on the next call."""
from flask import flash, redirect
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from appliance.errors import ValidationError
from appliance.services import extension_settings
from web.access import current_actor
from web.forms import Form, apply_errors, choices
from web.panel import bp
from web.panel.context import panel_extension, panel_url, render_panel

#: Presence states as people read them (the directory shows the same words).
PRESENCE_LABELS = {
    "available": _l("Available"),
    "away": _l("Away"),
    "busy": _l("Busy"),
    "lunch": _l("Lunch"),
    "custom": _l("Custom"),
}
_TARGET = _l("Extension or phone number")


class CallSettingsForm(Form):
    """How my calls are handled."""

    dnd = BooleanField(_l("Do not disturb (callers hear busy, or reach my voicemail)"))
    forward_always = StringField(_l("Forward all calls to"), validators=[Optional(), Length(max=32)],
                                 render_kw={"placeholder": _TARGET})
    forward_busy = StringField(_l("When busy, forward to"), validators=[Optional(), Length(max=32)],
                               render_kw={"placeholder": _TARGET})
    forward_no_answer = StringField(_l("When not answered, forward to"), validators=[Optional(), Length(max=32)],
                                    render_kw={"placeholder": _TARGET})
    ring_seconds = IntegerField(_l("Ring for this many seconds before forwarding or voicemail"),
                                validators=[DataRequired()])
    forward_unavailable = StringField(_l("When my phones are off or unreachable, forward to"),
                                      validators=[Optional(), Length(max=32)], render_kw={"placeholder": _TARGET})
    presence = SelectField(_l("Presence"), choices=choices(PRESENCE_LABELS.items()))
    presence_text = StringField(_l("Presence message (shown in the directory)"),
                                validators=[Optional(), Length(max=64)])


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Show and change the extension's call settings."""
    extension = panel_extension()
    form = CallSettingsForm(obj=extension_settings.current(extension))
    if form.validate_on_submit():
        wanted = extension_settings.CallSettings(
            dnd=form.dnd.data, forward_always=form.forward_always.data or "", forward_busy=form.forward_busy.data or "",
            forward_no_answer=form.forward_no_answer.data or "",
            forward_unavailable=form.forward_unavailable.data or "", ring_seconds=form.ring_seconds.data,
            presence=form.presence.data, presence_text=form.presence_text.data or "")
        try:
            extension_settings.update(extension.id, wanted, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Saved: your next call follows these settings."), "success")
            return redirect(panel_url("panel.settings", extension))
    status = form.status
    return render_panel("panel/settings.html", extension, status, form=form)
