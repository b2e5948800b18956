"""Ring groups and pickup groups (admins): the same services as the Groups pages."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.asterisk.confgen.types import RING_STRATEGIES
from appliance.models.groups import PickupGroup, RingGroup
from appliance.services import groups
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    IF_MATCH,
    PageArgs,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page,
    page_schema,
    pattern,
    respond,
    value_range,
)
from web.api.extensions import NAME

blp = Blueprint("groups", __name__, url_prefix="/api/v1",
                description="Ring groups (one number ringing several extensions) and pickup groups.")
NUMBER = r"^[1-9][0-9]{1,7}$"
RING, PICKUP = "/api/v1/ring-groups/{group_id}", "/api/v1/pickup-groups/{group_id}"


class RingGroupSchema(Schema):
    """A ring group; ``members`` are extension numbers in hunt order."""

    id = fields.Integer(dump_only=True)
    number = fields.String(required=True, validate=[length(min=2, max=8), pattern(NUMBER)])
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    strategy = fields.String(load_default="ringall", validate=one_of(RING_STRATEGIES))
    ring_seconds = fields.Integer(load_default=20, validate=value_range(min=3, max=300))
    member_seconds = fields.Integer(load_default=15, validate=value_range(min=3, max=300))
    destination = fields.String(load_default="hangup", validate=length(max=40),
                                metadata={"description": "Where unanswered calls go, e.g. hangup, voicemail:201"})
    members = fields.List(fields.String(validate=length(max=8)), validate=length(max=50), load_default=list)

    @pre_dump
    def _with_members(self, group, **kwargs):
        return {**group.__data__, "members": groups.member_numbers(group)}


class PickupGroupSchema(Schema):
    """A pickup group: extensions that may answer each other's ringing calls."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=40), pattern(NAME)])
    members = fields.List(fields.String(validate=length(max=8)), validate=length(max=500), load_default=list)

    @pre_dump
    def _with_members(self, group, **kwargs):
        return {**group.__data__, "members": groups.pickup_members(group)}


def _ring_input(data):
    return groups.RingGroupInput(data["number"], data["name"], data["strategy"], data["ring_seconds"],
                                 data["member_seconds"], data["destination"], list(data["members"]))


@blp.route("/ring-groups")
class RingGroups(MethodView):
    """Ring groups."""

    @requires(blp, "groups:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(RingGroupSchema))
    def get(self, args):
        """List ring groups by id."""
        return page(RingGroupSchema, RingGroup.select(), RingGroup.id, args)

    @requires(blp, "groups:write")
    @blp.arguments(RingGroupSchema)
    @blp.response(201, RingGroupSchema)
    @linked(blp, 201, "group_id", "/id", ("GET", RING), ("PUT", RING), ("DELETE", RING))
    def post(self, data):
        """Create a ring group."""
        group = groups.save_ring_group(_ring_input(data), actor())
        return respond(RingGroupSchema, group, 201, {"Location": f"{blp.url_prefix}/ring-groups/{group.id}"})


@blp.route(f"/ring-groups/<{ID}:group_id>")
class RingGroupItem(MethodView):
    """One ring group."""

    @requires(blp, "groups:read")
    @blp.response(200, RingGroupSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, group_id):
        """Read a ring group (with its ETag)."""
        return respond(RingGroupSchema, groups.get_ring_group(group_id))

    @requires(blp, "groups:write")
    @blp.arguments(RingGroupSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, RingGroupSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def put(self, data, group_id):
        """Replace a ring group."""
        check_if_match(RingGroupSchema, groups.get_ring_group(group_id))
        return respond(RingGroupSchema, groups.save_ring_group(_ring_input(data), actor(), group_id))

    @requires(blp, "groups:write")
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, group_id):
        """Delete a ring group; refused (422) while something still sends calls to it."""
        check_if_match(RingGroupSchema, groups.get_ring_group(group_id))
        groups.delete_ring_group(group_id, actor())
        return json_response(None, 204)


@blp.route("/pickup-groups")
class PickupGroups(MethodView):
    """Pickup groups."""

    @requires(blp, "groups:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(PickupGroupSchema))
    def get(self, args):
        """List pickup groups by id."""
        return page(PickupGroupSchema, PickupGroup.select(), PickupGroup.id, args)

    @requires(blp, "groups:write")
    @blp.arguments(PickupGroupSchema)
    @blp.response(201, PickupGroupSchema)
    @linked(blp, 201, "group_id", "/id", ("GET", PICKUP), ("PUT", PICKUP), ("DELETE", PICKUP))
    def post(self, data):
        """Create a pickup group."""
        group = groups.save_pickup_group(data["name"], data["members"], actor())
        return respond(PickupGroupSchema, group, 201, {"Location": f"{blp.url_prefix}/pickup-groups/{group.id}"})


@blp.route(f"/pickup-groups/<{ID}:group_id>")
class PickupGroupItem(MethodView):
    """One pickup group."""

    @requires(blp, "groups:read")
    @blp.response(200, PickupGroupSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, group_id):
        """Read a pickup group (with its ETag)."""
        return respond(PickupGroupSchema, groups.get_pickup_group(group_id))

    @requires(blp, "groups:write")
    @blp.arguments(PickupGroupSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, PickupGroupSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def put(self, data, group_id):
        """Replace a pickup group."""
        check_if_match(PickupGroupSchema, groups.get_pickup_group(group_id))
        return respond(PickupGroupSchema, groups.save_pickup_group(data["name"], data["members"], actor(), group_id))

    @requires(blp, "groups:write")
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, group_id):
        """Delete a pickup group."""
        check_if_match(PickupGroupSchema, groups.get_pickup_group(group_id))
        groups.delete_pickup_group(group_id, actor())
        return json_response(None, 204)
