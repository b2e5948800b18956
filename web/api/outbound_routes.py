"""Outbound routes (admins): the same services as the Outbound routes page, in the order they are tried.

Routes are few and their order is the point, so the list is one page in that order; the order
itself is a small resource (read it, set it whole, or move one route a place up or down).
"""
import contextlib
import re

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.asterisk.confgen.recording import ROUTE_CHOOSABLE as RECORDING_POLICIES
from appliance.errors import ValidationError
from appliance.models.outbound import RESULTS
from appliance.models.profiles import PERMISSION_CLASSES
from appliance.services import outbound_presets, outbound_routes
from web.api import recording_fields
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    IF_MATCH,
    JsonBoolean,
    JsonInteger,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page_schema,
    pattern,
    respond,
    value_range,
)
from web.api.crud import written

blp = Blueprint("outbound_routes", __name__, url_prefix="/api/v1/outbound-routes",
                description="Outbound routes: which dialled numbers go out, rewritten how, through which trunks.")

#: What a route's name may not contain (services.outbound_routes._validate).
ROUTE_NAME = r"^[^;\n\r]*$"
#: The characters of a dial pattern (appliance.dial_patterns); a leading _ and spaces are dropped.
DIAL_PATTERN = r"^[_ 0-9XZNxzn\[\].!+*-]*$"
TRUNK_ID = value_range(min=1, max=2**31 - 1)
#: Checks of a pattern row, built here: inside DialPatternSchema, ``pattern`` names the field.
PATTERN_CHECKS = [length(min=1, max=40), pattern(DIAL_PATTERN)]
PREPEND_CHECKS = [length(max=19), pattern(r"^\+?[0-9*]*$")]
ONE = "/api/v1/outbound-routes/{route_id}"


class DialPatternSchema(Schema):
    """A dial pattern (Asterisk syntax without the _) and how the dialled number is rewritten."""

    pattern = fields.String(required=True, validate=PATTERN_CHECKS,
                            metadata={"description": "e.g. 0ZXZZ[2-5]XXXXXXX; X any digit, Z 1-9, N 2-9, . the rest"})
    strip = JsonInteger(load_default=0, validate=value_range(min=0, max=outbound_routes.MAX_STRIP),
                           metadata={"description": "Leading characters removed"})
    prepend = fields.String(load_default="", validate=PREPEND_CHECKS,
                            metadata={"description": "Put in front after stripping"})
    result = fields.String(load_default="e164", validate=one_of(RESULTS),
                           metadata={"description": "e164: formatted per trunk; asis: sent as it is"})


class OutboundRouteSchema(Schema):
    """A route: its kind of number (profiles allow kinds), patterns, trunks in failover order."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=40), pattern(ROUTE_NAME)])
    position = fields.Integer(dump_only=True, metadata={"description": "Routes are tried by position, lowest first"})
    permission_class = fields.String(required=True, validate=one_of(PERMISSION_CLASSES))
    callerid = fields.String(load_default="", validate=length(max=25),
                             metadata={"description": "Caller ID sent unless the extension has its own (E.164)"})
    enabled = JsonBoolean(load_default=True)
    recording = fields.String(load_default="never", validate=one_of(RECORDING_POLICIES),
                              metadata={"description": "never: the calling extension's policy; always: every call "
                                                       "it takes is recorded"})
    recording_keep_days = recording_fields.keep_days_field(load_default=0)
    recording_prompt_id = recording_fields.prompt_field(load_default=None)
    patterns = fields.List(fields.Nested(DialPatternSchema), required=True,
                           validate=length(min=1, max=outbound_routes.MAX_PATTERNS))
    trunks = fields.List(JsonInteger(validate=TRUNK_ID), required=True, validate=length(min=1, max=10),
                         metadata={"description": "Trunk ids, in failover order"})

    @pre_dump
    def _with_lists(self, route, **kwargs):
        patterns = [{"pattern": p.pattern, "strip": p.strip, "prepend": p.prepend, "result": p.result}
                    for p in outbound_routes.patterns_of(route)]
        return {**route.__data__, "recording_prompt_id": route.recording_prompt_id, "patterns": patterns,
                "trunks": [t.id for t in outbound_routes.trunks_of(route)]}


class RouteOrderSchema(Schema):
    """Every route's id, in the order they are tried."""

    order = fields.List(JsonInteger(validate=value_range(min=0, max=2**31 - 1)), required=True,
                        validate=length(max=1000))


class RouteMoveSchema(Schema):
    """One place up (tried sooner) or down."""

    direction = fields.String(required=True, validate=one_of(("up", "down")))


class BrazilianPresetSchema(Schema):
    """The Brazilian dialling preset: the site's area code and the trunks its routes use."""

    area_code = fields.String(required=True, validate=[length(min=2, max=2), pattern(r"^[1-9][0-9]$")],
                              metadata={"description": "The site's DDD, e.g. 11"})
    trunks = fields.List(JsonInteger(validate=TRUNK_ID), required=True, validate=length(min=1, max=10),
                         metadata={"description": "Trunk ids, in failover order"})


