"""Business hours (admins): schedules, their events and the manual override; the pages' services."""
import datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.business_hours import OVERRIDE_MODES, WEEKDAYS
from appliance.models.schedules import Schedule, ScheduleEvent
from appliance.services import schedule_override, schedules
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    ONE_LINE,
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
from web.api.crud import written
from web.api.extensions import NAME

blp = Blueprint("schedules", __name__, url_prefix="/api/v1/schedules",
                description="Business hours: weekly shifts, holidays, events and a manual override; a schedule is "
                            "a destination (schedule:<id>) that sends calls on by its state.")
ONE = "/api/v1/schedules/{schedule_id}"
DESTINATION = "e.g. extension:201, ring_group:600, voicemail:201, external:+551133334444, hangup"


class ShiftsSchema(Schema):
    """Per weekday, its open hours: "08:00-12:00, 13:00-18:00" (empty: closed all day)."""

    mon, tue, wed, thu, fri, sat, sun = (fields.String(load_default="", validate=[length(max=100),
                                                                                     pattern(ONE_LINE)])
                                         for _ in WEEKDAYS)


class EventSchema(Schema):
    """A one-off event: local times in the schedule's zone, and where calls go meanwhile."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    starts = fields.NaiveDateTime(required=True, metadata={"description": "Local time, e.g. 2026-12-28T08:00:00"})
    ends = fields.NaiveDateTime(required=True)
    destination = fields.String(required=True, validate=length(min=1, max=40),
                                metadata={"description": DESTINATION})


class OverrideSchema(Schema):
    """The manual override: a mode ("" automatic) and optionally when it lapses by itself."""

    mode = fields.String(required=True, validate=one_of(("", *OVERRIDE_MODES)))
    until = fields.AwareDateTime(load_default=None, allow_none=True)
    by = fields.String(dump_only=True)
    at = UtcDateTime(dump_only=True)


class ScheduleSchema(Schema):
    """A schedule as written: zone, holiday calendar, destinations, shifts, custom dates, who may switch it."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    timezone = fields.String(load_default="America/Sao_Paulo", validate=[length(max=64), pattern(ONE_LINE)],
                             metadata={"description": "An IANA time zone, e.g. America/Sao_Paulo"})
    country = fields.String(load_default="BR", validate=[length(max=8), pattern(ONE_LINE)],
                            metadata={"description": "Public holidays of this country (ISO code; empty: none)"})
    subdivision = fields.String(load_default="", validate=[length(max=40), pattern(ONE_LINE)],
                                metadata={"description": "And of this state or region (e.g. SP)"})
    open_destination = fields.String(required=True, validate=length(min=1, max=40),
                                     metadata={"description": DESTINATION})
    closed_destination = fields.String(required=True, validate=length(min=1, max=40))
    holiday_destination = fields.String(load_default="", validate=length(max=40),
                                        metadata={"description": "Empty: the closed destination"})
    shifts = fields.Nested(ShiftsSchema, load_default=dict)
    custom_dates = fields.List(fields.String(validate=[length(max=80), pattern(ONE_LINE)]),
                               validate=length(max=200), load_default=list,
                               metadata={"description": '"2026-12-24 Véspera" (that date) or "12-08 Aniversário" '
                                                        "(every year)"})
    override_extensions = fields.List(fields.String(validate=length(max=8)), validate=length(max=50),
                                      load_default=list,
                                      metadata={"description": "Extensions allowed to switch it by feature code"})

    @pre_dump
    def _written(self, schedule, **kwargs):
        data = schedules.input_of(schedule)
        return {**schedule.__data__, "shifts": {WEEKDAYS[day]: text for day, text in data.shifts.items()},
                "custom_dates": [line for line in data.custom_dates.splitlines() if line],
                "override_extensions": [n for n in schedule.override_extensions.split(",") if n]}


class ScheduleStateSchema(ScheduleSchema):
    """A schedule with its events, override, state now and next change (live: outside the ETag)."""

    events = fields.List(fields.Nested(EventSchema), dump_only=True)
    override = fields.Nested(OverrideSchema, dump_only=True)
    state = fields.String(dump_only=True, metadata={"description": "open, closed, holiday or event"})
    next_change = UtcDateTime(dump_only=True, allow_none=True)
    next_state = fields.String(dump_only=True, allow_none=True)

    @pre_dump
    def _written(self, schedule, **kwargs):
        data = super()._written(schedule)
        state, change = schedules.state_now(schedule)
        return {**data, "events": list(schedule.events.order_by(ScheduleEvent.starts)),
                "override": {"mode": schedule.override_mode, "until": _aware(schedule.override_until),
                             "by": schedule.override_by, "at": schedule.override_at},
                "state": state.state, "next_change": change[0] if change else None,
                "next_state": change[1].state if change else None}


