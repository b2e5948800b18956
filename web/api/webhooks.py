"""Webhooks (admins, service tokens): endpoints, their delivery log, a test event, redelivery.

The same services as the Webhooks pages (appliance/services/webhooks.py). A new endpoint's
secret is in the 201 answer only; a rotated one in the rotation's answer only.
"""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance import events
from appliance.errors import PermissionDenied
from appliance.i18n import N_
from appliance.models.webhooks import DELIVERY_STATES, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from appliance.services import webhooks
from appliance.services.webhook_delivery import SIGNATURE_TOLERANCE
from web.api.auth import actor, principal, requires
from web.api.common import (
    ID,
    IF_MATCH,
    PageArgs,
    UtcDateTime,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page_schema,
    paginate,
    respond,
)
from web.api.crud import written

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Webhooks: signed HTTP posts of call events to your systems, retried until taken.")
ONE = "/api/v1/webhooks/{endpoint_id}"


class WebhookSchema(Schema):
    """An endpoint: where events go and which."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=length(min=1, max=64))
    url = fields.String(required=True, validate=length(min=1, max=500),
                        metadata={"description": "http(s) URL; private addresses only when the box allows them"})
    event_types = fields.List(fields.String(validate=one_of(tuple(events.TYPES))), required=True,
                              validate=length(min=1, max=len(events.TYPES)))
    enabled = fields.Boolean(load_default=True)
    failing_since = UtcDateTime(dump_only=True, allow_none=True)
    last_success_at = UtcDateTime(dump_only=True, allow_none=True)
    disabled_reason = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class WebhookCreatedSchema(WebhookSchema):
    """A new endpoint and its signing secret, shown this once."""

    secret = fields.String(dump_only=True, metadata={"description": "whsec_…: keep it; it is never shown again"})


class WebhookSecretSchema(Schema):
    """A new signing secret, shown this once."""

    secret = fields.String(required=True)


class DeliverySchema(Schema):
    """One event sent (or being sent) to an endpoint."""

    id = fields.Integer()
    uid = fields.String(metadata={"description": "Centralina-Webhook-Id: the same on every retry"})
    type = fields.String()
    event_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "pending, delivered or failed (given up)"})
    attempts = fields.Integer()
    next_attempt_at = UtcDateTime(allow_none=True)
    last_attempt_at = UtcDateTime(allow_none=True)
    response_code = fields.Integer(allow_none=True)
    error = fields.String()
    latency_ms = fields.Float(allow_none=True)
    created_at = UtcDateTime()


class AttemptSchema(Schema):
    """One HTTP attempt of a delivery."""

    at = UtcDateTime()
    response_code = fields.Integer(allow_none=True)
    response_body = fields.String()
    error = fields.String()
    latency_ms = fields.Float(allow_none=True)


class DeliveryDetailSchema(DeliverySchema):
    """A delivery, its body and every attempt."""

    payload = fields.String()
    attempt_log = fields.List(fields.Nested(AttemptSchema))


class DeliveryFilter(PageArgs):
    """Delivery log filters."""

    status = fields.String(load_default="", validate=one_of(("", *DELIVERY_STATES)))


def _admin_only():
    owner = principal().user
    if owner is not None and owner.role != "admin":
        raise PermissionDenied(N_("Only administrators and service tokens manage webhooks."))


def _data(row):
    return {**row.__data__, "event_types": row.type_list()}


def _input(data):
    return webhooks.EndpointInput(data["name"], data["url"], tuple(data["event_types"]), data["enabled"])


def _allow_private():
    return bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"])


@blp.route("")
class Webhooks(MethodView):
    """Every endpoint, and new ones."""

    @requires(blp, "webhooks:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(WebhookSchema))
    def get(self, args):
        """List endpoints by id."""
        _admin_only()
        rows, cursor = paginate(WebhookEndpoint.select(), WebhookEndpoint.id, args)
        return json_response({"items": WebhookSchema(many=True).dump([_data(row) for row in rows]),
                              "next_cursor": cursor})

    @requires(blp, "webhooks:write")
    @blp.arguments(WebhookSchema)
    @blp.response(201, WebhookCreatedSchema)
    @linked(blp, 201, "endpoint_id", "/id", ("GET", ONE), ("PUT", ONE), ("DELETE", ONE))
    def post(self, data):
        """Create an endpoint; the answer carries its secret, never shown again."""
        _admin_only()
        row, secret = webhooks.create(_input(data), actor(), _allow_private())
        return json_response(WebhookCreatedSchema().dump({**_data(row), "secret": secret}), 201,
                             {"Location": f"{blp.url_prefix}/{row.id}"})


@blp.route(f"/<{ID}:endpoint_id>")
class WebhookItem(MethodView):
    """One endpoint."""

    @requires(blp, "webhooks:read")
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, endpoint_id):
        """Read an endpoint (never its secret)."""
        _admin_only()
        return respond(WebhookSchema, _data(webhooks.get_endpoint(endpoint_id)))

    @requires(blp, "webhooks:write")
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(WebhookSchema)
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def put(self, data, endpoint_id):
        """Change an endpoint; turning it on again clears its failures."""
        _admin_only()
        check_if_match(WebhookSchema, _data(webhooks.get_endpoint(endpoint_id)))
        return respond(WebhookSchema, _data(webhooks.update(endpoint_id, _input(data), actor(), _allow_private())))

    @requires(blp, "webhooks:write")
    @written(blp, 204)
    def delete(self, endpoint_id):
        """Delete an endpoint and its delivery log."""
        _admin_only()
        check_if_match(WebhookSchema, _data(webhooks.get_endpoint(endpoint_id)))
        webhooks.delete(endpoint_id, actor())
        return json_response(None, 204)


@blp.route(f"/<{ID}:endpoint_id>/secret", methods=["POST"])
@requires(blp, "webhooks:write")
@blp.response(200, WebhookSecretSchema)
@blp.alt_response(404, response="NOT_FOUND")
def webhook_rotate_secret(endpoint_id):
    """Replace the signing secret (the old one stops at once); the answer carries it, never shown again."""
    _admin_only()
    _, secret = webhooks.rotate_secret(endpoint_id, actor())
    return json_response({"secret": secret})


@blp.route(f"/<{ID}:endpoint_id>/test", methods=["POST"])
@requires(blp, "webhooks:write")
@blp.response(202, DeliverySchema)
@blp.alt_response(404, response="NOT_FOUND")
def webhook_test(endpoint_id):
    """Queue a test event (``webhook.test``) for the endpoint; its delivery shows in the log."""
    _admin_only()
    return json_response(DeliverySchema().dump(webhooks.send_test(endpoint_id, actor())), 202)


@blp.route(f"/<{ID}:endpoint_id>/deliveries")
@requires(blp, "webhooks:read")
@blp.arguments(DeliveryFilter, location="query")
@blp.response(200, page_schema(DeliverySchema))
@blp.alt_response(404, response="NOT_FOUND")
def webhook_deliveries(args, endpoint_id):
    """The endpoint's delivery log, newest first."""
    _admin_only()
    webhooks.get_endpoint(endpoint_id)
    rows, cursor = paginate(webhooks.list_deliveries(endpoint_id, args["status"]), WebhookDelivery.id, args,
                            newest_first=True)
    return json_response({"items": DeliverySchema(many=True).dump(rows), "next_cursor": cursor})