OutboundRouteList = Schema.from_dict({"items": fields.List(fields.Nested(OutboundRouteSchema), required=True)},
                                     name="OutboundRouteList")
_PATTERN_KEY = re.compile(r"pattern-([0-9]+)")


@contextlib.contextmanager
def _body_field_names():
    """Name each pattern's error after the body's field (``patterns.<index>``), as webargs names nested ones."""
    try:
        yield
    except ValidationError as error:
        renamed = {}
        for key, value in error.fields.items():
            found = _PATTERN_KEY.fullmatch(key)
            renamed[f"patterns.{found.group(1)}" if found else key] = value
        raise ValidationError(renamed) from None


def _input(data):
    return outbound_routes.RouteInput(
        data["name"], data["permission_class"],
        [outbound_routes.PatternInput(p["pattern"], p["strip"], p["prepend"], p["result"]) for p in data["patterns"]],
        list(data["trunks"]), data["callerid"], data["enabled"], data["recording"],
        data["recording_keep_days"], data["recording_prompt_id"])


def _order():
    return {"order": [route.id for route in outbound_routes.list_routes()]}


@blp.route("")
class OutboundRoutes(MethodView):
    """The routes, in order, and new ones (tried last)."""

    @requires(blp, "routes:read")
    @blp.response(200, page_schema(OutboundRouteSchema))
    def get(self):
        """List every route in the order they are tried (one page: next_cursor is null)."""
        items = OutboundRouteSchema(many=True).dump(outbound_routes.list_routes())
        return json_response({"items": items, "next_cursor": None})

    @requires(blp, "routes:write")
    @blp.arguments(OutboundRouteSchema)
    @blp.response(201, OutboundRouteSchema)
    @linked(blp, 201, "route_id", "/id", ("GET", ONE), ("PUT", ONE), ("DELETE", ONE), ("POST", ONE + "/move"))
    def post(self, data):
        """Create a route; it is tried after the existing ones."""
        with _body_field_names():
            route = outbound_routes.save_route(_input(data), actor())
        return respond(OutboundRouteSchema, route, 201, {"Location": f"{blp.url_prefix}/{route.id}"})


@blp.route(f"/<{ID}:route_id>")
class OutboundRouteItem(MethodView):
    """One route."""

    @requires(blp, "routes:read")
    @blp.response(200, OutboundRouteSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, route_id):
        """Read a route (with its ETag)."""
        return respond(OutboundRouteSchema, outbound_routes.get_route(route_id))

    @requires(blp, "routes:write")
    @blp.arguments(OutboundRouteSchema)
    @written(blp, 200, OutboundRouteSchema)
    def put(self, data, route_id):
        """Replace a route (its place in the order stays)."""
        check_if_match(OutboundRouteSchema, outbound_routes.get_route(route_id))
        with _body_field_names():
            route = outbound_routes.save_route(_input(data), actor(), route_id)
        return respond(OutboundRouteSchema, route)

    @requires(blp, "routes:write")
    @written(blp, 204)
    def delete(self, route_id):
        """Delete a route."""
        check_if_match(OutboundRouteSchema, outbound_routes.get_route(route_id))
        outbound_routes.delete_route(route_id, actor())
        return json_response(None, 204)


@blp.route(f"/<{ID}:route_id>/move", methods=["POST"])
@requires(blp, "routes:write")
@blp.arguments(RouteMoveSchema)
@blp.response(200, RouteOrderSchema)
@blp.alt_response(404, response="NOT_FOUND")
def outbound_route_move(data, route_id):
    """Move a route one place up or down (the first stays first); answer the new order."""
    outbound_routes.move(route_id, -1 if data["direction"] == "up" else 1, actor())
    return respond(RouteOrderSchema, _order())


@blp.route("/order")
class OutboundRouteOrder(MethodView):
    """The order routes are tried in."""

    @requires(blp, "routes:read")
    @blp.response(200, RouteOrderSchema)
    def get(self):
        """Read the order: every route's id, first tried first (with its ETag)."""
        return respond(RouteOrderSchema, _order())

    @requires(blp, "routes:write")
    @blp.arguments(RouteOrderSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, RouteOrderSchema)
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def put(self, data):
        """Set the order: every route's id, once each; refused (422) when routes came or went meanwhile."""
        check_if_match(RouteOrderSchema, _order())
        outbound_routes.reorder(data["order"], actor())
        return respond(RouteOrderSchema, _order())


@blp.route("/brazilian-preset", methods=["POST"])
@requires(blp, "routes:write")
@blp.arguments(BrazilianPresetSchema)
@blp.response(201, OutboundRouteList)
def outbound_brazilian_preset(data):
    """Create the routes people in Brazil expect (local, mobile, national, premium, collect, international).

    After the existing routes; all or none: a name taken or a pattern that would capture an
    internal number refuses the whole preset (422).
    """
    with _body_field_names():
        created = outbound_presets.apply_brazilian_preset(data["area_code"], data["trunks"], actor())
    return json_response({"items": OutboundRouteSchema(many=True).dump(created)}, 201)
