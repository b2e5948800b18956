"""Call profiles (admins): what extensions may call outside and their caps; the Call profiles page's services."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.models.extensions import Extension
from appliance.models.profiles import DEFAULT_CLASSES, PERMISSION_CLASSES, CallProfile
from appliance.services import call_profiles
from web.api import recording_fields
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    JsonInteger,
    PageArgs,
    json_response,
    length,
    one_of,
    page,
    page_schema,
    pattern,
    value_range,
)
from web.api.crud import Resource, register
from web.api.outbound_routes import ROUTE_NAME

blp = Blueprint("call_profiles", __name__, url_prefix="/api/v1/call-profiles",
                description="Call profiles: which kinds of outside numbers extensions may call, and their caps.")
ONE = "/api/v1/call-profiles/{profile_id}"
CALLS = value_range(min=call_profiles.CALLS_RANGE[0], max=call_profiles.CALLS_RANGE[1])


class CallProfileSchema(Schema):
    """A profile; internal calls and emergency numbers are always allowed."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=40), pattern(ROUTE_NAME)])
    classes = fields.List(fields.String(validate=one_of(PERMISSION_CLASSES)),
                          load_default=lambda: list(DEFAULT_CLASSES), validate=length(max=len(PERMISSION_CLASSES)),
                          metadata={"description": "Kinds of outside numbers allowed (outbound routes' classes)"})
    max_external_per_extension = JsonInteger(
        load_default=2, validate=CALLS, metadata={"description": "Outside calls at once per extension; 0: no cap"})
    max_external_total = JsonInteger(
        load_default=0, validate=CALLS,
        metadata={"description": "Outside calls at once, all its extensions together; 0: no cap"})
    international_minutes_per_day = JsonInteger(
        load_default=30, validate=value_range(min=call_profiles.MINUTES_RANGE[0], max=call_profiles.MINUTES_RANGE[1]))
    recording = recording_fields.policy_field()
    recording_keep_days = recording_fields.keep_days_field(load_default=0)
    recording_prompt_id = recording_fields.prompt_field(load_default=None)
    is_default = fields.Boolean(dump_only=True,
                                metadata={"description": "New extensions, and those without one, have this profile"})
    extension_count = fields.Integer(dump_only=True)

    @pre_dump
    def _with_classes(self, profile, **kwargs):
        return {**profile.__data__, "classes": list(profile.class_list),
                "recording_prompt_id": profile.recording_prompt_id,
                "extension_count": call_profiles.members(profile).count()}


class ProfileMemberSchema(Schema):
    """An extension of the profile."""

    id = fields.Integer()
    number = fields.String()
    name = fields.String()


class ProfileApplySchema(Schema):
    """Extensions to move into the profile: numbers, or ranges of numbers of one length."""

    extensions = fields.List(fields.String(validate=[length(min=1, max=20), pattern(r"^[0-9]+(-[0-9]+)?$")]),
                             required=True, validate=length(min=1, max=200),
                             metadata={"description": 'e.g. ["201", "210-219"]'})


class ProfileMovedSchema(Schema):
    """How many extensions changed profile (those already in it are not counted)."""

    moved = fields.Integer(required=True)


def _input(data):
    return call_profiles.ProfileInput(data["name"], list(data["classes"]), data["max_external_per_extension"],
                                      data["max_external_total"], data["international_minutes_per_day"],
                                      data["recording"], data["recording_keep_days"], data["recording_prompt_id"])


register(blp, Resource(
    "CallProfile", "", "profile_id", CallProfileSchema, ("routes:read", "routes:write"),
    lambda: call_profiles.list_profiles().order_by(), CallProfile.id, call_profiles.get_profile,
    call_profiles.save_profile, call_profiles.delete_profile, to_input=_input, noun="profile",
    links=(("GET", "/extensions"), ("POST", "/extensions")),
    docs={"list": "List profiles by id, each with how many extensions have it.",
          "put": "Replace a profile; its extensions' next calls follow it.",
          "delete": "Delete a profile; refused (422) for the default one and while extensions have it."}))


@blp.route(f"/<{ID}:profile_id>/extensions")
class CallProfileExtensions(MethodView):
    """The extensions that have a profile."""

    @requires(blp, "routes:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ProfileMemberSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, profile_id):
        """List the profile's extensions by id."""
        members = call_profiles.members(call_profiles.get_profile(profile_id)).order_by()
        return page(ProfileMemberSchema, members, Extension.id, args)

    @requires(blp, "routes:write")
    @blp.arguments(ProfileApplySchema)
    @blp.response(200, ProfileMovedSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, profile_id):
        """Move extensions into the profile (live on their next call, no reload); every number must exist."""
        profile = call_profiles.get_profile(profile_id)
        found = call_profiles.extensions_named(" ".join(data["extensions"]))
        return json_response({"moved": call_profiles.apply_to_extensions(profile.id, [e.id for e in found], actor())})