@blp.route(f"/<{ID}:endpoint_id>/deliveries/<{ID}:delivery_id>")
@requires(blp, "webhooks:read")
@blp.response(200, DeliveryDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def webhook_delivery(endpoint_id, delivery_id):
    """One delivery: its body and every attempt with the receiver's answer."""
    _admin_only()
    row = webhooks.get_delivery(delivery_id, endpoint_id)
    attempts = list(WebhookAttempt.select().where(WebhookAttempt.delivery == row.id).order_by(WebhookAttempt.id))
    return json_response(DeliveryDetailSchema().dump({**row.__data__, "attempt_log": attempts}))


@blp.route(f"/<{ID}:endpoint_id>/deliveries/<{ID}:delivery_id>/redeliver", methods=["POST"])
@requires(blp, "webhooks:write")
@blp.response(202, DeliverySchema)
@blp.alt_response(404, response="NOT_FOUND")
def webhook_redeliver(endpoint_id, delivery_id):
    """Send a delivery again (same id and body, a fresh signature)."""
    _admin_only()
    return json_response(DeliverySchema().dump(webhooks.redeliver(delivery_id, actor(), endpoint_id)), 202)


class WebhookEventSchema(Schema):
    """The JSON body of every webhook delivery (signed: see Centralina-Signature)."""

    id = fields.String(required=True, metadata={"description": "The delivery's id, also Centralina-Webhook-Id: "
                                                               "the same on every retry (dedupe on it)"})
    type = fields.String(required=True)
    event_id = fields.Integer(required=True, allow_none=True, metadata={"description": "The event's id (as in "
                                                                                        "the SSE stream)"})
    created_at = fields.String(required=True, metadata={"description": "When the event happened (ISO 8601, UTC)"})
    data = fields.Dict(required=True, metadata={"description": "call_id, from, to, from_extension, to_extension; "
                                                               "record (the call record) on call.hungup and "
                                                               "call.missed; mailbox, new, old on voicemail.left"})


def document(spec):
    """Describe what receivers get under OpenAPI 3.1's ``webhooks``: one POST per event type."""
    spec.components.schema("WebhookEvent", schema=WebhookEventSchema)
    headers = [
        {"in": "header", "name": "Centralina-Signature", "required": True, "schema": {"type": "string"},
         "description": "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" keyed with the endpoint's "
                        f"secret>; refuse a t more than {SIGNATURE_TOLERANCE} s from your clock"},
        {"in": "header", "name": "Centralina-Webhook-Id", "required": True, "schema": {"type": "string"}},
        {"in": "header", "name": "Centralina-Event-Type", "required": True, "schema": {"type": "string"}},
    ]
    spec.options.setdefault("webhooks", {}).update({
        name: {"post": {
            "summary": str(label), "parameters": headers,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/WebhookEvent"}}}},
            "responses": {"2XX": {"description": "Taken; any other answer (or none within the timeout) is retried"},
                          "410": {"description": "Gone: the endpoint is turned off"}},
        }} for name, label in {**events.TYPES, events.TEST_TYPE: "Test event"}.items()})
