"""The Centralina web app: admin pages, the extension panel and the JSON API."""
import datetime

from flask import Flask

from appliance import db, permissions, settings
from appliance.services import engine_sync
from web import (
    admin,
    advanced,
    api,
    api_tokens,  # noqa: F401 (its views register on the panel and admin blueprints)
    auth,
    callcenter,
    conference_join,
    destinations,
    panel,
    plugins,
    security,
    sms_hooks,
    telephony,
)


def create_app(test_config=None):
    """Build the Flask app; ``test_config`` overrides every other settings layer."""
    permissions.private_umask()  # what a worker writes under VAR_DIR is its user's only
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(settings.load(overrides=test_config))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=app.config["SESSION_MAX_HOURS"]),
        BABEL_DEFAULT_LOCALE=app.config["DEFAULT_LOCALE"],
        BABEL_TRANSLATION_DIRECTORIES="translations",
        BABEL_DEFAULT_TIMEZONE=app.config["TIMEZONE"],
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session that holds it
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    db.init(app.config["DATABASE_URL"])
    engine_sync.configure_from_settings(app.config)
    plugins.init_app(app)
    security.init_app(app)

    for module in (auth, panel, callcenter, telephony, advanced, admin):
        app.register_blueprint(module.bp)
    api.init_app(app)
    # Providers call it with their own secret, never a session cookie: nothing for a forged form to ride on.
    app.register_blueprint(sms_hooks.bp)
    plugins.csrf.exempt(sms_hooks.bp)
    # Conference guests: no account, an invitation link (services/conference_guests.py).
    app.register_blueprint(conference_join.bp)
    destinations.init_app(app)
    return app
