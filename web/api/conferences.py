"""Conference rooms (their settings, who is in, mute/kick/lock, guest links) and Jitsi meetings (admins).

The same services as the Telephony pages; live participants come from the daemon's board.
"""
import datetime

from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.models.conferences import ConferenceRoom
from appliance.models.meetings import JitsiMeeting
from appliance.services import conference_board, conference_guests, conferences, meetings
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    JsonBoolean,
    JsonInteger,
    PageArgs,
    UtcDateTime,
    json_response,
    length,
    page,
    page_schema,
    pattern,
    respond,
    value_range,
)
from web.api.crud import Resource, register
from web.api.extensions import NAME

blp = Blueprint("conferences", __name__, url_prefix="/api/v1",
                description="Conference rooms (ConfBridge): settings, participants, moderation, guest links; "
                            "Jitsi Meet meetings.")
NUMBER = r"^[1-9][0-9]{1,7}$"
PIN = r"^[0-9]{0,12}$"
CHANNEL = r"^PJSIP/[A-Za-z0-9_.@+-]{1,80}-[0-9a-f]{8}$"


class RoomSchema(Schema):
    """A conference room."""

    id = fields.Integer(dump_only=True)
    number = fields.String(required=True, validate=[length(min=2, max=8), pattern(NUMBER)])
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    pin = fields.String(load_default="", validate=pattern(PIN), metadata={"description": "Participants' PIN"})
    moderator_pin = fields.String(load_default="", validate=pattern(PIN))
    wait_for_moderator = JsonBoolean(load_default=False)
    max_members = JsonInteger(load_default=0, validate=value_range(min=0, max=1000))
    video = JsonBoolean(load_default=True, metadata={"description": "SFU video for browser participants"})
    announce = JsonBoolean(load_default=True)


class ParticipantSchema(Schema):
    """Someone in a room now."""

    channel = fields.String(required=True, metadata={"description": "Names them in mute and kick"})
    number = fields.String(required=True)
    name = fields.String(required=True)
    moderator = fields.Boolean(required=True)
    muted = fields.Boolean(required=True)
    waiting = fields.Boolean(required=True, metadata={"description": "Waiting for the moderator"})


class LiveRoomSchema(Schema):
    """Who is in a room now (from the engine daemon)."""

    locked = fields.Boolean(required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)


class ParticipantActionSchema(Schema):
    """One participant, by the channel the participants list gave."""

    channel = fields.String(required=True, validate=[length(max=100), pattern(CHANNEL)])


class MuteSchema(ParticipantActionSchema):
    """Mute or unmute one participant."""

    muted = JsonBoolean(load_default=True)


class LockSchema(Schema):
    """Lock or unlock a room."""

    locked = JsonBoolean(load_default=True)


class GuestLinkRequestSchema(Schema):
    """How long an invitation link works."""

    hours = JsonInteger(load_default=24, validate=value_range(min=1, max=conference_guests.MAX_LINK_HOURS))


class GuestLinkSchema(Schema):
    """An invitation link for guests without an account (shown once; not stored)."""

    url = fields.String(required=True)
    expires_at = UtcDateTime(required=True)


class MeetingSchema(Schema):
    """A Jitsi Meet meeting."""

    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=length(min=1, max=120))
    starts_at = fields.AwareDateTime(required=True, format="iso")
    duration_minutes = JsonInteger(load_default=60, load_only=True, validate=value_range(min=5, max=1440))
    ends_at = UtcDateTime(dump_only=True)
    room_name = fields.String(dump_only=True)
    dialin_pin = fields.String(dump_only=True)
    organizer_email = fields.String(load_default="", validate=length(max=254))
    invitees = fields.List(fields.String(validate=length(max=254)), load_default=list,
                           validate=length(max=meetings.MAX_INVITEES))


class InvitationsSchema(Schema):
    """How many invitations were mailed."""

    sent = fields.Integer(required=True)


register(blp, Resource(
    "ConferenceRoom", "/conference-rooms", "room_id", RoomSchema, ("conferences:read", "conferences:write"),
    ConferenceRoom.select, ConferenceRoom.id, conferences.get_room, conferences.save_room, conferences.delete_room,
    to_input=lambda data: conferences.RoomInput(**data), noun="conference room",
    docs={"delete": "Delete a conference room; refused (422) while something still sends calls to it."}))

