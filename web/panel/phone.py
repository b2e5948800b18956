"""The browser phone: its own window (decision 026) and the credential it registers with.

The credential is the person's own: an admin opening someone else's panel gets no phone of theirs.
"""
from flask import abort, jsonify, render_template, url_for
from flask_login import current_user, login_required

from appliance.errors import ValidationError
from appliance.models.extensions import Extension
from web.access import current_actor
from web.panel import bp
from web.phone_credential import issue_credential


def own_extension():
    """Return the logged-in person's extension; 404 without one."""
    extension = Extension.get_or_none(Extension.user == current_user.id)
    if extension is None:
        abort(404)
    return extension


@bp.route("/phone")
@login_required
def phone():
    """Show the phone window (opened from the panel; it stays registered while the panel navigates)."""
    extension = own_extension()
    return render_template("panel/phone.html", extension=extension,
                           credential_url=url_for("panel.phone_credential"))


@bp.route("/phone/credential", methods=["POST"])
@login_required
def phone_credential():
    """Return the browser phone's credential as JSON (a POST: the first one creates the device)."""
    try:
        credential = issue_credential(own_extension(), current_actor())
    except ValidationError:
        abort(409)  # the extension already has its maximum of devices
    response = jsonify(credential.as_dict())
    response.headers["Cache-Control"] = "no-store"
    return response
