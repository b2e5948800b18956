"""Admin pages of SMS: every message with filters, and the providers (SMPP, HTTP) with their numbers."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from appliance.errors import NotFound, ValidationError
from appliance.models.extensions import Extension
from appliance.models.sms import CHANNELS, DIRECTIONS, HTTP_METHODS, STATUSES, SmsMessage, SmsProvider
from appliance.services import sms, sms_providers
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.panel.messages import STATUS_LABELS
from web.telephony import bp

PAGE_SIZE = 100
KINDS = {"smpp": _l("SMPP (operator or aggregator)"), "http": _l("HTTP API")}
CHANNEL_LABELS = {"internal": _l("Between extensions"), "smpp": "SMPP", "http": "HTTP"}
DIRECTION_LABELS = {"in": _l("Received"), "out": _l("Sent")}


class ProviderForm(Form):
    """A provider; empty secret fields keep what is stored."""

    name = StringField(_l("Name"))
    # The service checks both choices (with its message next to the field).
    kind = SelectField(_l("Kind"), choices=choices(KINDS.items()), validate_choice=False)
    enabled = BooleanField(_l("Enabled"), default=True)
    host = StringField(_l("SMSC host"))
    port = IntegerField(_l("SMSC port"), default=2775, validators=[Optional()])
    system_id = StringField(_l("System ID"))
    password = PasswordField(_l("Password (empty: keep the stored one)"))
    system_type = StringField(_l("System type"))
    url = StringField(_l("Send URL"))
    method = SelectField(_l("Method"), choices=choices((m, m) for m in HTTP_METHODS), default="POST",
                         validate_choice=False)
    headers = TextAreaField(_l("Headers (JSON; empty: keep the stored ones)"))
    body_template = TextAreaField(_l("Body template ($to, $from, $body, $id)"))
    id_path = StringField(_l("Message id in the answer (dotted path)"))

    def to_input(self):
        """Return what was typed as the service's ProviderInput."""
        return sms_providers.ProviderInput(
            self.name.data or "", self.kind.data, bool(self.enabled.data), self.host.data or "",
            self.port.data if self.port.data is not None else 0, self.system_id.data or "", self.password.data or "",
            self.system_type.data or "", self.url.data or "", self.method.data, self.headers.data or "",
            self.body_template.data or "", self.id_path.data or "")


class NumberForm(Form):
    """A public number of a provider and the extension whose inbox it feeds."""

    number = StringField(_l("Number"))
    extension = StringField(_l("Extension (empty: shared)"))


@bp.route("/sms")
@role_required("admin")
def sms_list():
    """Every message, newest first, filtered by extension, peer, direction, status and channel."""
    args = {name: request.args.get(name, "")[:20] for name in ("extension", "peer", "direction", "status",
                                                                "channel")}
    extension = None
    if args["extension"]:
        extension = Extension.get_or_none(Extension.number == args["extension"])
        if extension is None:
            abort(404)
    query = sms.list_messages(extension, args["peer"], args["direction"] if args["direction"] in DIRECTIONS else "",
                              args["status"] if args["status"] in STATUSES else "",
                              args["channel"] if args["channel"] in CHANNELS else "")
    before = request.args.get("before", "")
    if before.isdigit() and len(before) < 19:
        query = query.where(SmsMessage.id < int(before))
    rows = list(query.limit(PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template("telephony/sms/list.html", messages=rows, args=args,
                           next_before=rows[-1].id if more else None, status_labels=STATUS_LABELS,
                           channel_labels=CHANNEL_LABELS, direction_labels=DIRECTION_LABELS)


def _providers_page(form, number_form=None, new_secret=None, secret_for=None, status=200):
    providers = list(SmsProvider.select().order_by(SmsProvider.name))
    return render_template("telephony/sms/providers.html", form=form, number_form=number_form or NumberForm(),
                           providers=providers, kinds=KINDS, new_secret=new_secret, secret_for=secret_for), status


@bp.route("/sms/providers", methods=["GET", "POST"])
@role_required("admin")
def sms_providers_page():
    """List providers with their numbers and inbound URL; add one (its inbound secret is shown once)."""
    form = ProviderForm()
    if form.validate_on_submit():
        try:
            provider, secret = sms_providers.create(form.to_input(), current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Provider added. Copy the inbound secret now: it is not shown again."), "success")
            return _providers_page(ProviderForm(formdata=None), new_secret=secret, secret_for=provider)
    return _providers_page(form, status=form.status)


def _provider(provider_id):
    try:
        return sms_providers.get_provider(provider_id)
    except NotFound:
        abort(404)


@bp.route("/sms/providers/<int:provider_id>", methods=["GET", "POST"])
@role_required("admin")
def sms_provider_edit(provider_id):
    """Change a provider; empty secrets keep the stored ones."""
    provider = _provider(provider_id)
    form = ProviderForm(obj=provider) if request.method == "GET" else ProviderForm()
    if request.method == "GET":
        form.password.data, form.headers.data = "", ""
    if form.validate_on_submit():
        data = form.to_input()
        if not data.headers:
            data.headers = ""
        try:
            sms_providers.update(provider.id, data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Provider saved."), "success")
            return redirect(url_for("telephony.sms_providers_page"))
    return render_template("telephony/sms/provider_form.html", form=form, provider=provider), form.status


@bp.route("/sms/providers/<int:provider_id>/secret", methods=["POST"])
@role_required("admin")
def sms_provider_secret(provider_id):
    """Replace a provider's inbound secret and show the new one once."""
    provider = _provider(provider_id)
    secret = sms_providers.new_inbound_secret(provider.id, current_actor())
    flash(gettext("New inbound secret. Copy it now: it is not shown again."), "success")
    return _providers_page(ProviderForm(formdata=None), new_secret=secret, secret_for=provider)


@bp.route("/sms/providers/<int:provider_id>/delete", methods=["POST"])
@role_required("admin")
def sms_provider_delete(provider_id):
    """Delete a provider and its numbers (its messages stay)."""
    sms_providers.delete(_provider(provider_id).id, current_actor())
    flash(gettext("Provider deleted."), "success")
    return redirect(url_for("telephony.sms_providers_page"))


@bp.route("/sms/providers/<int:provider_id>/numbers", methods=["POST"])
@role_required("admin")
def sms_number_add(provider_id):
    """Attach a public number to a provider."""
    provider = _provider(provider_id)
    number_form = NumberForm()
    if number_form.validate_on_submit():
        try:
            sms_providers.add_number(provider.id, number_form.number.data, number_form.extension.data,
                                     current_actor())
        except ValidationError as error:
            apply_errors(number_form, error)
        else:
            flash(gettext("Number added."), "success")
            return redirect(url_for("telephony.sms_providers_page"))
    return _providers_page(ProviderForm(formdata=None), number_form=number_form, status=422)


@bp.route("/sms/numbers/<int:number_id>/delete", methods=["POST"])
@role_required("admin")
def sms_number_delete(number_id):
    """Detach a public number."""
    try:
        sms_providers.remove_number(number_id, current_actor())
    except NotFound:
        abort(404)
    flash(gettext("Number removed."), "success")
    return redirect(url_for("telephony.sms_providers_page"))
