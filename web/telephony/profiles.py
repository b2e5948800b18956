"""Admin pages for call profiles ("Categorias e perfis"): what extensions may call outside, caps, who has which."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from appliance.errors import ValidationError
from appliance.services import call_profiles
from web import recording_fields
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.plugins import translate_error
from web.telephony import bp
from web.telephony.outbound import CLASSES


class ProfileForm(Form):
    """A call profile."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    classes = SelectMultipleField(_l("May call (internal calls and emergency numbers always)"),
                                  choices=choices(CLASSES.items()), widget=ListWidget(prefix_label=False),
                                  option_widget=CheckboxInput())
    max_external_per_extension = IntegerField(_l("Outside calls at once, per extension (0: no cap)"), default=2)
    max_external_total = IntegerField(_l("Outside calls at once, all its extensions together (0: no cap)"),
                                      default=0)
    international_minutes_per_day = IntegerField(_l("International minutes per extension per day"), default=30)
    recording = recording_fields.policy_field()
    recording_keep_days = recording_fields.keep_days_field()
    recording_prompt_id = recording_fields.prompt_field()


class ApplyForm(Form):
    """Extensions to move into a profile."""

    extensions = TextAreaField(_l("Extensions: numbers or ranges like 210-219"), validators=[Length(max=20000)])


@bp.route("/profiles")
@role_required("admin")
def profiles_list():
    """List the call profiles with how many extensions each has."""
    rows = [(profile, call_profiles.members(profile).count()) for profile in call_profiles.list_profiles()]
    return render_template("telephony/profiles/list.html", profiles=rows, classes=CLASSES)


@bp.route("/profiles/new", methods=["GET", "POST"])
@bp.route("/profiles/<int:profile_id>", methods=["GET", "POST"])
@role_required("admin")
def profile_edit(profile_id=None):
    """Create or edit a profile; its page also moves extensions into it."""
    profile = call_profiles.get_profile(profile_id) if profile_id else None
    form = ProfileForm(obj=profile, classes=list(profile.class_list) if profile else ["local", "national", "mobile"])
    recording_fields.fill_prompts(form)
    if form.validate_on_submit():
        data = call_profiles.ProfileInput(form.name.data, form.classes.data, form.max_external_per_extension.data,
                                          form.max_external_total.data, form.international_minutes_per_day.data,
                                          form.recording.data, form.recording_keep_days.data or 0,
                                          form.recording_prompt_id.data)
        try:
            saved = call_profiles.save_profile(data, current_actor(), profile_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Profile %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("telephony.profile_edit", profile_id=saved.id))
    return _page(profile, form, ApplyForm(prefix="apply"), form.status)


def _page(profile, form, apply_form, status=200):
    members = list(call_profiles.members(profile).limit(500)) if profile else []
    return render_template("telephony/profiles/form.html", profile=profile, form=form, apply_form=apply_form,
                           members=members), status


@bp.route("/profiles/<int:profile_id>/apply", methods=["POST"])
@role_required("admin")
def profile_apply(profile_id):
    """Move the listed extensions into this profile."""
    profile = call_profiles.get_profile(profile_id)
    apply_form = ApplyForm(prefix="apply")
    if apply_form.validate_on_submit():
        try:
            found = call_profiles.extensions_named(apply_form.extensions.data)
            count = call_profiles.apply_to_extensions(profile.id, [e.id for e in found], current_actor())
        except ValidationError as error:
            apply_errors(apply_form, error)
        else:
            flash(gettext("%(count)d extension(s) moved to %(name)s.", count=count, name=profile.name), "success")
            return redirect(url_for("telephony.profile_edit", profile_id=profile.id))
    form = ProfileForm(obj=profile, classes=list(profile.class_list))
    return _page(profile, form, apply_form, 422)


@bp.route("/profiles/<int:profile_id>/delete", methods=["POST"])
@role_required("admin")
def profile_delete(profile_id):
    """Delete a profile no extension uses."""
    try:
        call_profiles.delete_profile(profile_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Profile deleted."), "success")
    return redirect(url_for("telephony.profiles_list"))