ROOM = f"/conference-rooms/<{ID}:room_id>"


@blp.route(f"{ROOM}/participants")
@requires(blp, "conferences:read")
@blp.response(200, LiveRoomSchema)
@blp.alt_response(404, response="NOT_FOUND")
def room_participants(room_id):
    """List who is in the room now, and whether it is locked."""
    room = conferences.get_room(room_id)
    locked, participants, _ = conference_board.read_room(current_app.config["VAR_DIR"], room.id)
    return json_response(LiveRoomSchema().dump({"locked": locked, "participants": participants}))


@blp.route(f"{ROOM}/participants/mute", methods=["POST"])
@requires(blp, "conferences:write")
@blp.arguments(MuteSchema)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def room_mute(data, room_id):
    """Mute (or unmute) one participant of the room."""
    conferences.mute(room_id, data["channel"], data["muted"], actor())
    return json_response(None, 204)


@blp.route(f"{ROOM}/participants/kick", methods=["POST"])
@requires(blp, "conferences:write")
@blp.arguments(ParticipantActionSchema)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def room_kick(data, room_id):
    """Take one participant out of the room."""
    conferences.kick(room_id, data["channel"], actor())
    return json_response(None, 204)


@blp.route(f"{ROOM}/lock", methods=["POST"])
@requires(blp, "conferences:write")
@blp.arguments(LockSchema)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def room_lock(data, room_id):
    """Lock (or unlock) the room while people are in it."""
    conferences.lock(room_id, data["locked"], actor())
    return json_response(None, 204)


@blp.route(f"{ROOM}/guest-links", methods=["POST"])
@requires(blp, "conferences:write")
@blp.arguments(GuestLinkRequestSchema)
@blp.response(201, GuestLinkSchema)
@blp.alt_response(404, response="NOT_FOUND")
def room_guest_link(data, room_id):
    """Create an invitation link for guests without an account; it works until ``expires_at``."""
    token, expires_at = conference_guests.issue_link(room_id, data["hours"], actor(),
                                                     current_app.config["SECRET_KEY"])
    link = url_for("join.guest_join", token=token, _external=True)
    return json_response(GuestLinkSchema().dump({"url": link, "expires_at": expires_at}), 201)


def _jitsi():
    return meetings.JitsiConfig.from_settings(current_app.config)


@blp.route("/meetings")
class Meetings(MethodView):
    """Jitsi meetings, and new ones."""

    @requires(blp, "conferences:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(MeetingSchema))
    def get(self, args):
        """List meetings by id."""
        return page(MeetingSchema, JitsiMeeting.select(), JitsiMeeting.id, args)

    @requires(blp, "conferences:write")
    @blp.arguments(MeetingSchema)
    @blp.response(201, MeetingSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def post(self, data):
        """Create a meeting (a random room name and dial-in PIN); 503 when no Jitsi server is configured."""
        meeting = meetings.save_meeting(meetings.MeetingInput(**data), actor(), _jitsi())
        return respond(MeetingSchema, _dumpable(meeting), 201, {"Location": f"{blp.url_prefix}/meetings/{meeting.id}"})


def _dumpable(meeting):
    return {**meeting.__data__, "starts_at": meeting.starts_at.replace(tzinfo=datetime.UTC),
            "ends_at": meeting.ends_at.replace(tzinfo=datetime.UTC), "invitees": meetings.invitees_of(meeting)}


@blp.route(f"/meetings/<{ID}:meeting_id>")
class MeetingItem(MethodView):
    """One meeting."""

    @requires(blp, "conferences:read")
    @blp.response(200, MeetingSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, meeting_id):
        """Read a meeting."""
        return respond(MeetingSchema, _dumpable(meetings.get_meeting(meeting_id)))

    @requires(blp, "conferences:write")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, meeting_id):
        """Delete a meeting (links already sent work until they expire)."""
        meetings.delete_meeting(meeting_id, actor())
        return json_response(None, 204)


@blp.route(f"/meetings/<{ID}:meeting_id>/invitations", methods=["POST"])
@requires(blp, "conferences:write")
@blp.response(200, InvitationsSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def meeting_invitations(meeting_id):
    """E-mail every invitee their own signed link with the meeting as an .ics."""
    sent = meetings.send_invitations(meeting_id, _jitsi(), actor())
    return json_response({"sent": sent})
