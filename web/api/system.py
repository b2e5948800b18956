"""System (admins): the audit log, and the blocks the daemon put on attackers."""
import json

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.models.bans import Ban
from appliance.services import audit, bans
from web.api.auth import actor, requires
from web.api.common import ID, PageArgs, UtcDateTime, json_response, length, naive_utc, page, page_schema, paginate

blp = Blueprint("system", __name__, url_prefix="/api/v1",
                description="The audit log, and addresses blocked after failed logins.")


class AuditEntrySchema(Schema):
    """One change: who (a person or ``token:<name>``), when, what, before and after."""

    id = fields.Integer()
    at = UtcDateTime()
    actor_name = fields.String()
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    target_name = fields.String()
    before = fields.Raw(metadata={"type": "object"})
    after = fields.Raw(metadata={"type": "object"})
    address = fields.String()


class AuditFilter(PageArgs):
    """Audit filters: the actor's name, the action, a target, a time range (UTC)."""

    actor = fields.String(load_default="", validate=length(max=64))
    action = fields.String(load_default="", validate=length(max=64))
    target = fields.String(load_default="", validate=length(max=120))
    since = fields.DateTime(load_default=None)
    until = fields.DateTime(load_default=None)


class BanSchema(Schema):
    """A block in force: an address (and a user name, for a per-user block), why, until when."""

    id = fields.Integer()
    address = fields.String()
    username = fields.String()
    service = fields.String()
    reason = fields.String()
    failures = fields.Integer()
    created_at = UtcDateTime()
    expires_at = UtcDateTime()
    enforced = fields.Boolean()


@blp.route("/audit-entries")
@requires(blp, "audit:read")
@blp.arguments(AuditFilter, location="query")
@blp.response(200, page_schema(AuditEntrySchema))
def audit_entries(args):
    """List audit entries, newest first."""
    query = audit.list_entries(actor_name=args["actor"], action=args["action"], target=args["target"],
                               since=naive_utc(args["since"]), until=naive_utc(args["until"])).order_by()
    rows, cursor = _newest_first(query, args)
    items = AuditEntrySchema(many=True).dump(
        [{**row.__data__, "before": _json(row.before), "after": _json(row.after)} for row in rows])
    return json_response({"items": items, "next_cursor": cursor})


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return {}


def _newest_first(query, args):
    return paginate(query, audit.AuditEntry.id, args, newest_first=True)


@blp.route("/bans")
@requires(blp, "bans:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(BanSchema))
def ban_list(args):
    """List the blocks in force."""
    return page(BanSchema, bans.list_bans().order_by(), Ban.id, args)


@blp.route(f"/bans/<{ID}:ban_id>", methods=["DELETE"])
@requires(blp, "bans:write")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def ban_lift(ban_id):
    """Lift a block now (the daemon takes the address out of the kernel within a second)."""
    bans.lift(ban_id, actor())
    return json_response(None, 204)
