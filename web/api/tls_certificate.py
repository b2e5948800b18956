"""The web server's TLS certificate (admins): read it, replace it with a PEM pair, or make a new self-signed one.

Through the same service as System → TLS certificate (decision 051). The private key goes in only: no
answer, log line or audit entry holds it. A refused upload is a 422 naming the field, and nothing changes.
"""
from flask import current_app
from flask_babel import gettext
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.services import tls_certificate
from web.api.auth import actor, requires
from web.api.common import UtcDateTime, json_response

blp = Blueprint("tls_certificate", __name__, url_prefix="/api/v1/system/tls-certificate",
                description="The certificate nginx serves the pages, the API, /prov and the browser phone with.")


class CertificateSchema(Schema):
    """The certificate in force (its key is never shown)."""

    subject = fields.String()
    issuer = fields.String()
    sans = fields.List(fields.String(), metadata={"description": "Subject alternative names: DNS:… and IP:…"})
    not_before = UtcDateTime()
    not_after = UtcDateTime()
    days_left = fields.Integer()
    expires_soon = fields.Boolean(metadata={"description": "Expired or expiring within 30 days"})
    fingerprint_sha256 = fields.String()
    self_signed = fields.Boolean()
    key_type = fields.String(metadata={"description": "e.g. RSA 2048, EC secp256r1"})
    chain_length = fields.Integer(metadata={"description": "Certificates served after the leaf"})
    warnings = fields.List(fields.String())
    reload_failure = fields.String(metadata={
        "description": "nginx's words when it refused the last certificate written (the previous one was put "
                       "back); empty otherwise"})


class ReplaceSchema(Schema):
    """A certificate and its key in PEM; the chain in its own field or after the certificate."""

    certificate = fields.String(required=True, validate=validate.Length(max=tls_certificate.MAX_CERT_BYTES),
                                metadata={"description": "PEM: the server's certificate, optionally followed by "
                                                         "its chain (leaf first, then each issuer)"})
    chain = fields.String(load_default="", validate=validate.Length(max=tls_certificate.MAX_CERT_BYTES),
                          metadata={"description": "PEM: the intermediate certificates, in order"})
    private_key = fields.String(required=True, load_only=True,
                                validate=validate.Length(max=tls_certificate.MAX_KEY_BYTES),
                                metadata={"description": "PEM, without a passphrase; RSA ≥ 2048 bits or EC "
                                                         "P-256/P-384/P-521. Write-only."})


def _answer(info):
    data = {**vars(info), "warnings": [gettext(message) % params if params else gettext(message)
                                       for message, params in info.warnings],
            "reload_failure": tls_certificate.reload_failure(current_app.config)}
    return json_response(CertificateSchema().dump(data))


@blp.route("", methods=["GET"])
@requires(blp, "tls:read")
@blp.response(200, CertificateSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_certificate():
    """Read the certificate in force: names, issuer, validity, SHA-256 fingerprint, key type."""
    info = tls_certificate.current(current_app.config)
    if info is None:
        raise NotFound(N_("No TLS certificate is installed yet."))
    return _answer(info)


@blp.route("", methods=["PUT"])
@requires(blp, "tls:write")
@blp.arguments(ReplaceSchema)
@blp.response(200, CertificateSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def put_certificate(data):
    """Replace the certificate and key. Everything is checked first (PEM, the key matches, the chain in order,
    valid now, a strong key); a refusal is a 422 naming the field (errors.certificate, errors.chain or
    errors.private_key) and changes nothing. nginx reloads with the new pair; the previous one is kept."""
    info = tls_certificate.replace(current_app.config, data["certificate"], data["chain"], data["private_key"],
                                   actor())
    return _answer(info)


@blp.route("/self-signed", methods=["POST"])
@requires(blp, "tls:write")
@blp.response(200, CertificateSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def post_self_signed():
    """Replace the certificate by a new self-signed one (EC P-256, ten years) naming this box's host name and
    addresses. Browsers will warn about it, as about the first one."""
    return _answer(tls_certificate.regenerate_self_signed(current_app.config, actor()))
