"""Inbound routes (admins): which destination a carrier's call reaches, by DID and caller; the pages' services."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.asterisk.confgen.inbound import CALLER_KINDS
from appliance.models.inbound_routes import InboundRoute
from appliance.services import inbound_routes
from web.api.auth import actor, requires
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
    page,
    page_schema,
    pattern,
    respond,
)
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
    created_at = UtcDateTime(dump_only=True)


def _input(data):
    return inbound_routes.InboundRouteInput(did=data["did"], destination=data["destination"],
                                            caller_kind=data["caller_kind"], caller=data["caller"], name=data["name"])


@blp.route("")
class InboundRoutes(MethodView):
    """The inbound routes, and new ones."""

    @requires(blp, "routes:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(InboundRouteSchema))
    def get(self, args):
        """List inbound routes by id."""
        return page(InboundRouteSchema, inbound_routes.list_routes().order_by(), InboundRoute.id, args)

    @requires(blp, "routes:write")
    @blp.arguments(InboundRouteSchema)
    @blp.response(201, InboundRouteSchema)
    @linked(blp, 201, "route_id", "/id", ("GET", ONE), ("PUT", ONE), ("DELETE", ONE))
    def post(self, data):
        """Create an inbound route; live once saved."""
        route = inbound_routes.save_route(_input(data), actor())
        return respond(InboundRouteSchema, route, 201, {"Location": f"{blp.url_prefix}/{route.id}"})


@blp.route(f"/<{ID}:route_id>")
class InboundRouteItem(MethodView):
    """One inbound route."""

    @requires(blp, "routes:read")
    @blp.response(200, InboundRouteSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, route_id):
        """Read an inbound route (with its ETag)."""
        return respond(InboundRouteSchema, inbound_routes.get_route(route_id))

    @requires(blp, "routes:write")
    @blp.arguments(InboundRouteSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, InboundRouteSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def put(self, data, route_id):
        """Replace an inbound route."""
        check_if_match(InboundRouteSchema, inbound_routes.get_route(route_id))
        return respond(InboundRouteSchema, inbound_routes.save_route(_input(data), actor(), route_id))

    @requires(blp, "routes:write")
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, route_id):
        """Delete an inbound route; its number then gets the catch-all's destination."""
        check_if_match(InboundRouteSchema, inbound_routes.get_route(route_id))
        inbound_routes.delete_route(route_id, actor())
        return json_response(None, 204)
