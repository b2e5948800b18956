"""The first login's setup page (services/site.py): a new admin password, time zone and country.

While the password generated at first boot still logs in, a session opened with it reaches
nothing but this page (and logout). Each web worker picks up the site settings another
worker saved (VAR_DIR/site.json) at its next request.
"""
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired, Length

from appliance.errors import ValidationError
from appliance.services import site
from web.access import current_actor
from web.auth import bp
from web.forms import Form, apply_errors, choices
from web.plugins import end_session, is_htmx

#: The session's mark that it was opened with the generated first password.
PENDING = "first_setup"
#: What such a session may still reach.
_OPEN = ("auth.first_setup", "auth.logout", "auth.language", "static")


class SetupForm(Form):
    """New admin password, time zone, country."""

    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm_password = PasswordField(_l("Repeat the new password"), validators=[DataRequired(), Length(max=128)])
    # The service checks the choices (services/site.py site_errors: the Site settings page and the API's check too).
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    country = SelectField(_l("Country of the company"), validate_choice=False)


def mark_if_first_password(password):
    """After a login: remember in the session whether ``password`` was the generated first one."""
    if site.is_first_password(current_app.config["VAR_DIR"], password):
        session[PENDING] = True
        return True
    return False


def _form():
    conf = current_app.config
    form = SetupForm(data={"timezone": conf["TIMEZONE"], "country": conf["COUNTRY"]})
    form.timezone.choices = choices((zone, zone) for zone in site.time_zones())
    territories = get_locale().territories  # country names in the reader's language (CLDR)
    form.country.choices = choices(sorted(((code, territories.get(code, code)) for code in site.countries()),
                                          key=lambda pair: pair[1]))
    return form


@bp.route("/setup", methods=["GET", "POST"])
def first_setup():
    """Ask a session opened with the first password for a new one, the time zone and the country."""
    if not current_user.is_authenticated or not session.get(PENDING):
        return redirect(url_for("auth.index"))
    form = _form()
    if form.validate_on_submit():
        data = site.SetupInput(new_password=form.new_password.data, confirm_password=form.confirm_password.data,
                               timezone=form.timezone.data, country=form.country.data)
        try:
            site.complete_first_setup(current_user.id, data, current_actor(), current_app.config)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            end_session()
            flash(gettext("Setup saved. Log in with your new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/setup.html", form=form), form.status


def _guard():
    """Send a session opened with the first password to the setup page, whatever it asked for."""
    if not session.get(PENDING) or not current_user.is_authenticated or request.endpoint in _OPEN:
        return None
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return None  # the API authenticates with tokens, never this session
    target = url_for("auth.first_setup")
    return ("", 204, {"HX-Redirect": target}) if is_htmx() else redirect(target)


def _refresh_site():
    """Take the site settings another worker saved since this one last looked (one stat a request)."""
    site.refresh(current_app.config)


bp.before_app_request(_refresh_site)
bp.before_app_request(_guard)