def _aware(value):
    return value.replace(tzinfo=datetime.UTC) if value is not None else None


def _input(data):
    return schedules.ScheduleInput(
        name=data["name"], timezone=data["timezone"], country=data["country"], subdivision=data["subdivision"],
        open_destination=data["open_destination"], closed_destination=data["closed_destination"],
        holiday_destination=data["holiday_destination"],
        shifts={day: data["shifts"].get(name, "") for day, name in enumerate(WEEKDAYS)},
        custom_dates="\n".join(data["custom_dates"]), override_extensions=",".join(data["override_extensions"]))


@blp.route("")
class Schedules(MethodView):
    """The schedules, and new ones."""

    @requires(blp, "schedules:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ScheduleStateSchema))
    def get(self, args):
        """List schedules by id, each with its state now."""
        return page(ScheduleStateSchema, schedules.list_schedules().order_by(), Schedule.id, args)

    @requires(blp, "schedules:write")
    @blp.arguments(ScheduleSchema)
    @blp.response(201, ScheduleStateSchema)
    @linked(blp, 201, "schedule_id", "/id", ("GET", ONE), ("PUT", ONE), ("DELETE", ONE))
    def post(self, data):
        """Create a schedule; live once saved."""
        schedule = schedules.save_schedule(_input(data), actor())
        return respond(ScheduleStateSchema, schedule, 201, {"Location": f"{blp.url_prefix}/{schedule.id}"},
                       version=ScheduleSchema)


@blp.route(f"/<{ID}:schedule_id>")
class ScheduleItem(MethodView):
    """One schedule."""

    @requires(blp, "schedules:read")
    @blp.response(200, ScheduleStateSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, schedule_id):
        """Read a schedule with its state now (the ETag covers what a PUT writes)."""
        return respond(ScheduleStateSchema, schedules.get_schedule(schedule_id), version=ScheduleSchema)

    @requires(blp, "schedules:write")
    @blp.arguments(ScheduleSchema)
    @written(blp, 200, ScheduleStateSchema)
    def put(self, data, schedule_id):
        """Replace a schedule (its events and override stay)."""
        check_if_match(ScheduleSchema, schedules.get_schedule(schedule_id))
        schedule = schedules.save_schedule(_input(data), actor(), schedule_id)
        return respond(ScheduleStateSchema, schedule, version=ScheduleSchema)

    @requires(blp, "schedules:write")
    @written(blp, 204)
    def delete(self, schedule_id):
        """Delete a schedule; refused (422) while a route or another feature sends calls to it."""
        check_if_match(ScheduleSchema, schedules.get_schedule(schedule_id))
        schedules.delete_schedule(schedule_id, actor())
        return json_response(None, 204)


@blp.route(f"/<{ID}:schedule_id>/events")
class ScheduleEvents(MethodView):
    """A schedule's one-off events."""

    @requires(blp, "schedules:write")
    @blp.arguments(EventSchema)
    @blp.response(201, EventSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, schedule_id):
        """Add an event."""
        event = schedules.add_event(schedule_id, schedules.EventInput(
            data["name"], data["starts"].isoformat(), data["ends"].isoformat(), data["destination"]), actor())
        return json_response(EventSchema().dump(event), 201)


@blp.route(f"/<{ID}:schedule_id>/events/<{ID}:event_id>")
class ScheduleEventItem(MethodView):
    """One event."""

    @requires(blp, "schedules:write")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, schedule_id, event_id):
        """Delete an event."""
        schedules.delete_event(schedule_id, event_id, actor())
        return json_response(None, 204)


@blp.route(f"/<{ID}:schedule_id>/override")
class ScheduleOverride(MethodView):
    """The manual override (day / night / holiday switch), live on the next call."""

    @requires(blp, "schedules:write")
    @blp.arguments(OverrideSchema)
    @blp.response(200, OverrideSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def put(self, data, schedule_id):
        """Switch a schedule (mode "" : back to automatic), optionally until a moment."""
        schedule_override.set_override(schedule_id, data["mode"], actor(), data["until"])
        schedule = schedules.get_schedule(schedule_id)
        return json_response(OverrideSchema().dump({"mode": schedule.override_mode,
                                                    "until": _aware(schedule.override_until),
                                                    "by": schedule.override_by, "at": schedule.override_at}))
