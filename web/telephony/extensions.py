"""Admin pages for extensions: list, create (SIP password shown once), edit, delete."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from appliance.asterisk.apply import ApplyError
from appliance.errors import ValidationError
from appliance.services import engine_sync, extensions
from web.access import current_actor, role_required
from web.forms import Form, apply_errors
from web.live import live_state
from web.plugins import is_htmx, translate_error
from web.telephony import bp


class ExtensionForm(Form):
    """A new extension."""

    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=8)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])


class ExtensionEditForm(Form):
    """An existing extension."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    enabled = BooleanField(_l("Extension enabled"))


def _sip_server():
    """Return the (host, port) a phone should register to."""
    engine = engine_sync.configured_engine()
    bind, port = ((engine.settings.bind_address, engine.settings.sip_port) if engine
                  else (current_app.config["SIP_BIND"], current_app.config["SIP_PORT"]))
    # Listening on every address: the one this browser reached us on is the likeliest for its phones too.
    return (request.host.split(":")[0] if bind in ("0.0.0.0", "::") else bind), port


def _apply_failed(error):
    flash(gettext("Saved, but the phone system did not take the change: %(reason)s", reason=translate_error(error)),
          "error")


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
        except ApplyError as error:
            # The extension is committed; Asterisk catches up at the next successful apply.
            _apply_failed(error)
            extension = extensions.find_extension(form.number.data.strip())
            return _detail(extension, new_password=extension.devices[0].sip_password)
        else:
            flash(gettext("Extension %(number)s created.", number=extension.number), "success")
            return _detail(extension, new_password=device.sip_password)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("telephony/extensions/new.html", form=form), status


def _detail(extension, form=None, new_password=None, status=200):
    # formdata=None: right after the create POST, the request's form is the create form, whose
    # missing "enabled" box would otherwise show (and then save) the new extension as disabled.
    form = form or ExtensionEditForm(formdata=None, obj=extension)
    contacts = live_state().contacts_by_endpoint()
    return render_template(
        "telephony/extensions/detail.html",
        extension=extension,
        devices=list(extension.devices),
        form=form,
        new_password=new_password,
        sip_server=_sip_server(),
        contacts=contacts,
    ), status


@bp.route("/extensions/<int:extension_id>", methods=["GET", "POST"])
@role_required("admin")
def extension_detail(extension_id):
    """Show an extension and edit its name and state."""
    extension = extensions.get_extension(extension_id)
    form = ExtensionEditForm(obj=extension)
    if form.validate_on_submit():
        try:
            extensions.update(extension_id, extensions.ExtensionChanges(form.name.data, form.enabled.data),
                              current_actor())
        except ValidationError as error:
            apply_errors(form, error)
            return _detail(extension, form, status=422)
        except ApplyError as error:
            _apply_failed(error)
        else:
            flash(gettext("Changes saved."), "success")
        return redirect(url_for("telephony.extension_detail", extension_id=extension_id))
    return _detail(extension, form)


@bp.route("/extensions/<int:extension_id>/delete", methods=["POST"])
@role_required("admin")
def extension_delete(extension_id):
    """Delete an extension and its devices."""
    number = extensions.get_extension(extension_id).number
    try:
        extensions.delete(extension_id, current_actor())
    except ApplyError as error:
        _apply_failed(error)
    else:
        flash(gettext("Extension %(number)s deleted.", number=number), "success")
    return redirect(url_for("telephony.extensions_list"))


@bp.route("/devices/<int:device_id>/new-password", methods=["POST"])
@role_required("admin")
def device_new_password(device_id):
    """Give a device a new SIP password and show it once."""
    try:
        password = extensions.regenerate_password(device_id, current_actor())
    except ApplyError as error:
        _apply_failed(error)  # committed all the same: show what the device must use
        password = extensions.get_device(device_id).sip_password
    return render_template("telephony/extensions/_new_password.html", password=password)
