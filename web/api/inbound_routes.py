"""Inbound routes (admins): which destination a carrier's call reaches, by DID and caller; the pages' services."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.asterisk.confgen.inbound import CALLER_KINDS
from appliance.asterisk.confgen.recording import ROUTE_CHOOSABLE as RECORDING_POLICIES
from appliance.models.inbound_routes import InboundRoute
from appliance.services import inbound_routes
from web.api import recording_fields
from web.api.common import (
    UtcDateTime,
    length,
    one_of,
    pattern,
)
from web.api.crud import Resource, register
from web.api.extensions import NAME

blp = Blueprint("inbound_routes", __name__, url_prefix="/api/v1/inbound-routes",
                description="Inbound routes: the destination of calls to a number (DID), optionally from some callers.")
ONE = "/api/v1/inbound-routes/{route_id}"


class InboundRouteSchema(Schema):
    """A DID (empty: every number no other route takes), a caller match, where the calls go."""

    id = fields.Integer(dump_only=True)
    name = fields.String(load_default="", validate=[length(max=64), pattern(NAME)],
                         metadata={"description": "A description"})
    did = fields.String(load_default="", validate=length(max=40),
                        metadata={"description": "A phone number (stored E.164) or a pattern on it "
                                                 "(_+55113000XXXX); empty: the catch-all"})
    caller_kind = fields.String(load_default="", validate=one_of(CALLER_KINDS),
                                metadata={"description": "Empty: any caller; exact: this number; prefix: numbers "
                                                         "starting with it"})
    caller = fields.String(load_default="", validate=length(max=20))
    destination = fields.String(required=True, validate=length(min=1, max=40),
                                metadata={"description": "Where the calls go, e.g. extension:201, ring_group:600, "
                                                         "voicemail:201, external:+551133334444, hangup"})
    recording = fields.String(load_default="never", validate=one_of(RECORDING_POLICIES),
                              metadata={"description": "never or always: every call it takes is recorded"})
    recording_keep_days = recording_fields.keep_days_field(load_default=0)
    recording_prompt_id = recording_fields.prompt_field(load_default=None)
    created_at = UtcDateTime(dump_only=True)


def _input(data):
    return inbound_routes.InboundRouteInput(did=data["did"], destination=data["destination"],
                                            caller_kind=data["caller_kind"], caller=data["caller"], name=data["name"],
                                            recording=data["recording"],
                                            recording_keep_days=data["recording_keep_days"],
                                            recording_prompt_id=data["recording_prompt_id"])


register(blp, Resource(
    "InboundRoute", "", "route_id", InboundRouteSchema, ("routes:read", "routes:write"),
    lambda: inbound_routes.list_routes().order_by(), InboundRoute.id, inbound_routes.get_route,
    inbound_routes.save_route, inbound_routes.delete_route, to_input=_input, noun="inbound route",
    docs={"post": "Create an inbound route; live once saved.",
          "delete": "Delete an inbound route; its number then gets the catch-all's destination."}))
