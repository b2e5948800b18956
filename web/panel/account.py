"""My account: password and language."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from appliance.errors import ValidationError
from appliance.services import users
from appliance.settings import LANGUAGES
from web.forms import Form, apply_errors, choices
from web.panel import bp


class PasswordForm(Form):
    """Change my password."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
    )


class LanguageForm(Form):
    """My language."""

    language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Show my account, change my password."""
    form = PasswordForm()
    language_form = LanguageForm(language=current_user.language)
    if form.validate_on_submit():
        try:
            users.change_own_password(current_user.id, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Password changed. Log in again with the new password."), "success")
            return redirect(url_for("auth.login"))
    status = form.status
    return render_template("panel/account.html", form=form, language_form=language_form), status
