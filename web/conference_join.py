"""The page a conference guest opens from an invitation link: no account, a name, then the room.

The link's token is checked on every request (services/conference_guests.py); the guest's name
goes through a form with CSRF like every other. What the guest gets is the browser phone's login
for this one room: the page hands it to the browser phone module (web/static, the webrtc work),
which registers over the app's own WebSocket and dials the room's number.
"""
from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from appliance.errors import ValidationError
from appliance.services import conference_guests
from web import phone_credential
from web.forms import Form, apply_errors
from web.plugins import translate_error

bp = Blueprint("join", __name__, url_prefix="/join")


class GuestForm(Form):
    """A guest's name."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=40)])


def _private(response, status=200):
    """The page carries a login: never cached, never sent as a referrer."""
    response = current_app.make_response((response, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/<token>", methods=["GET", "POST"])
def guest_join(token):
    """Ask the guest's name; then give them this room's browser login until the link (or the login) ends."""
    secret = current_app.config["SECRET_KEY"]
    try:
        room, claims = conference_guests.verify_link(token, secret)
    except conference_guests.GuestLinkRefused as error:
        return _private(render_template("conference_join/refused.html", message=translate_error(error)), 410)
    form = GuestForm()
    if form.validate_on_submit():
        try:
            guest = conference_guests.admit(token, form.name.data, secret,
                                            current_app.config["CONFERENCE_GUEST_PASS_MINUTES"])
        except conference_guests.GuestLinkRefused as error:
            return _private(render_template("conference_join/refused.html", message=translate_error(error)), 410)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _private(render_template("conference_join/room.html", room=room, guest=guest,
                                            ws_url=phone_credential.ws_url(), sip_domain=phone_credential.sip_domain()))
    return _private(render_template("conference_join/name.html", form=form, room=room), form.status)
