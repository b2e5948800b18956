"""Admin pages for extensions: list, create (SIP password shown once), edit, delete."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from appliance import phone_numbers
from appliance.errors import ValidationError
from appliance.services import call_profiles, extensions, users
from appliance.settings import LANGUAGES
from web import recording_fields
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.live import live_state, sip_server
from web.plugins import is_htmx, translate, translate_error
from web.telephony import bp


class ExtensionForm(Form):
    """A new extension."""

    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=8)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])


class ExtensionEditForm(Form):
    """An existing extension."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    enabled = BooleanField(_l("Extension enabled"))
    email = StringField(_l("E-mail (voicemail messages are sent here)"), validators=[Optional(), Length(max=254)])
    language = SelectField(_l("Language of prompts and e-mails"), choices=choices(LANGUAGES.items()))
    voicemail_enabled = BooleanField(_l("Voicemail"))
    max_calls = IntegerField(_l("Simultaneous calls"), validators=[DataRequired()])
    ring_seconds = IntegerField(_l("Ring time (seconds) before voicemail or forwarding"), validators=[DataRequired()])
    user_id = SelectField(_l("User who opens this extension's panel"), coerce=int)
    profile_id = SelectField(_l("Call profile (what it may call outside)"), coerce=int)
    recording = SelectField(_l("Call recording"), choices=[("never", _l("Never")),
                                                           ("always", _l("Always (calls made and received)")),
                                                           ("on_demand", _l("On demand (the in-call recording code)"))],
                            default="never")
    external_callerid = StringField(_l("Caller ID on outside calls (empty: the route's or the trunk's)"),
                                    validators=[Optional(), Length(max=25)])
    recording_keep_days = recording_fields.keep_days_field()
    recording_prompt_id = recording_fields.prompt_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        recording_fields.fill_prompts(self)
        self.user_id.choices = [(0, "—")] + [(u.id, f"{u.username} ({u.display_name})" if u.display_name
                                              else u.username) for u in users.list_users()]
        self.profile_id.choices = [(p.id, p.name) for p in call_profiles.list_profiles()]


class DeviceForm(Form):
    """Another device (softphone) for an extension."""

    label = StringField(_l("Device name (e.g. softphone, mobile)"), validators=[Length(max=64)])


@bp.route("/extensions")
@role_required("admin")
def extensions_list():
    """List extensions with their live registration count; htmx search returns rows."""
    search = request.args.get("q", "").strip()[:64]
    rows = extensions.list_extensions(search).limit(500)
    contacts = live_state().contacts_by_endpoint()
    template = "telephony/extensions/_rows.html" if is_htmx() else "telephony/extensions/list.html"
    return render_template(template, extensions=rows, search=search, contacts=contacts)


@bp.route("/extensions/new", methods=["GET", "POST"])
@role_required("admin")
def extension_create():
    """Create an extension and show its SIP password once."""
    form = ExtensionForm()
    if form.validate_on_submit():
        try:
            extension, device = extensions.create(
                extensions.ExtensionInput(form.number.data, form.name.data), current_actor()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Extension %(number)s created.", number=extension.number), "success")
            return _detail(extension, new_password=device.sip_password)
    status = form.status
    return render_template("telephony/extensions/new.html", form=form), status


def _outbound_fields(extension):
    callerid = extension.external_callerid
    return {"profile_id": extension.profile_id or call_profiles.default_profile().id,
            "external_callerid": phone_numbers.display(callerid) if callerid else ""}


def _detail(extension, form=None, new_password=None, status=200, new_device=None):
    # formdata=None: right after the create POST, the request's form is the create form, whose
    # missing "enabled" box would otherwise show (and then save) the new extension as disabled.
    form = form or ExtensionEditForm(formdata=None, obj=extension, user_id=extension.user_id or 0,
                                     **_outbound_fields(extension))
    contacts = live_state().contacts_by_endpoint()
    return render_template(
        "telephony/extensions/detail.html",
        extension=extension,
        devices=list(extension.devices),
        form=form,
        device_form=DeviceForm(formdata=None),
        new_password=new_password,
        new_device=new_device,
        sip_server=sip_server(),
        contacts=contacts,
    ), status


@bp.route("/extensions/<int:extension_id>", methods=["GET", "POST"])
@role_required("admin")
def extension_detail(extension_id):
    """Show an extension and edit its name and state."""
    extension = extensions.get_extension(extension_id)
    form = ExtensionEditForm(obj=extension, user_id=extension.user_id or 0, **_outbound_fields(extension))
    if form.validate_on_submit():
        changes = extensions.ExtensionChanges(
            form.name.data, form.enabled.data, email=form.email.data or "", language=form.language.data,
            voicemail_enabled=form.voicemail_enabled.data, max_calls=form.max_calls.data,
            ring_seconds=form.ring_seconds.data, user_id=form.user_id.data, profile_id=form.profile_id.data,
            external_callerid=form.external_callerid.data or "", recording=form.recording.data,
            recording_keep_days=form.recording_keep_days.data or 0, recording_prompt_id=form.recording_prompt_id.data)
        try:
            extensions.update(extension_id, changes, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
            return _detail(extension, form, status=422)
        else:
            flash(gettext("Changes saved."), "success")
        return redirect(url_for("telephony.extension_detail", extension_id=extension_id))
    return _detail(extension, form)


@bp.route("/extensions/<int:extension_id>/delete", methods=["POST"])
@role_required("admin")
def extension_delete(extension_id):
    """Delete an extension and its devices."""
    number = extensions.get_extension(extension_id).number
    rerouted = extensions.delete(extension_id, current_actor())
    flash(gettext("Extension %(number)s deleted.", number=number), "success")
    if rerouted:
        names = ", ".join(translate(*referrer.label()) for referrer in rerouted)
        flash(gettext("These sent calls to it and now hang up: %(names)s.", names=names), "warning")
    return redirect(url_for("telephony.extensions_list"))


@bp.route("/extensions/<int:extension_id>/devices", methods=["POST"])
@role_required("admin")
def device_create(extension_id):
    """Add a device (softphone) to an extension and show its credentials once."""
    extension = extensions.get_extension(extension_id)
    form = DeviceForm()
    if form.validate_on_submit():
        try:
            device = extensions.add_device(extension_id, form.label.data, current_actor())
        except ValidationError as error:
            flash(translate_error(error), "error")
        else:
            flash(gettext("Device %(name)s added.", name=device.sip_username), "success")
            return _detail(extensions.get_extension(extension_id), new_password=device.sip_password,
                           new_device=device)
    return redirect(url_for("telephony.extension_detail", extension_id=extension.id))


@bp.route("/devices/<int:device_id>/delete", methods=["POST"])
@role_required("admin")
def device_delete(device_id):
    """Remove a device from its extension."""
    device = extensions.get_device(device_id)
    extension_id = device.extension_id
    try:
        extensions.delete_device(device_id, current_actor())
    except ValidationError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Device %(name)s removed.", name=device.sip_username), "success")
    return redirect(url_for("telephony.extension_detail", extension_id=extension_id))


@bp.route("/devices/<int:device_id>/new-password", methods=["POST"])
@role_required("admin")
def device_new_password(device_id):
    """Give a device a new SIP password and show it once."""
    password = extensions.regenerate_password(device_id, current_actor())
    return render_template("telephony/extensions/_new_password.html", password=password)
