"""Admin pages for call-center queues: settings, overflows and members."""
import re

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from appliance.errors import ValidationError
from appliance.services import music_on_hold, queues
from web import recording_fields
from web.access import current_actor, role_required
from web.callcenter import bp
from web.destinations import DestinationField
from web.forms import Form, apply_errors, choices
from web.plugins import translate_error

STRATEGIES = {
    "ringall": _l("Ring all free agents at once"),
    "leastrecent": _l("The agent whose last call ended longest ago"),
    "fewestcalls": _l("The agent with the fewest calls"),
    "random": _l("A random agent"),
    "rrmemory": _l("Round robin, continuing where the last call stopped"),
    "linear": _l("In order, always from the first agent"),
    "wrandom": _l("Random, weighted by penalty"),
}
EXIT_KEYS = [("", _l("None"))] + [(key, key) for key in "0123456789*#"]
_SPLIT = re.compile(r"[\s,;]+")


class QueueForm(Form):
    """A queue."""

    recording = recording_fields.policy_field()
    recording_keep_days = recording_fields.keep_days_field()
    recording_prompt_id = recording_fields.prompt_field()
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=8)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    strategy = SelectField(_l("Which agent rings"), choices=choices(STRATEGIES.items()))
    ring_seconds = IntegerField(_l("Seconds each agent rings"), default=15)
    retry_seconds = IntegerField(_l("Seconds between rounds"), default=5)
    wrapup_seconds = IntegerField(_l("Wrap-up: seconds an agent rests after a call"), default=0)
    static_members = TextAreaField(_l("Agents always in the queue: extension numbers, optionally :penalty "
                                      "(201 202:1)"), validators=[Length(max=2000)])
    dynamic_members = TextAreaField(_l("Agents who log in and out: extension numbers, optionally :penalty"),
                                    validators=[Length(max=2000)])
    max_wait_seconds = IntegerField(_l("Longest wait in seconds (0: no limit)"), default=0)
    timeout_destination = DestinationField(_l("After the longest wait"))
    max_callers = IntegerField(_l("Most callers waiting (0: no limit)"), default=0)
    full_destination = DestinationField(_l("When the queue is full"))
    join_empty = BooleanField(_l("Callers may join when no agent can take calls"), default=True)
    leave_empty = BooleanField(_l("Waiting callers leave when no agent can take calls"))
    empty_destination = DestinationField(_l("When no agent can take calls"))
    moh_class = SelectField(_l("Music on hold"), choices=[])
    announce_seconds = IntegerField(_l("Announce every N seconds (0: never)"), default=0)
    announce_position = BooleanField(_l("Announce the caller's position"), default=True)
    announce_holdtime = BooleanField(_l("Announce the estimated hold time"))
    periodic_announce = StringField(_l("Periodic message (a sound name)"), validators=[Optional(), Length(max=64)])
    periodic_seconds = IntegerField(_l("Play it every N seconds (0: never)"), default=0)
    exit_key = SelectField(_l("Exit key"), choices=choices(EXIT_KEYS))
    exit_destination = DestinationField(_l("When the caller presses the exit key"))


def _members(text, static):
    found = []
    for item in (piece for piece in _SPLIT.split(text or "") if piece):
        number, _, penalty = item.partition(":")
        found.append(queues.MemberInput(number, penalty or 0, static))
    return found


def _member_text(members, static):
    return " ".join(m.number + (f":{m.penalty}" if m.penalty else "") for m in members if m.static == static)


@bp.route("/queues")
@role_required("admin")
def queues_list():
    """List queues with their agents."""
    rows = [(queue, queues.members_of(queue)) for queue in queues.list_queues()]
    return render_template("callcenter/queues/list.html", queues=rows, strategies=STRATEGIES)


@bp.route("/queues/new", methods=["GET", "POST"])
@bp.route("/queues/<int:queue_id>", methods=["GET", "POST"])
@role_required("admin")
def queue_edit(queue_id=None):
    """Create or edit a queue."""
    queue = queues.get_queue(queue_id) if queue_id else None
    members = queues.members_of(queue) if queue else []
    form = QueueForm(obj=queue, static_members=_member_text(members, True),
                     dynamic_members=_member_text(members, False))
    recording_fields.fill_prompts(form)
    form.moh_class.choices = choices((value, name or gettext("Default music"))
                                     for value, name in music_on_hold.choices())
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in (
            "number", "name", "strategy", "ring_seconds", "retry_seconds", "wrapup_seconds", "max_wait_seconds",
            "timeout_destination", "max_callers", "full_destination", "join_empty", "leave_empty",
            "empty_destination", "moh_class", "announce_seconds", "announce_position", "announce_holdtime",
            "periodic_announce", "periodic_seconds", "exit_key", "exit_destination", "recording")}
        fields["recording_keep_days"] = form.recording_keep_days.data or 0
        fields["recording_prompt_id"] = form.recording_prompt_id.data
        fields["periodic_announce"] = fields["periodic_announce"] or ""
        data = queues.QueueInput(**fields, members=_members(form.static_members.data, True)
                                 + _members(form.dynamic_members.data, False))
        try:
            saved = queues.save_queue(data, current_actor(), queue_id)
        except ValidationError as error:
            apply_errors(form, error)
            if "members" in error.fields and form.form_errors:
                form.static_members.errors = list(form.static_members.errors) + [form.form_errors.pop()]
        else:
            flash(gettext("Queue %(number)s saved.", number=saved.number), "success")
            return redirect(url_for("callcenter.queues_list"))
    return render_template("callcenter/queues/form.html", form=form, queue=queue), form.status


@bp.route("/queues/<int:queue_id>/delete", methods=["POST"])
@role_required("admin")
def queue_delete(queue_id):
    """Delete a queue."""
    try:
        queues.delete_queue(queue_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Queue deleted."), "success")
    return redirect(url_for("callcenter.queues_list"))
