"""The inbound webhook of HTTP SMS providers: replies and delivery reports, one URL per provider.

``POST /hooks/sms/<provider id>`` with the provider's secret in ``X-Centralina-Secret`` (shown
once when the provider was made) and a JSON body, one of::

    {"type": "message", "from": "+5511987654321", "to": "+551130001000", "text": "..."}
    {"type": "report", "id": "<the provider's message id>", "status": "delivered" | "failed", "reason": "..."}

No session, no cookie, no CSRF token: the secret is the only credential, compared in constant time.
"""
from flask import Blueprint, abort, jsonify, request

from appliance.models.sms import SmsProvider
from appliance.services import sms, sms_delivery, sms_providers
from appliance.sms import codec

bp = Blueprint("sms_hooks", __name__, url_prefix="/hooks/sms")
MAX_TEXT = 4000


@bp.post("/<int(max=2147483647):provider_id>")
def inbound(provider_id):
    """Take a reply or a delivery report from HTTP provider ``provider_id``."""
    provider = SmsProvider.get_or_none(SmsProvider.id == provider_id, SmsProvider.kind == "http")
    if provider is None or not sms_providers.check_inbound_secret(provider, request.headers.get("X-Centralina-Secret")):
        abort(404)  # an unknown provider and a wrong secret look the same
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="a JSON object is expected"), 400
    kind = data.get("type")
    if kind == "message":
        source, destination, text = (str(data.get(key) or "") for key in ("from", "to", "text"))
        if not source or not destination or not text or len(text) > MAX_TEXT:
            return jsonify(error="from, to and text are required"), 400
        message = sms.receive(provider.id, source[:20], destination[:20], codec.Segment(0, 1, 1, text))
        return jsonify(id=message.id), 201
    if kind == "report":
        status = data.get("status")
        if status not in ("delivered", "failed") or not data.get("id"):
            return jsonify(error="id and status (delivered or failed) are required"), 400
        found = sms_delivery.apply_http_report(provider.id, str(data["id"])[:65], status, str(data.get("reason") or ""))
        return (jsonify(id=found.id), 200) if found else (jsonify(error="no such message"), 404)
    return jsonify(error="type must be message or report"), 400
