"""Admin pages for desk phones: health, pending phones to assign, adding by MAC, re-provisioning."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from appliance.asterisk.ami import AmiError
from appliance.asterisk.apply import ApplyError
from appliance.errors import DomainError, ValidationError
from appliance.models.users import utcnow
from appliance.services import phones
from provisioning import vendors
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.live import live_state
from web.plugins import translate, translate_error
from web.telephony import bp


class PhoneForm(Form):
    """A phone added by its MAC before it is plugged in."""

    mac = StringField(_l("MAC address"), validators=[DataRequired(), Length(max=17)])
    vendor = SelectField(_l("Vendor"))
    model = StringField(_l("Model"), validators=[DataRequired(), Length(max=32)])
    extension_number = StringField(_l("Extension"), validators=[DataRequired(), Length(max=8)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor.choices = choices((v.name, v.label) for v in sorted(vendors.load_all().values(),
                                                                       key=lambda v: v.label))


def _minutes():
    """The zero-touch window every assignment opens (PROV_BOOTSTRAP_MINUTES; 0: zero-touch is off)."""
    return current_app.config["PROV_BOOTSTRAP_MINUTES"]


def _page(form, status=200):
    contacts = live_state().contacts_by_endpoint()
    labels = {name: vendor.label for name, vendor in vendors.load_all().items()}
    devices = list(phones.list_phones())
    urls = {device.id: phones.provisioning_url(device, current_app.config, request.host.rsplit(":", 1)[0])
            for device in devices}
    return render_template("telephony/phones/list.html", phones=devices, pending=list(phones.list_pending()),
                           form=form, contacts=contacts, vendor_labels=labels, urls=urls,
                           zero_touch=_minutes() > 0, now=utcnow()), status


@bp.route("/phones", methods=["GET", "POST"])
@role_required("admin")
def phones_list():
    """Phone health (vendor, model, firmware, last fetch, registration), pending phones, and adding by MAC."""
    form = PhoneForm()
    if form.validate_on_submit():
        data = phones.PhoneInput(form.mac.data, form.vendor.data, form.model.data.strip(),
                                 form.extension_number.data.strip())
        try:
            device, changed = phones.save_phone(data, current_actor(), minutes=_minutes())
        except ValidationError as error:
            apply_errors(form, error)
        except ApplyError as error:
            flash(translate_error(error), "error")
            return redirect(url_for("telephony.phones_list"))
        else:
            if changed and _minutes() > 0:
                flash(gettext("Phone %(mac)s is on extension %(number)s; it may fetch its configuration now.",
                              mac=device.mac, number=device.extension.number), "success")
            elif changed:
                flash(gettext("Phone %(mac)s is on extension %(number)s. Zero-touch is off: enter its "
                              "provisioning URL, shown below, in the phone.",
                              mac=device.mac, number=device.extension.number), "success")
            return redirect(url_for("telephony.phones_list"))
    return _page(form, form.status)


@bp.route("/phones/pending/<int:pending_id>/assign", methods=["POST"])
@role_required("admin")
def phone_assign(pending_id):
    """Attach a phone that asked for its configuration to an extension (zero-touch)."""
    try:
        device = phones.assign_pending(pending_id, request.form.get("extension_number", "").strip(), current_actor(),
                                       minutes=_minutes(), address=request.form.get("address") or None)
    except ValidationError as error:
        flash(" ".join(translate(message, params) for message, params in error.fields.values()), "error")
    except DomainError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Phone %(mac)s is on extension %(number)s; it gets its configuration at its next request.",
                      mac=device.mac, number=device.extension.number), "success")
    return redirect(url_for("telephony.phones_list"))


@bp.route("/phones/<int:device_id>/allow", methods=["POST"])
@role_required("admin")
def phone_allow(device_id):
    """Let a phone fetch its secrets once more from the address it was refused at (reset or moved phone)."""
    try:
        device = phones.allow_address(device_id, request.form.get("address", ""), current_actor(), minutes=_minutes())
    except ValidationError as error:
        flash(" ".join(translate(message, params) for message, params in error.fields.values()), "error")
    except DomainError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Phone %(mac)s may fetch its configuration from %(address)s in the next %(minutes)d minutes.",
                      mac=device.mac, address=device.bootstrap_address, minutes=_minutes()), "success")
    return redirect(url_for("telephony.phones_list"))


@bp.route("/phones/resync", methods=["POST"])
@role_required("admin")
def phones_resync():
    """Send the check-sync NOTIFY to the chosen phones (one, or all of a vendor, or all)."""
    wanted = request.form.getlist("device_id", type=int)
    vendor = request.form.get("vendor", "")
    if not wanted:
        wanted = [d.id for d in phones.list_phones() if not vendor or d.vendor == vendor]
    try:
        sent = phones.resync(wanted, current_actor())
    except (DomainError, AmiError) as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Re-provisioning asked of %(count)d phone(s).", count=sent), "success")
    return redirect(url_for("telephony.phones_list"))


@bp.route("/phones/<int:device_id>/remove", methods=["POST"])
@role_required("admin")
def phone_remove(device_id):
    """Detach a phone: its SIP account and provisioning secrets are deleted."""
    phones.remove_phone(device_id, current_actor())
    flash(gettext("Phone removed."), "success")
    return redirect(url_for("telephony.phones_list"))
