"""Flask integrations, each set up by ``init_app``: database, login and server-side sessions, CSRF, Babel, HTMX."""
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import Babel, get_locale, gettext, lazy_gettext
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup

from appliance.errors import (
    DomainError,
    ImportRejected,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    ValidationError,
)
from appliance.services import engine_sync, sessions
from appliance.settings import LANGUAGES
from web import database, problems
from web.navigation import navigation

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def translate(message, params=None):
    """Translate a domain message (an ``N_`` msgid) into the current locale."""
    text = gettext(message)
    return text % params if params else text


def translate_error(error):
    """Translate a DomainError for display."""
    return translate(error.message, error.params)


def _api_locale():
    """The API's locale: Accept-Language, then the token owner's language, then the default."""
    wanted = request.accept_languages.best_match(LANGUAGES) if request.accept_languages else None
    principal = g.get("api_principal")
    if wanted:
        return wanted
    if principal is not None and principal.user is not None:
        return principal.user.language
    return current_app.config["DEFAULT_LOCALE"]


def select_locale():
    """Pick the locale: the user's own, then the login page's switcher, then the default (API: its own rule)."""
    if problems.is_api():
        return _api_locale()  # no session cookie is read under /api/
    if current_user and current_user.is_authenticated:
        return current_user.language
    chosen = session.get("language")
    return chosen if chosen in LANGUAGES else current_app.config["DEFAULT_LOCALE"]


def is_htmx():
    """Tell whether the current request was sent by htmx (and wants a fragment)."""
    return request.headers.get("HX-Request") == "true"


class LoginUser:
    """Adapter between a User row and Flask-Login, for one server-side session."""

    def __init__(self, user, token, web_session=None):
        self.user = user
        self.token = token
        self.web_session = web_session
        self.id = user.id
        self.username = user.username
        self.role = user.role
        self.language = user.language
        self.display_name = user.display_name or user.username

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self):
        """Return the session key Flask-Login keeps in the cookie: the server-side session's token."""
        return self.token

    def has_role(self, *roles):
        """Tell whether the user has one of ``roles``."""
        return self.role in roles


@login_manager.user_loader
def _load_user(token):
    # Only a session the server still holds opens anything: a logged-out cookie finds no row.
    web_session = sessions.find_alive(token, current_app.config)
    return LoginUser(web_session.user, token, web_session) if web_session else None


def _check_session():
    """End a cookie's session the server no longer holds (logged out, expired, revoked); note activity."""
    if problems.is_api():
        return None  # the API authenticates with tokens only: cookies open nothing there
    if current_user.is_authenticated:
        sessions.touch(current_user.web_session, current_app.config)
        return None
    if "_user_id" not in session:
        return None
    end_session()
    flash(gettext("Your session expired. Please log in again."), "warning")
    target = url_for("auth.login", next=request.full_path if request.method == "GET" and not is_htmx() else None)
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def end_session():
    """Log out: end the server-side session, clear the cookie's, keep only the language for the login page."""
    language = current_user.language if current_user.is_authenticated else session.get("language")
    sessions.end(session.get("_user_id"))
    logout_user()
    session.clear()
    if language:
        session["language"] = language


def _unauthorized():
    if is_htmx():
        return "", 204, {"HX-Redirect": url_for("auth.login")}
    flash(gettext("Please log in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path))


#: The HTTP status of each domain error a view lets through: one mapping for pages and (later) the API.
DOMAIN_STATUS = ((NotFound, 404), (PermissionDenied, 403), (ValidationError, 422), (ImportRejected, 422),
                 (RateLimited, 429), (Unavailable, 503))


def status_of(error):
    """Return the HTTP status that answers the DomainError ``error`` (400 for the rest)."""
    return next((status for kind, status in DOMAIN_STATUS if isinstance(error, kind)), 400)


def _render_error(status, message):
    if problems.is_api():
        return problems.problem(status, message)
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, message=message), status


def _vary_on_htmx(response):
    # The same URL answers a full page or a fragment, so caches must key on the header.
    if problems.is_api():
        return response
    response.vary.add("HX-Request")
    if is_htmx() and response.mimetype == "text/html" and response.status_code < 300 and session.get("_flashes"):
        response.direct_passthrough = False
        response.set_data(response.get_data() + render_template("_partials/_flashes.html", oob=True).encode())
    return response


def init_app(app):
    """Wire every integration into ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.unauthorized_handler(_unauthorized)
    csrf.init_app(app)
    # The zone is read per request: the first login's setup may change it (web/auth/setup.py).
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: current_app.config["TIMEZONE"])
    database.init_app(app)

    app.before_request(_check_session)
    app.after_request(_vary_on_htmx)

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        message = gettext("The form expired or was sent from elsewhere. Reload the page and try again.")
        return _render_error(400, message)

    @app.errorhandler(403)
    def _forbidden(error):
        return _render_error(403, gettext("You do not have permission to do this."))

    @app.errorhandler(404)
    def _not_found(error):
        return _render_error(404, gettext("Page not found."))

    @app.errorhandler(413)
    def _too_large(error):
        return _render_error(413, gettext("The upload is too large."))

    @app.errorhandler(DomainError)
    def _domain_error(error):
        if problems.is_api():
            return problems.from_domain_error(error, status_of(error))
        return _render_error(status_of(error), translate_error(error))

    app.jinja_env.globals.update(
        engine_behind=engine_sync.behind,
        languages=LANGUAGES,
        get_locale=get_locale,
        navigation=navigation,
        is_htmx=is_htmx,
        translate=translate,
    )
    app.jinja_env.filters["nl2br"] = lambda text: Markup("<br>".join(Markup.escape(text).split("\n")))


__all__ = ["babel", "csrf", "login_manager", "lazy_gettext", "translate", "translate_error", "is_htmx"]
