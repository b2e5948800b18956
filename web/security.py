"""What every response says about itself: no framing, no caching behind a login, Secure cookies over HTTPS.

Forwarded headers (X-Forwarded-For/-Proto/-Host) are believed only when ``TRUSTED_PROXIES``
says how many proxies stand in front of the app: otherwise anyone could claim another
address (and dodge the login throttles) or claim HTTPS.
"""
from flask import has_request_context, request
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from web.problems import is_api

#: Headers every response carries: no page of the app may be framed (clickjacking), no
#: response sniffed into another type, no URL (with its query) sent to another site.
ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
FRAME_ANCESTORS = "frame-ancestors 'none'"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        """Return True when the setting says so or this request is HTTPS (the cookie then never goes over HTTP)."""
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))

    def open_session(self, app, request):
        """Read the cookie's session, except under /api/: tokens only there, so a cookie opens nothing."""
        if request.path.startswith("/api/"):
            return NullSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        """Write the session cookie, never on an API response (nothing there to keep or to ride on)."""
        if isinstance(session, NullSession):
            return
        super().save_session(app, session, response)


def _headers(response):
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    policy = response.headers.get("Content-Security-Policy")
    if not policy:
        response.headers["Content-Security-Policy"] = FRAME_ANCESTORS
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = f"{policy}; {FRAME_ANCESTORS}"
    # Everything behind the login is someone's data, and several pages show secrets (SIP and
    # reset passwords, softphone credentials): no browser or proxy keeps a copy, so neither the
    # Back button after a logout nor a shared cache shows them again.
    private = is_api() or current_user.is_authenticated  # API answers are always someone's data
    if request.endpoint != "static" and private and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app):
    """Install the headers, the HTTPS-aware session cookie and, when configured, the proxy fix."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.session_interface = SessionInterface()
    app.after_request(_headers)
