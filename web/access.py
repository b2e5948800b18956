"""Role checks for views."""
import functools

from flask import abort, request
from flask_login import current_user, login_required

from appliance.services import Actor


def role_required(*roles):
    """Let only logged-in users with one of ``roles`` into the view; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_actor():
    """Return the Actor for the logged-in user making this request."""
    return Actor(user_id=current_user.id, username=current_user.username, address=request.remote_addr or "")
