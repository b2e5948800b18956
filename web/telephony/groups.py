"""Admin pages for ring groups and pickup groups."""
import re

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from appliance.asterisk.apply import ApplyError
from appliance.errors import ValidationError
from appliance.services import groups
from web.access import current_actor, role_required
from web.destinations import DestinationField
from web.forms import Form, apply_errors, choices
from web.plugins import translate_error
from web.telephony import bp

STRATEGIES = {
    "ringall": _l("Ring all at once"),
    "hunt": _l("One by one, in order"),
    "memoryhunt": _l("One more each round (1, then 1+2, …)"),
}
_NUMBERS = re.compile(r"[\s,;]+")


class RingGroupForm(Form):
    """A ring group."""

    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=8)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    strategy = SelectField(_l("How members ring"), choices=choices(STRATEGIES.items()))
    ring_seconds = IntegerField(_l("Ring all: seconds before giving up"), default=20)
    member_seconds = IntegerField(_l("One by one: seconds per step"), default=15)
    members = TextAreaField(_l("Members: extension numbers in order, separated by spaces or lines"),
                            validators=[Length(max=1000)])
    destination = DestinationField(_l("When nobody answers"))


class PickupGroupForm(Form):
    """A pickup group."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    members = TextAreaField(_l("Members: extension numbers separated by spaces or lines"),
                            validators=[Length(max=2000)])


def _numbers(text):
    return [n for n in _NUMBERS.split(text or "") if n]


@bp.route("/groups")
@role_required("admin")
def groups_list():
    """List ring groups and pickup groups."""
    ring = [(group, groups.member_numbers(group)) for group in groups.list_ring_groups()]
    pickup = [(group, groups.pickup_members(group)) for group in groups.list_pickup_groups()]
    return render_template("telephony/groups/list.html", ring_groups=ring, pickup_groups=pickup,
                           strategies=STRATEGIES)


def _save_ring_group(form, group_id=None):
    data = groups.RingGroupInput(form.number.data, form.name.data, form.strategy.data, form.ring_seconds.data,
                                 form.member_seconds.data, form.destination.data, _numbers(form.members.data))
    try:
        group = groups.save_ring_group(data, current_actor(), group_id)
    except ValidationError as error:
        apply_errors(form, error)
        return None
    except ApplyError as error:
        flash(gettext("Saved, but the phone system did not take the change: %(reason)s",
                      reason=translate_error(error)), "error")
        return redirect(url_for("telephony.groups_list"))
    flash(gettext("Ring group %(number)s saved.", number=group.number), "success")
    return redirect(url_for("telephony.groups_list"))


@bp.route("/groups/ring/new", methods=["GET", "POST"])
@bp.route("/groups/ring/<int:group_id>", methods=["GET", "POST"])
@role_required("admin")
def ring_group_edit(group_id=None):
    """Create or edit a ring group."""
    group = groups.get_ring_group(group_id) if group_id else None
    form = RingGroupForm(obj=group, members=" ".join(groups.member_numbers(group)) if group else "")
    if form.validate_on_submit():
        done = _save_ring_group(form, group_id)
        if done is not None:
            return done
    status = form.status
    return render_template("telephony/groups/ring_form.html", form=form, group=group), status


@bp.route("/groups/ring/<int:group_id>/delete", methods=["POST"])
@role_required("admin")
def ring_group_delete(group_id):
    """Delete a ring group."""
    try:
        groups.delete_ring_group(group_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    except ApplyError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Ring group deleted."), "success")
    return redirect(url_for("telephony.groups_list"))


@bp.route("/groups/pickup/new", methods=["GET", "POST"])
@bp.route("/groups/pickup/<int:group_id>", methods=["GET", "POST"])
@role_required("admin")
def pickup_group_edit(group_id=None):
    """Create or edit a pickup group."""
    group = groups.get_pickup_group(group_id) if group_id else None
    form = PickupGroupForm(obj=group, members=" ".join(groups.pickup_members(group)) if group else "")
    if form.validate_on_submit():
        try:
            groups.save_pickup_group(form.name.data, _numbers(form.members.data), current_actor(), group_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Pickup group %(name)s saved.", name=form.name.data.strip()), "success")
            return redirect(url_for("telephony.groups_list"))
    status = form.status
    return render_template("telephony/groups/pickup_form.html", form=form, group=group), status


@bp.route("/groups/pickup/<int:group_id>/delete", methods=["POST"])
@role_required("admin")
def pickup_group_delete(group_id):
    """Delete a pickup group."""
    try:
        groups.delete_pickup_group(group_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Pickup group deleted."), "success")
    return redirect(url_for("telephony.groups_list"))
