"""Admin pages for Jitsi Meet meetings: create one, send the invitations, open it as its moderator."""
import datetime
import zoneinfo

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateTimeLocalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from appliance.errors import DomainError, ValidationError
from appliance.services import meetings
from web.access import current_actor, role_required
from web.forms import Form, apply_errors
from web.plugins import translate_error
from web.telephony import bp


class MeetingForm(Form):
    """A meeting."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    starts_at = DateTimeLocalField(_l("Starts at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Minutes"), default=60)
    organizer_email = StringField(_l("Organiser's e-mail (joins as moderator)"),
                                  validators=[Optional(), Length(max=254)])
    invitees = TextAreaField(_l("Invitees' e-mail addresses, one a line"), validators=[Length(max=20000)])


def _config():
    return meetings.JitsiConfig.from_settings(current_app.config)


@bp.route("/meetings")
@role_required("admin")
def meetings_list():
    """List meetings (or say that no Jitsi server is configured)."""
    return render_template("telephony/meetings/list.html", meetings=list(meetings.list_meetings()),
                           config=_config())


@bp.route("/meetings/new", methods=["GET", "POST"])
@role_required("admin")
def meeting_new():
    """Create a meeting; times are typed in the installation's time zone."""
    form = MeetingForm()
    if form.validate_on_submit():
        zone = zoneinfo.ZoneInfo(current_app.config["TIMEZONE"])
        data = meetings.MeetingInput(form.title.data, form.starts_at.data.replace(tzinfo=zone),
                                     form.duration_minutes.data, form.organizer_email.data or "",
                                     (form.invitees.data or "").split())
        try:
            meeting = meetings.save_meeting(data, current_actor(), _config())
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            flash(translate_error(error), "error")
        else:
            flash(gettext("Meeting created."), "success")
            return redirect(url_for("telephony.meeting_show", meeting_id=meeting.id))
    return render_template("telephony/meetings/form.html", form=form), form.status


@bp.route("/meetings/<int:meeting_id>")
@role_required("admin")
def meeting_show(meeting_id):
    """Show a meeting: its invitees, dial-in, and a moderator link for the admin looking at it."""
    meeting = meetings.get_meeting(meeting_id)
    config = _config()
    link = meetings.meeting_link(meeting, config, current_user.display_name or current_user.username, "",
                                 moderator=True) if config.enabled else ""
    return render_template("telephony/meetings/show.html", meeting=meeting, config=config, link=link,
                           invitees=meetings.invitees_of(meeting),
                           starts_at=meeting.starts_at.replace(tzinfo=datetime.UTC))


@bp.route("/meetings/<int:meeting_id>/invite", methods=["POST"])
@role_required("admin")
def meeting_invite(meeting_id):
    """E-mail every invitee their own link and the .ics."""
    try:
        sent = meetings.send_invitations(meeting_id, _config(), current_actor(), current_user.language or "pt_BR")
    except DomainError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("%(count)d invitations sent.", count=sent), "success")
    return redirect(url_for("telephony.meeting_show", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/delete", methods=["POST"])
@role_required("admin")
def meeting_delete(meeting_id):
    """Delete a meeting."""
    meetings.delete_meeting(meeting_id, current_actor())
    flash(gettext("Meeting deleted."), "success")
    return redirect(url_for("telephony.meetings_list"))
