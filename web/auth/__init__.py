"""Log in, log out, and the language switcher of the login page."""
import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from appliance.services import logins, site, users
from appliance.settings import LANGUAGES
from web.forms import Form
from web.navigation import home_endpoint
from web.plugins import LoginUser, end_session, translate_error

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    """User name and password."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


def _safe_next(target):
    """Return ``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in, unless this address must wait after failures."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            attempt = logins.log_in(form.username.data, form.password.data, request.remote_addr or "",
                                    request.user_agent.string, current_app.config)
        except logins.Throttled as throttled:
            form.form_errors.append(translate_error(throttled))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(throttled.retry_after)}
        if attempt.user is not None:
            session.clear()  # a fresh cookie on login (no fixation); the server-side session is new too
            login_user(LoginUser(attempt.user, attempt.token))
            session.permanent = True
            session["language"] = attempt.user.language  # the login page speaks it after a logout or expiry
            if setup.mark_if_first_password(form.password.data):
                return redirect(url_for("auth.first_setup"))
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(attempt.user)))
        form.form_errors.append(gettext("Wrong user name or password."))
        headers = {"Retry-After": str(math.ceil(attempt.wait))} if attempt.wait else {}
        return render_template("auth/login.html", form=form), 401, headers
    return render_template("auth/login.html", form=form)


@bp.app_context_processor
def _first_login():
    # The login page says where the first password is (the console), never the password itself.
    return {"first_password_pending": lambda: site.first_password_pending(current_app.config["VAR_DIR"])}


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session."""
    end_session()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    """Remember the language chosen on the login page (or by a logged-in user)."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        session["language"] = chosen
        if current_user.is_authenticated:
            users.set_language(current_user.id, chosen)
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.login"))


@bp.route("/")
def index():
    """Send visitors to their home page, or to the login page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return redirect(url_for("auth.login"))


from web.auth import setup  # noqa: E402,F401 (registers the first login's setup page)
