"""Admin pages for desk phones: health, pending phones to assign, adding by MAC, re-provisioning."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from appliance.asterisk.ami import AmiError
from appliance.asterisk.apply import ApplyError
from appliance.errors import DomainError, ValidationError
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


def _page(form, status=200):
    contacts = live_state().contacts_by_endpoint()
    labels = {name: vendor.label for name, vendor in vendors.load_all().items()}
    return render_template("telephony/phones/list.html", phones=list(phones.list_phones()),
                           pending=list(phones.list_pending()), form=form, contacts=contacts,
                           vendor_labels=labels), status


@bp.route("/phones", methods=["GET", "POST"])
@role_required("admin")
def phones_list():
    """Phone health (vendor, model, firmware, last fetch, registration), pending phones, and adding by MAC."""
    form = PhoneForm()
    if form.validate_on_submit():
        data = phones.PhoneInput(form.mac.data, form.vendor.data, form.model.data.strip(),
                                 form.extension_number.data.strip())
        try:
            device, changed = phones.save_phone(data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        except ApplyError as error:
            flash(translate_error(error), "error")
            return redirect(url_for("telephony.phones_list"))
        else:
            if changed:
                flash(gettext("Phone %(mac)s is on extension %(number)s; it may fetch its configuration now.",
                              mac=device.mac, number=device.extension.number), "success")
            return redirect(url_for("telephony.phones_list"))
    return _page(form, form.status)


@bp.route("/phones/pending/<int:pending_id>/assign", methods=["POST"])
@role_required("admin")
def phone_assign(pending_id):
    """Attach a phone that asked for its configuration to an extension (zero-touch)."""
    try:
        device = phones.assign_pending(pending_id, request.form.get("extension_number", "").strip(), current_actor())
    except ValidationError as error:
        flash(" ".join(translate(message, params) for message, params in error.fields.values()), "error")
    except DomainError as error:
        flash(translate_error(error), "error")
    else:
        flash(gettext("Phone %(mac)s is on extension %(number)s; it gets its configuration at its next request.",
                      mac=device.mac, number=device.extension.number), "success")
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
