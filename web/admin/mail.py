"""The e-mail settings page: the SMTP relay the appliance sends through, and a test message."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from appliance.errors import ValidationError
from appliance.services import mail
from web.access import current_actor, role_required
from web.admin import bp
from web.forms import Form, apply_errors, choices
from web.plugins import translate_error

SECURITY_LABELS = {
    "starttls": _l("STARTTLS (usually port 587)"),
    "tls": _l("TLS from the start (usually port 465)"),
    "none": _l("None (only for a relay on a trusted network, port 25)"),
}


class MailSettingsForm(Form):
    """The SMTP relay."""

    host = StringField(_l("Mail server"), validators=[DataRequired(), Length(max=253)])
    port = IntegerField(_l("Port"), default=587, validators=[
        DataRequired(message=_l("Enter a port between 1 and 65535.")),
        NumberRange(1, 65535, message=_l("Enter a port between 1 and 65535."))])
    security = SelectField(_l("Security"), choices=choices(SECURITY_LABELS.items()), default="starttls")
    username = StringField(_l("User name"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=254)])
    clear_password = BooleanField(_l("Remove the stored password"))
    sender = StringField(_l("Sender address"), validators=[DataRequired(), Length(max=254)])


class MailTestForm(Form):
    """Where to send the test message."""

    to = StringField(_l("Send a test message to"), validators=[DataRequired(), Length(max=254)])


def _page(form, test_form, status=200):
    return render_template("admin/mail/page.html", form=form, test_form=test_form, settings=mail.find_settings(),
                           configured=mail.is_configured()), status


@bp.route("/mail", methods=["GET", "POST"])
@role_required("admin")
def mail_settings():
    """Show and save the relay settings."""
    settings = mail.find_settings()
    form = MailSettingsForm(obj=settings)
    if form.validate_on_submit():
        data = mail.MailSettingsInput(
            host=form.host.data, port=form.port.data, security=form.security.data, username=form.username.data,
            password=form.password.data or "", sender=form.sender.data, clear_password=form.clear_password.data)
        try:
            mail.save_settings(data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("E-mail settings saved."), "success")
            return redirect(url_for("admin.mail_settings"))
    form.password.data = ""
    status = form.status
    return _page(form, MailTestForm(formdata=None), status)


@bp.route("/mail/test", methods=["POST"])
@role_required("admin")
def mail_test():
    """Send a test message with the saved settings and say what the server answered."""
    test_form = MailTestForm()
    form = MailSettingsForm(formdata=None, obj=mail.find_settings())
    if test_form.validate_on_submit():
        try:
            mail.send_test(test_form.to.data, current_actor(), language=current_user.language)
        except ValidationError as error:
            apply_errors(test_form, error)
        except mail.MailError as error:
            test_form.form_errors.append(translate_error(error))
        else:
            flash(gettext("Test message sent to %(to)s.", to=test_form.to.data.strip()), "success")
            return redirect(url_for("admin.mail_settings"))
    return _page(form, test_form, 422)
