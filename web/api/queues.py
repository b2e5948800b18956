"""Queues, pause reasons and agents (admins): the same services as the Call center pages."""
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.asterisk.confgen.queues import EXIT_KEYS, QUEUE_STRATEGIES
from appliance.models.queues import PauseReason, Queue
from appliance.services import agent_board, agents, pause_reasons, queues
from web.api import recording_fields
from web.api.auth import actor, requires
from web.api.common import (
    JsonBoolean,
    JsonInteger,
    json_response,
    length,
    one_of,
    pattern,
    value_range,
)
from web.api.crud import Resource, register
from web.api.extensions import NAME

blp = Blueprint("queues", __name__, url_prefix="/api/v1",
                description="Call-center queues, pause reasons and agents (log in/out, pause with a reason).")
NUMBER = r"^[1-9][0-9]{1,7}$"
QUEUE, REASON = "/api/v1/queues/{queue_id}", "/api/v1/pause-reasons/{reason_id}"
DESTINATION = {"description": "A destination, e.g. hangup, extension:201, voicemail:201, queue:650"}


class MemberSchema(Schema):
    """An extension in a queue."""

    number = fields.String(required=True, validate=[length(min=2, max=8), pattern(NUMBER)])
    penalty = JsonInteger(load_default=0, validate=value_range(min=0, max=99),
                             metadata={"description": "Lower rings first"})
    static = JsonBoolean(load_default=True, metadata={"description": "false: the agent logs in and out"})


class QueueSchema(Schema):
    """A queue, its overflows and members."""

    id = fields.Integer(dump_only=True)
    number = fields.String(required=True, validate=[length(min=2, max=8), pattern(NUMBER)])
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    strategy = fields.String(load_default="ringall", validate=one_of(QUEUE_STRATEGIES))
    ring_seconds = JsonInteger(load_default=15, validate=value_range(min=1, max=600))
    retry_seconds = JsonInteger(load_default=5, validate=value_range(min=0, max=600))
    wrapup_seconds = JsonInteger(load_default=0, validate=value_range(min=0, max=3600))
    max_wait_seconds = JsonInteger(load_default=0, validate=value_range(min=0, max=86400))
    timeout_destination = fields.String(load_default="hangup", validate=length(max=40), metadata=DESTINATION)
    max_callers = JsonInteger(load_default=0, validate=value_range(min=0, max=10000))
    full_destination = fields.String(load_default="hangup", validate=length(max=40), metadata=DESTINATION)
    join_empty = JsonBoolean(load_default=True)
    leave_empty = JsonBoolean(load_default=False)
    empty_destination = fields.String(load_default="hangup", validate=length(max=40), metadata=DESTINATION)
    moh_class = fields.String(load_default="default", validate=[length(max=40), pattern(r"^(default|cn-moh-[0-9]+)$")],
                              metadata={"description": "default, or cn-moh-<id> of /moh-classes/{id}"})
    announce_seconds = JsonInteger(load_default=0, validate=value_range(min=0, max=3600))
    announce_position = JsonBoolean(load_default=True)
    announce_holdtime = JsonBoolean(load_default=False)
    periodic_announce = fields.String(load_default="", validate=[length(max=64), pattern(
        r"^([A-Za-z0-9_-]{1,40}(/[A-Za-z0-9_-]{1,40}){0,2})?$")])
    periodic_seconds = JsonInteger(load_default=0, validate=value_range(min=0, max=3600))
    exit_key = fields.String(load_default="", validate=one_of(("", *EXIT_KEYS)))
    exit_destination = fields.String(load_default="hangup", validate=length(max=40), metadata=DESTINATION)
    recording = recording_fields.policy_field()
    recording_keep_days = recording_fields.keep_days_field(load_default=0)
    recording_prompt_id = recording_fields.prompt_field(load_default=None)
    members = fields.List(fields.Nested(MemberSchema), validate=length(max=queues.MAX_MEMBERS), load_default=list)

    @pre_dump
    def _with_members(self, queue, **kwargs):
        return {**queue.__data__, "recording_prompt_id": queue.recording_prompt_id,
                "members": [vars(member) for member in queues.members_of(queue)]}


