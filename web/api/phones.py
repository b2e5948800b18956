"""Desk phones (admins): assignments by MAC, pending phones, removal; the Phones page's services."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.models.extensions import Device
from appliance.models.phones import PendingPhone
from appliance.services import phones
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    PageArgs,
    UtcDateTime,
    check_if_match,
    json_response,
    length,
    page,
    page_schema,
    pattern,
    respond,
)
from web.api.crud import written

blp = Blueprint("phones", __name__, url_prefix="/api/v1",
                description="Desk phones provisioned by the appliance, and phones waiting for an extension.")


class PhoneSchema(Schema):
    """A desk phone on an extension (never its passwords or provisioning token)."""

    id = fields.Integer(dump_only=True)
    mac = fields.String(required=True, validate=[length(min=12, max=17), pattern(r"^[0-9A-Fa-f:.-]{12,17}$")])
    vendor = fields.String(required=True, validate=length(min=1, max=16))
    model = fields.String(required=True, validate=length(min=1, max=32))
    extension_number = fields.String(required=True, validate=length(min=1, max=8))
    sip_username = fields.String(dump_only=True)
    firmware = fields.String(dump_only=True)
    last_fetch_at = UtcDateTime(dump_only=True, allow_none=True)
    last_fetch_address = fields.String(dump_only=True)

    @pre_dump
    def _with_number(self, device, **kwargs):
        return {**device.__data__, "extension_number": device.extension.number}


class PendingPhoneSchema(Schema):
    """A phone that asked for its configuration and waits for an extension."""

    id = fields.Integer(dump_only=True)
    mac = fields.String(dump_only=True)
    vendor = fields.String(dump_only=True)
    model = fields.String(dump_only=True)
    address = fields.String(dump_only=True)
    other_address = fields.String(dump_only=True)
    first_seen = UtcDateTime(dump_only=True)
    last_seen = UtcDateTime(dump_only=True)


class AssignSchema(Schema):
    """Which extension a pending phone goes to."""

    extension_number = fields.String(required=True, validate=length(min=1, max=8))


def _minutes():
    return current_app.config["PROV_BOOTSTRAP_MINUTES"]


@blp.route("/phones")
class Phones(MethodView):
    """Desk phones."""

    @requires(blp, "phones:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(PhoneSchema))
    def get(self, args):
        """List desk phones by id."""
        return page(PhoneSchema, Device.select().where(Device.mac.is_null(False)), Device.id, args)

    @requires(blp, "phones:write")
    @blp.arguments(PhoneSchema)
    @blp.response(201, PhoneSchema)
    def post(self, data):
        """Attach a phone (by MAC, vendor and model) to an extension; the same phone again changes nothing."""
        device, _ = phones.save_phone(phones.PhoneInput(data["mac"], data["vendor"], data["model"],
                                                        data["extension_number"]), actor(), minutes=_minutes())
        return respond(PhoneSchema, device, 201, {"Location": f"{blp.url_prefix}/phones/{device.id}"})


@blp.route(f"/phones/<{ID}:device_id>")
class PhoneItem(MethodView):
    """One desk phone."""

    @requires(blp, "phones:read")
    @blp.response(200, PhoneSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, device_id):
        """Read a desk phone (with its ETag)."""
        return respond(PhoneSchema, phones.get_phone(device_id))

    @requires(blp, "phones:write")
    @written(blp, 204)
    def delete(self, device_id):
        """Detach a phone: its SIP account and provisioning secrets are deleted."""
        check_if_match(PhoneSchema, phones.get_phone(device_id))
        phones.remove_phone(device_id, actor())
        return json_response(None, 204)


@blp.route("/pending-phones")
@requires(blp, "phones:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(PendingPhoneSchema))
def pending_phones(args):
    """List phones waiting for an extension."""
    return page(PendingPhoneSchema, PendingPhone.select(), PendingPhone.id, args)


@blp.route(f"/pending-phones/<{ID}:pending_id>/assign", methods=["POST"])
@requires(blp, "phones:write")
@blp.arguments(AssignSchema)
@blp.response(201, PhoneSchema)
@blp.alt_response(404, response="NOT_FOUND")
def pending_phone_assign(data, pending_id):
    """Attach a waiting phone to an extension; it fetches its secrets from where it was first seen."""
    device = phones.assign_pending(pending_id, data["extension_number"], actor(), minutes=_minutes())
    return respond(PhoneSchema, device, 201, {"Location": f"{blp.url_prefix}/phones/{device.id}"})
