"""My account: password, language, and the sessions open in my name (log out everywhere)."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from appliance.errors import ValidationError
from appliance.services import sessions, users
from appliance.settings import LANGUAGES
from web.access import current_actor
from web.forms import Form, apply_errors, choices
from web.panel import bp
from web.plugins import end_session


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


def _back_to_login(message):
    """End this browser's session and send it to the login page with ``message``."""
    end_session()
    flash(message, "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Show my account and my open sessions, change my password."""
    form = PasswordForm()
    language_form = LanguageForm(language=current_user.language)
    if form.validate_on_submit():
        try:
            users.change_own_password(current_user.id, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _back_to_login(gettext("Password changed. Log in again with the new password."))
    status = form.status
    open_sessions = list(sessions.list_alive(current_user.id, current_app.config))
    return render_template("panel/account.html", form=form, language_form=language_form,
                           sessions=open_sessions, current_session_id=current_user.web_session.id), status


@bp.route("/account/sessions/end-all", methods=["POST"])
@login_required
def account_logout_everywhere():
    """End every session of mine, on every browser and device, this one included."""
    sessions.end_all(current_user.id, current_actor())
    return _back_to_login(gettext("You have logged out everywhere."))


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def account_end_session(session_id):
    """End one of my sessions (a browser left logged in elsewhere)."""
    if session_id == current_user.web_session.id:
        return _back_to_login(gettext("You have logged out."))
    if not sessions.end_one(session_id, current_user.id):
        abort(404)
    flash(gettext("That session has ended."), "success")
    return redirect(url_for("panel.account"))
