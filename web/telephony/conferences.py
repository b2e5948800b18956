"""Admin pages for conference rooms: settings, and the live room (participants, mute, kick, lock)."""
import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional

from appliance.asterisk.names import conference_name
from appliance.errors import DomainError, ValidationError
from appliance.services import conference_board, conference_guests, conferences
from web.access import current_actor, role_required
from web.forms import Form, apply_errors
from web.plugins import is_htmx, translate_error
from web.telephony import bp

#: What the live page's buttons may ask: action -> (needs a participant, service call).
ACTIONS = {
    "mute": (True, lambda room_id, channel, actor: conferences.mute(room_id, channel, True, actor)),
    "unmute": (True, lambda room_id, channel, actor: conferences.mute(room_id, channel, False, actor)),
    "kick": (True, lambda room_id, channel, actor: conferences.kick(room_id, channel, actor)),
    "lock": (False, lambda room_id, channel, actor: conferences.lock(room_id, True, actor)),
    "unlock": (False, lambda room_id, channel, actor: conferences.lock(room_id, False, actor)),
}


class RoomForm(Form):
    """A conference room."""

    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=8)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    pin = StringField(_l("Participants' PIN (digits; empty: none)"), validators=[Optional(), Length(max=12)])
    moderator_pin = StringField(_l("Moderator PIN (digits; empty: no moderator)"),
                                validators=[Optional(), Length(max=12)])
    wait_for_moderator = BooleanField(_l("Participants wait, hearing music, until a moderator joins"))
    max_members = IntegerField(_l("Most participants (0: no limit)"), default=0)
    video = BooleanField(_l("Video for browser participants (each sees the others)"), default=True)
    announce = BooleanField(_l("Announce joins and leaves"), default=True)


_FIELDS = ("number", "name", "pin", "moderator_pin", "wait_for_moderator", "max_members", "video", "announce")


@bp.route("/conferences")
@role_required("admin")
def conferences_list():
    """List conference rooms with how many people are in each now."""
    counts = conference_board.counts(current_app.config["VAR_DIR"])
    rows = [(room, counts.get(conference_name(room.id), 0)) for room in conferences.list_rooms()]
    return render_template("telephony/conferences/list.html", rooms=rows)


@bp.route("/conferences/new", methods=["GET", "POST"])
@bp.route("/conferences/<int:room_id>", methods=["GET", "POST"])
@role_required("admin")
def conference_edit(room_id=None):
    """Create or edit a conference room."""
    room = conferences.get_room(room_id) if room_id else None
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in _FIELDS}
        fields["pin"], fields["moderator_pin"] = fields["pin"] or "", fields["moderator_pin"] or ""
        try:
            saved = conferences.save_room(conferences.RoomInput(**fields), current_actor(), room_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Conference room %(number)s saved.", number=saved.number), "success")
            return redirect(url_for("telephony.conferences_list"))
    return render_template("telephony/conferences/form.html", form=form, room=room), form.status


@bp.route("/conferences/<int:room_id>/delete", methods=["POST"])
@role_required("admin")
def conference_delete(room_id):
    """Delete a conference room."""
    try:
        conferences.delete_room(room_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Conference room deleted."), "success")
    return redirect(url_for("telephony.conferences_list"))


@bp.route("/conferences/<int:room_id>/live")
@role_required("admin")
def conference_live(room_id):
    """Show who is in the room now (the daemon's snapshot); the list refreshes itself."""
    room = conferences.get_room(room_id)
    locked, participants, updated_at = conference_board.read_room(current_app.config["VAR_DIR"], room.id)
    context = dict(room=room, locked=locked, participants=participants,
                   updated_at=datetime.datetime.fromtimestamp(updated_at, datetime.UTC) if updated_at else None)
    if is_htmx():
        return render_template("telephony/conferences/_participants.html", **context)
    return render_template("telephony/conferences/live.html", **context)


@bp.route("/conferences/<int:room_id>/live/<action>", methods=["POST"])
@role_required("admin")
def conference_action(room_id, action):
    """Mute, unmute or kick a participant (``channel`` from the list), or lock or unlock the room."""
    if action not in ACTIONS:
        return ("", 404)
    needs_channel, call = ACTIONS[action]
    channel = request.form.get("channel", "") if needs_channel else ""
    try:
        call(room_id, channel, current_actor())
    except DomainError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Done."), "success")
    return redirect(url_for("telephony.conference_live", room_id=room_id))


@bp.route("/conferences/<int:room_id>/guest-link", methods=["POST"])
@role_required("admin")
def conference_guest_link(room_id):
    """Issue an invitation link to the room for guests without an account; shown once, on this page."""
    room = conferences.get_room(room_id)
    hours = request.form.get("hours", current_app.config["CONFERENCE_GUEST_LINK_HOURS"])
    try:
        token, expires_at = conference_guests.issue_link(room.id, hours, current_actor(),
                                                         current_app.config["SECRET_KEY"])
    except DomainError as error:
        flash(translate_error(error), "error")
        return redirect(url_for("telephony.conference_live", room_id=room.id))
    link = url_for("join.guest_join", token=token, _external=True)
    locked, participants, updated_at = conference_board.read_room(current_app.config["VAR_DIR"], room.id)
    return render_template("telephony/conferences/live.html", room=room, locked=locked, participants=participants,
                           updated_at=datetime.datetime.fromtimestamp(updated_at, datetime.UTC) if updated_at
                           else None, guest_link=link, guest_link_expires=expires_at)
