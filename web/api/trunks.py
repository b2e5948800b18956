"""SIP trunks (admins): the same services as the Trunks pages, with each trunk's live health.

The password is write-only, as on the pages: no answer ever carries it (``password_set`` says
whether one is stored), and a change that leaves it out keeps the stored one.
"""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.asterisk.confgen import trunks as rules
from appliance.models.trunks import Trunk
from appliance.services import trunks
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    JsonBoolean,
    JsonInteger,
    PageArgs,
    UtcDateTime,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page_schema,
    paginate,
    pattern,
    respond,
    value_range,
)
from web.api.crud import written

blp = Blueprint("trunks", __name__, url_prefix="/api/v1/trunks",
                description="SIP trunks (the carriers), registered and reachable as Asterisk last reported.")

#: What a trunk's name may not contain (confgen.trunks._LABEL), so the document says it too.
LABEL = r"^[^\x00-\x1f\x7f;]*$"
REGISTRATION_STATES = ("", "registered", "unregistered", "rejected", "failed")
REACHABILITY_STATES = ("", "reachable", "unreachable")
ONE = "/api/v1/trunks/{trunk_id}"


class TrunkSchema(Schema):
    """A trunk as configured (never its password)."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(rules.KINDS)})
    enabled = fields.Boolean()
    host = fields.String()
    port = fields.Integer()
    transport = fields.String(metadata={"enum": list(rules.TRANSPORTS)})
    username = fields.String()
    password_set = fields.Boolean(metadata={"description": "Whether a password is stored (it is never shown)"})
    from_user = fields.String()
    from_domain = fields.String()
    expiry = fields.Integer()
    retry_interval = fields.Integer()
    match = fields.String(metadata={"description": "Other addresses or networks the carrier calls from, comma "
                                                   "separated"})
    codecs = fields.String(metadata={"description": "Comma separated, in order of preference"})
    dtmf_mode = fields.String(metadata={"enum": list(rules.DTMF_MODES)})
    max_channels = fields.Integer(metadata={"description": "0: no limit but the carrier's"})
    number_format = fields.String(metadata={"enum": list(rules.NUMBER_FORMATS)})
    callerid_format = fields.String(metadata={"enum": list(rules.NUMBER_FORMATS)})
    csp = fields.String(metadata={"description": "Carrier selection code"})
    area_code = fields.String()
    default_callerid = fields.String()
    nat = fields.Boolean()
    qualify_seconds = fields.Integer()
    created_at = UtcDateTime()


class TrunkHealthSchema(Schema):
    """What the daemon last heard of the trunk from Asterisk; empty states: not heard (yet), or qualify off."""

    registration = fields.String(metadata={"enum": list(REGISTRATION_STATES)})
    reachability = fields.String(metadata={"enum": list(REACHABILITY_STATES)})
    rtt_ms = fields.Float(allow_none=True, metadata={"description": "Round trip of the last check, milliseconds"})
    updated_at = UtcDateTime(allow_none=True)


class TrunkWithHealthSchema(TrunkSchema):
    """A trunk and its live health (the ETag covers the configuration only)."""

    health = fields.Nested(TrunkHealthSchema)


class TrunkChangeSchema(Schema):
    """Fields to change; those left out keep their value (the password too)."""

    name = fields.String(validate=[length(min=1, max=40), pattern(LABEL)])
    kind = fields.String(validate=one_of(rules.KINDS),
                         metadata={"description": "registration: user name and password; ip: no registration"})
    enabled = JsonBoolean()
    host = fields.String(validate=length(min=1, max=253), metadata={"description": "An IP address or a host name"})
    port = JsonInteger(validate=value_range(min=trunks.PORT_RANGE[0], max=trunks.PORT_RANGE[1]))
    transport = fields.String(validate=one_of(rules.TRANSPORTS))
    username = fields.String(validate=length(max=64))
    password = fields.String(load_only=True, validate=length(max=128),
                             metadata={"description": "Write-only: never shown; left out keeps the stored one, "
                                                      "empty removes it"})
    from_user = fields.String(validate=length(max=64))
    from_domain = fields.String(validate=length(max=253))
    expiry = JsonInteger(validate=value_range(min=trunks.EXPIRY_RANGE[0], max=trunks.EXPIRY_RANGE[1]))
    retry_interval = JsonInteger(validate=value_range(min=trunks.RETRY_RANGE[0], max=trunks.RETRY_RANGE[1]))
    match = fields.String(validate=length(max=500),
                          metadata={"description": "Addresses, networks or host names, comma separated"})
    codecs = fields.String(validate=[length(min=1, max=100), pattern(r"^[a-z0-9, ]*$")],
                           metadata={"description": f"Comma separated, among {', '.join(rules.CODECS)}"})
    dtmf_mode = fields.String(validate=one_of(rules.DTMF_MODES))
    max_channels = JsonInteger(validate=value_range(min=trunks.CHANNELS_RANGE[0], max=trunks.CHANNELS_RANGE[1]))
    number_format = fields.String(validate=one_of(rules.NUMBER_FORMATS))
    callerid_format = fields.String(validate=one_of(rules.NUMBER_FORMATS))
    csp = fields.String(validate=[length(max=2), pattern(r"^[0-9]*$")])
    area_code = fields.String(validate=[length(max=2), pattern(r"^[0-9]*$")])
    default_callerid = fields.String(validate=length(max=20), metadata={"description": "E.164, e.g. +551133334444"})
    nat = JsonBoolean()
    qualify_seconds = JsonInteger(validate=value_range(min=trunks.QUALIFY_RANGE[0], max=trunks.QUALIFY_RANGE[1]))


class TrunkCreateSchema(TrunkChangeSchema):
    """A new trunk: a name and the carrier's address; the rest has the pages' defaults."""

    name = fields.String(required=True, validate=[length(min=1, max=40), pattern(LABEL)])
    host = fields.String(required=True, validate=length(min=1, max=253),
                         metadata={"description": "An IP address or a host name"})


def _row(trunk, status):
    """Return what the schemas dump of ``trunk`` and its TrunkStatus row (None: not heard of)."""
    health = {"registration": status.registration, "reachability": status.reachability, "rtt_ms": status.rtt_ms,
              "updated_at": status.updated_at} if status else {
        "registration": "", "reachability": "", "rtt_ms": None, "updated_at": None}
    return {**trunk.public_fields(), "id": trunk.id, "created_at": trunk.created_at, "health": health}


def _one(trunk_id):
    trunk = trunks.get_trunk(trunk_id)
    return _row(trunk, trunks.status_of([trunk]).get(trunk.id))


def _respond(trunk_id, status=200, headers=None):
    return respond(TrunkWithHealthSchema, _one(trunk_id), status, headers, version=TrunkSchema)


@blp.route("")
class Trunks(MethodView):
    """The list of trunks, and new ones."""

    @requires(blp, "trunks:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(TrunkWithHealthSchema))
    def get(self, args):
        """List trunks by id, each with its registration, reachability and round trip."""
        rows, cursor = paginate(Trunk.select(), Trunk.id, args)
        health = trunks.status_of(rows)
        items = TrunkWithHealthSchema(many=True).dump([_row(trunk, health.get(trunk.id)) for trunk in rows])
        return json_response({"items": items, "next_cursor": cursor})

    @requires(blp, "trunks:write")
    @blp.arguments(TrunkCreateSchema)
    @blp.response(201, TrunkWithHealthSchema)
    @linked(blp, 201, "trunk_id", "/id", ("GET", ONE), ("PATCH", ONE), ("DELETE", ONE))
    def post(self, data):
        """Create a trunk; live once saved (a registration trunk registers)."""
        trunk = trunks.save_trunk(trunks.TrunkInput(**data), actor())
        return _respond(trunk.id, 201, {"Location": f"{blp.url_prefix}/{trunk.id}"})


@blp.route(f"/<{ID}:trunk_id>")
class TrunkItem(MethodView):
    """One trunk."""

    @requires(blp, "trunks:read")
    @blp.response(200, TrunkWithHealthSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, trunk_id):
        """Read a trunk and its health (the ETag covers the configuration only)."""
        return _respond(trunk_id)

    @requires(blp, "trunks:write")
    @blp.arguments(TrunkChangeSchema)
    @written(blp, 200, TrunkWithHealthSchema)
    def patch(self, data, trunk_id):
        """Change a trunk; fields left out keep their value, the password included."""
        trunk = trunks.get_trunk(trunk_id)
        check_if_match(TrunkSchema, _one(trunk_id))
        values = {name: data.get(name, getattr(trunk, name)) for name in trunks.input_fields()}
        values["password"] = data.get("password")  # None keeps the stored one
        trunks.save_trunk(trunks.TrunkInput(**values), actor(), trunk_id)
        return _respond(trunk_id)

    @requires(blp, "trunks:write")
    @written(blp, 204)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def delete(self, trunk_id):
        """Delete a trunk; refused (422) while an outbound route sends calls to it."""
        check_if_match(TrunkSchema, _one(trunk_id))
        trunks.delete_trunk(trunk_id, actor())
        return json_response(None, 204)