class PauseReasonSchema(Schema):
    """A pause reason."""

    id = fields.Integer(dump_only=True)
    code = JsonInteger(required=True, validate=value_range(min=1, max=99),
                          metadata={"description": "Typed after the pause feature code (*47 + code)"})
    name = fields.String(required=True, validate=[length(min=1, max=40), pattern(r"^[\w .-]+$")])
    max_minutes = JsonInteger(load_default=None, allow_none=True, validate=value_range(min=1, max=1440))
    productive = JsonBoolean(load_default=False)


class AgentSchema(Schema):
    """An agent and their live state (from the engine daemon)."""

    number = fields.String(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True, validate=one_of(agent_board.STATES))
    reason = fields.String(required=True, metadata={"description": "The pause reason while paused"})
    since = fields.Integer(required=True, allow_none=True, metadata={"description": "Unix time of the state"})
    queues = fields.List(fields.String(), required=True, metadata={"description": "Queue numbers"})


class AgentListSchema(Schema):
    """Every agent."""

    items = fields.List(fields.Nested(AgentSchema), required=True)


class PauseRequestSchema(Schema):
    """Why the agent pauses."""

    reason_id = JsonInteger(load_default=None, allow_none=True, validate=value_range(min=1, max=2147483647))


def _queue_input(data):
    members = [queues.MemberInput(m["number"], m["penalty"], m["static"]) for m in data["members"]]
    return queues.QueueInput(**{key: value for key, value in data.items() if key != "members"}, members=members)


def _reason_input(data):
    return pause_reasons.PauseReasonInput(data["code"], data["name"], data["max_minutes"], data["productive"])


register(blp, Resource(
    "Queue", "/queues", "queue_id", QueueSchema, ("queues:read", "queues:write"), Queue.select, Queue.id,
    queues.get_queue, queues.save_queue, queues.delete_queue, to_input=_queue_input,
    docs={"put": "Replace a queue; callers waiting stay in it.",
          "delete": "Delete a queue; refused (422) while something still sends calls to it."}))
register(blp, Resource(
    "PauseReason", "/pause-reasons", "reason_id", PauseReasonSchema, ("queues:read", "queues:write"),
    PauseReason.select, PauseReason.id, pause_reasons.get_pause_reason, pause_reasons.save_pause_reason,
    pause_reasons.delete_pause_reason, to_input=_reason_input, noun="pause reason"))


@blp.route("/agents")
@requires(blp, "queues:read")
@blp.response(200, AgentListSchema)
def agent_list():
    """List every agent (an extension in a queue) with their live state."""
    states, _ = agent_board.read_states(current_app.config["VAR_DIR"])
    items = []
    for extension, memberships in agents.list_agents():
        state = states.get(extension.number, {})
        items.append({"number": extension.number, "name": extension.name, "state": state.get("state", "logged_out"),
                      "reason": state.get("reason", ""), "since": int(state["since"]) if state.get("since") else None,
                      "queues": [member.queue.number for member in memberships]})
    return json_response({"items": AgentSchema(many=True).dump(items)})


def _agent_action(number, do, *args):
    do(number, *args, actor())
    return json_response(None, 204)


AGENT = r"string(minlength=2, maxlength=8)"


@blp.route(f"/agents/<{AGENT}:number>/login", methods=["POST"])
@requires(blp, "agents:write")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def agent_login(number):
    """Log an agent in to every queue they are a dynamic member of."""
    return _agent_action(number, agents.login)


@blp.route(f"/agents/<{AGENT}:number>/logout", methods=["POST"])
@requires(blp, "agents:write")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def agent_logout(number):
    """Log an agent out of every queue they are a dynamic member of."""
    return _agent_action(number, agents.logout)


@blp.route(f"/agents/<{AGENT}:number>/pause", methods=["POST"])
@requires(blp, "agents:write")
@blp.arguments(PauseRequestSchema)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def agent_pause(data, number):
    """Pause an agent in every queue, with a pause reason (or none)."""
    return _agent_action(number, agents.pause, data["reason_id"])


@blp.route(f"/agents/<{AGENT}:number>/unpause", methods=["POST"])
@requires(blp, "agents:write")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def agent_unpause(number):
    """Unpause an agent in every queue."""
    return _agent_action(number, agents.unpause)
