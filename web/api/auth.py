"""Token authentication for API operations: ``requires(blp, scope)`` on each one.

Only ``Authorization: Bearer`` is read: no cookie opens anything under /api/ (web.security), so
a page a person has open cannot be made to call the API for them (no CSRF exposure).
"""
import functools
import http
import math
import threading
from pathlib import Path

from flask import current_app, g, request
from werkzeug.exceptions import TooManyRequests, Unauthorized

from appliance.errors import PermissionDenied
from appliance.i18n import N_
from appliance.services import api_tokens
from appliance.shared_counters import SharedWindowCounter

_OPENING = threading.Lock()
#: Statuses every operation behind a token may answer, documented as problem+json.
AUTH_ERRORS = (401, 403, 429)


class TokenRequired(Unauthorized):
    """401 with the challenge RFC 6750 asks for."""

    def get_headers(self, environ=None, scope=None):
        """Add ``WWW-Authenticate: Bearer`` to the problem's headers."""
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", 'Bearer realm="centralina"')]


class RateLimited(TooManyRequests):
    """429 with Retry-After."""

    def __init__(self, description, seconds):
        super().__init__(description)
        self.seconds = seconds

    def get_headers(self, environ=None, scope=None):
        """Add Retry-After (whole seconds) to the problem's headers."""
        return [*super().get_headers(environ, scope), ("Retry-After", str(math.ceil(self.seconds)))]


def _bearer():
    header = request.headers.get("Authorization", "")
    kind, _, token = header.partition(" ")
    return token.strip() if kind.lower() == "bearer" else ""


def authenticate():
    """Return the Principal of this request's token; raise 401 (or 429 after many bad tokens)."""
    address = request.remote_addr or ""
    presented = _bearer()
    principal = api_tokens.authenticate(presented, address)
    if principal is None:
        # A good token always passes (the office behind one address keeps working); wrong ones are
        # counted per address. Guessing 256 bits is hopeless anyway: this keeps a loop from costing
        # the box a lookup and a write per request. No token at all costs nothing: not counted.
        if presented:
            wait = api_tokens.wait_after_failures(address)
            if wait:
                raise RateLimited(N_("Too many requests with bad tokens: wait before trying again."), wait)
            api_tokens.note_bad_token(address, current_app.config["API_FREE_BAD_TOKENS"])
        raise TokenRequired(N_("Send a valid token: Authorization: Bearer <token>."))
    g.api_principal = principal
    wait = api_tokens.spend(principal, current_app.config["API_RATE_LIMIT_PER_MINUTE"], _counter())
    if wait:
        raise RateLimited(N_("This token made too many requests: wait before trying again."), wait)
    return principal


def _counter():
    """Return this process's map of the host's API request counters (opened once per app)."""
    counter = current_app.extensions.get("api_counter")
    if counter is None:
        with _OPENING:
            counter = current_app.extensions.get("api_counter")
            if counter is None:
                path = Path(current_app.config["VAR_DIR"]) / "run" / "api-requests.counters"
                counter = current_app.extensions["api_counter"] = SharedWindowCounter(path)
    return counter


def principal():
    """Return the Principal authenticated for this request."""
    return g.api_principal


def actor():
    """Return the Actor the audit log names for this request: the token, tied to its owner."""
    return g.api_principal.actor(request.remote_addr or "")


def requires(blp, scope):
    """Let the operation run only for a valid token holding ``scope``; document that.

    Put it right under ``@blp.route``: the token is checked before the body is even parsed.
    """

    def decorator(view):
        # OpenAPI 3.1 lets a non-OAuth requirement list roles: the scope this operation needs.
        documented = blp.doc(security=[{"bearer": [scope]}])(view)
        for status in AUTH_ERRORS:
            documented = blp.alt_response(status, response=http.HTTPStatus(status).name)(documented)

        @functools.wraps(documented)
        def wrapped(*args, **kwargs):
            found = authenticate()
            if not found.allows(scope):
                raise PermissionDenied(N_("This token lacks the permission %(scope)s."), scope=scope)
            return documented(*args, **kwargs)

        return wrapped

    return decorator

