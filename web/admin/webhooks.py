"""The Webhooks pages (admins): endpoints, the secret shown once, the delivery log, test and redeliver.

The same services as /api/v1/webhooks (appliance/services/webhooks.py).
"""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from appliance import events
from appliance.errors import ValidationError
from appliance.models.webhooks import DELIVERY_STATES, WebhookAttempt
from appliance.services import webhook_delivery, webhooks
from web.access import current_actor, role_required
from web.admin import bp
from web.forms import Form, apply_errors
from web.plugins import translate

#: Deliveries shown on an endpoint's page.
LOG_ROWS = 50


class WebhookForm(Form):
    """An endpoint: name, URL, events, on or off."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    url = StringField(_l("URL that receives the events"), validators=[DataRequired(), Length(max=500)])
    event_types = SelectMultipleField(_l("Events"), widget=ListWidget(prefix_label=False),
                                      option_widget=CheckboxInput())
    enabled = BooleanField(_l("On"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_types.choices = [(name, f"{name} — {translate(label)}") for name, label in events.TYPES.items()]

    def to_input(self):
        """Return what was typed as the service's EndpointInput."""
        return webhooks.EndpointInput(self.name.data, self.url.data, tuple(self.event_types.data or ()),
                                      self.enabled.data)


def _allow_private():
    return bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"])


@bp.route("/webhooks", methods=["GET", "POST"])
@role_required("admin")
def webhooks_list():
    """Every endpoint, and a new one (its secret shown once)."""
    form = WebhookForm(enabled=True)
    secret, status = None, 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                _, secret = webhooks.create(form.to_input(), current_actor(), _allow_private())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(gettext("Webhook created. Copy its secret now: it will not be shown again."), "success")
                status, form = 200, WebhookForm(enabled=True, formdata=None)
    return render_template("admin/webhooks/list.html", endpoints=list(webhooks.list_endpoints()), form=form,
                           new_secret=secret, tolerance=webhook_delivery.SIGNATURE_TOLERANCE), status


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@role_required("admin")
def webhook_edit(endpoint_id):
    """One endpoint: change it, its delivery log with each attempt, test, redeliver."""
    endpoint = webhooks.get_endpoint(endpoint_id)
    form = WebhookForm(obj=endpoint, event_types=endpoint.type_list())
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                webhooks.update(endpoint_id, form.to_input(), current_actor(), _allow_private())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(gettext("Webhook saved."), "success")
                return redirect(url_for("admin.webhook_edit", endpoint_id=endpoint_id))
    wanted = request.args.get("status", "")
    deliveries = list(webhooks.list_deliveries(endpoint_id, wanted if wanted in DELIVERY_STATES else "")
                      .limit(LOG_ROWS))
    attempts = {}
    for attempt in WebhookAttempt.select().where(WebhookAttempt.delivery.in_([row.id for row in deliveries])
                                                 ).order_by(WebhookAttempt.id):
        attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return render_template("admin/webhooks/edit.html", endpoint=endpoint, form=form, deliveries=deliveries,
                           attempts=attempts, states=DELIVERY_STATES, wanted=wanted), status


@bp.route("/webhooks/<int:endpoint_id>/test", methods=["POST"])
@role_required("admin")
def webhook_send_test(endpoint_id):
    """Queue a test event."""
    webhooks.send_test(endpoint_id, current_actor())
    flash(gettext("Test event queued: it shows in the log below within a few seconds."), "success")
    return redirect(url_for("admin.webhook_edit", endpoint_id=endpoint_id))


@bp.route("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@role_required("admin")
def webhook_redeliver(endpoint_id, delivery_id):
    """Send one delivery again."""
    webhooks.redeliver(delivery_id, current_actor(), endpoint_id)
    flash(gettext("Delivery queued again."), "success")
    return redirect(url_for("admin.webhook_edit", endpoint_id=endpoint_id))


@bp.route("/webhooks/<int:endpoint_id>/secret", methods=["POST"])
@role_required("admin")
def webhook_rotate_secret(endpoint_id):
    """Replace the secret and show the new one once."""
    endpoint, secret = webhooks.rotate_secret(endpoint_id, current_actor())
    flash(gettext("New secret for %(name)s — copy it now, it will not be shown again: %(secret)s",
                  name=endpoint.name, secret=secret), "success")
    return redirect(url_for("admin.webhook_edit", endpoint_id=endpoint_id))


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["POST"])
@role_required("admin")
def webhook_delete(endpoint_id):
    """Delete an endpoint and its log."""
    endpoint = webhooks.get_endpoint(endpoint_id)
    webhooks.delete(endpoint_id, current_actor())
    flash(gettext("Webhook %(name)s deleted.", name=endpoint.name), "success")
    return redirect(url_for("admin.webhooks_list"))
