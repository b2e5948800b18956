"""Callbacks: ask the PBX to call a customer back (agent first), follow each request's state, cancel one."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.models.callbacks import STATUSES, Callback
from appliance.services import callbacks
from web.api.auth import actor, requires
from web.api.common import ID, PageArgs, UtcDateTime, length, one_of, page, page_schema, pattern, respond, value_range

blp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks",
                description="Callbacks: the agent is rung first, then the customer; retried when busy or unanswered.")


class CallbackSchema(Schema):
    """A callback request and where it stands."""

    id = fields.Integer(dump_only=True)
    number = fields.String(required=True, validate=length(min=3, max=40),
                           metadata={"description": "The customer's number, dialled as an extension would"})
    agent = fields.String(required=True, validate=[length(min=1, max=8), pattern(r"^[0-9]+$")],
                          metadata={"description": "Who calls back: an extension or queue number"})
    reason = fields.String(load_default="", validate=[length(max=40), pattern(r"^[\w .\-/]*$")],
                           metadata={"description": "Shown to the agent as the caller's name"})
    due_at = UtcDateTime(load_default=None, allow_none=True,
                         metadata={"description": "First attempt (with a time zone); absent: at once"})
    schedule_id = fields.Integer(load_default=None, allow_none=True, validate=value_range(min=1, max=2147483647),
                                 metadata={"description": "Attempts only inside these business hours"})
    max_attempts = fields.Integer(load_default=3, validate=value_range(min=1, max=10))
    retry_seconds = fields.Integer(load_default=300, validate=value_range(min=5, max=86400))
    source = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "pending, calling, done or failed"})
    attempts = fields.Integer(dump_only=True)
    last_result = fields.String(dump_only=True)
    failure = fields.String(dump_only=True, metadata={"description": "Why it failed for good"})
    created_at = UtcDateTime(dump_only=True)


class CallbackFilter(PageArgs):
    """Callbacks of one state only."""

    status = fields.String(load_default="", validate=one_of(("", *STATUSES)))


class _Out(CallbackSchema):
    """A callback as read: its agent as the number it was asked with (stored as "extension:201")."""

    agent = fields.Function(lambda row: row.agent.partition(":")[2])


@blp.route("")
@requires(blp, "callbacks:read")
@blp.arguments(CallbackFilter, location="query")
@blp.response(200, page_schema(_Out))
def callbacks_list(args):
    """List callbacks by id, optionally of one status."""
    query = Callback.select()
    if args["status"]:
        query = query.where(Callback.status == args["status"])
    return page(_Out, query, Callback.id, args)


@blp.route("", methods=["POST"])
@requires(blp, "callbacks:write")
@blp.arguments(CallbackSchema)
@blp.response(201, _Out)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def callback_create(data):
    """Ask for a callback: pending until it is due (and inside business hours when a schedule is named)."""
    fields_ = {key: data[key] for key in ("number", "agent", "reason", "due_at", "schedule_id", "max_attempts",
                                          "retry_seconds")}
    row = callbacks.request(callbacks.CallbackInput(**fields_), actor(), source="api")
    return respond(_Out, row, 201, {"Location": f"{blp.url_prefix}/{row.id}"})


@blp.route(f"/<{ID}:callback_id>")
@requires(blp, "callbacks:read")
@blp.response(200, _Out)
@blp.alt_response(404, response="NOT_FOUND")
def callback_read(callback_id):
    """Read one callback and its state."""
    return respond(_Out, callbacks.get_callback(callback_id))


@blp.route(f"/<{ID}:callback_id>/cancel", methods=["POST"])
@requires(blp, "callbacks:write")
@blp.response(200, _Out)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def callback_cancel(callback_id):
    """Cancel a pending callback (one already calling ends by itself)."""
    return respond(_Out, callbacks.cancel(callback_id, actor()))
