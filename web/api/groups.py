"""Ring groups and pickup groups (admins): the same services as the Groups pages."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.asterisk.confgen.types import RING_STRATEGIES
from appliance.models.groups import PickupGroup, RingGroup
from appliance.services import groups
from web.api.common import (
    length,
    one_of,
    pattern,
    value_range,
)
from web.api.crud import Resource, register
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


register(blp, Resource(
    "RingGroup", "/ring-groups", "group_id", RingGroupSchema, ("groups:read", "groups:write"), RingGroup.select,
    RingGroup.id, groups.get_ring_group, groups.save_ring_group, groups.delete_ring_group, to_input=_ring_input,
    noun="ring group", docs={"delete": "Delete a ring group; refused (422) while something still sends calls to it."}))
register(blp, Resource(
    "PickupGroup", "/pickup-groups", "group_id", PickupGroupSchema, ("groups:read", "groups:write"),
    PickupGroup.select, PickupGroup.id, groups.get_pickup_group,
    lambda data, who, group_id=None: groups.save_pickup_group(data["name"], data["members"], who, group_id),
    groups.delete_pickup_group, noun="pickup group"))
