"""Conference rooms: their number (claimed in the numbering plan), PINs and who waits for a moderator.

A saved room is compiled to confbridge.conf and the dialplan after commit. Who is in a room is
ConfBridge's live state (services/conference_board.py publishes it); an admin mutes, kicks and
locks through the engine adapter here, each action audited.
"""
from dataclasses import dataclass

from appliance import destinations
from appliance.asterisk import control
from appliance.asterisk.ami import AmiActionFailed, AmiUnavailable
from appliance.asterisk.confgen.conferences import PIN
from appliance.asterisk.names import conference_name
from appliance.db import database
from appliance.destinations import referrers
from appliance.errors import NotFound, Unavailable, ValidationError
from appliance.i18n import N_
from appliance.models.conferences import ConferenceRoom
from appliance.services import audit, engine_sync, numbering
from appliance.services.extensions import clean_name, in_range

#: The most participants a room may be limited to (0: no limit).
MAX_MEMBERS = (0, 1000)


@dataclass
class RoomInput:
    """What an admin types for a conference room."""

    number: str
    name: str
    pin: str = ""
    moderator_pin: str = ""
    wait_for_moderator: bool = False
    max_members: int = 0
    video: bool = True
    announce: bool = True


def get_room(room_id):
    """Return the room with ``room_id`` or raise NotFound."""
    room = ConferenceRoom.get_or_none(ConferenceRoom.id == room_id)
    if room is None:
        raise NotFound(N_("Conference room not found."))
    return room


def find_room_by_number(number):
    """Return the room dialled as ``number``, or None."""
    return ConferenceRoom.get_or_none(ConferenceRoom.number == number)


def list_rooms():
    """Return every room, by number."""
    return ConferenceRoom.select().order_by(ConferenceRoom.number)


def _clean_pin(value, field, errors):
    value = (value or "").strip()
    if value and not PIN.fullmatch(value):
        errors[field] = (N_("Use 1 to 12 digits, or leave it empty."), {})
    return value


def _validate(data, room_id, errors):
    data.number = numbering.clean_internal_number(data.number, errors)
    numbering.claim(data.number, errors, mine=("conference", room_id))
    data.name = clean_name(data.name, errors)
    data.pin = _clean_pin(data.pin, "pin", errors)
    data.moderator_pin = _clean_pin(data.moderator_pin, "moderator_pin", errors)
    if "moderator_pin" not in errors and data.moderator_pin and data.moderator_pin == data.pin:
        errors["moderator_pin"] = (N_("The moderator PIN must differ from the participants' PIN."), {})
    data.wait_for_moderator = bool(data.wait_for_moderator)
    if data.wait_for_moderator and not data.moderator_pin and "moderator_pin" not in errors:
        errors["moderator_pin"] = (N_("Waiting for a moderator needs a moderator PIN."), {})
    data.max_members = in_range(data.max_members, "max_members", MAX_MEMBERS, errors)
    data.video, data.announce = bool(data.video), bool(data.announce)


_FIELDS = ("number", "name", "pin", "moderator_pin", "wait_for_moderator", "max_members", "video", "announce")


def public(room):
    """Return what the audit log records of ``room``: its fields, the PINs only as set or not."""
    fields = {name: getattr(room, name) for name in _FIELDS if "pin" not in name}
    return {**fields, "pin_set": bool(room.pin), "moderator_pin_set": bool(room.moderator_pin)}


def save_room(data, actor, room_id=None):
    """Create (``room_id`` None) or replace a room; confbridge.conf and the dialplan follow."""
    with database.atomic():
        room = get_room(room_id) if room_id is not None else None
        errors = {}
        _validate(data, room_id, errors)
        if errors:
            raise ValidationError(errors)
        before = public(room) if room else None
        values = {name: getattr(data, name) for name in _FIELDS}
        if room is None:
            room = ConferenceRoom.create(**values)
        else:
            for key, value in values.items():
                setattr(room, key, value)
            room.save()
        audit.record(actor, "conference.update" if before else "conference.create", "conference", room.id,
                     room.number, before=before, after=public(room))
        engine_sync.request([], files=True)
    return room


def delete_room(room_id, actor):
    """Delete a room; refused while something still sends calls to it."""
    with database.atomic():
        room = get_room(room_id)
        referrers.refuse_if_used(destinations.of_number(room.number), "number")
        audit.record(actor, "conference.delete", "conference", room.id, room.number, before=public(room))
        room.delete_instance()
        engine_sync.request([], files=True)


def _engine():
    engine = control.current()
    if engine is None:
        raise Unavailable(N_("The telephony engine is not running."))
    return engine


def _participant(room, channel):
    """Return ``channel`` as ConfBridge lists it in ``room`` now, or raise NotFound (gone, or never there).

    The channel name comes from the page: it must be one of this room's participants, so no other
    call can be named through it.
    """
    try:
        running = _engine().conferences().get(conference_name(room.id), {"participants": []})
    except AmiUnavailable as exc:
        raise Unavailable(N_("The telephony engine is not running.")) from exc
    for participant in running["participants"]:
        if participant.get("Channel") == channel:
            return participant
    raise NotFound(N_("That participant is no longer in the room."))


def _act(action, *args):
    try:
        action(*args)
    except AmiActionFailed as exc:  # left between the check and the action
        raise NotFound(N_("That participant is no longer in the room.")) from exc
    except AmiUnavailable as exc:
        raise Unavailable(N_("The telephony engine is not running.")) from exc


def mute(room_id, channel, muted, actor):
    """Mute (or unmute) one participant of a room: the others stop (or start) hearing them."""
    room = get_room(room_id)
    participant = _participant(room, channel)
    _act(_engine().conference_mute, conference_name(room.id), channel, muted)
    with database.atomic():
        audit.record(actor, "conference.mute" if muted else "conference.unmute", "conference", room.id,
                     room.number, after={"participant": participant.get("CallerIDNum", ""), "channel": channel})


def kick(room_id, channel, actor):
    """Take one participant out of a room (their call ends)."""
    room = get_room(room_id)
    participant = _participant(room, channel)
    _act(_engine().conference_kick, conference_name(room.id), channel)
    with database.atomic():
        audit.record(actor, "conference.kick", "conference", room.id, room.number,
                     after={"participant": participant.get("CallerIDNum", ""), "channel": channel})


def lock(room_id, locked, actor):
    """Lock (nobody else may join) or unlock a running room."""
    room = get_room(room_id)
    try:
        running = conference_name(room.id) in _engine().conferences()
    except AmiUnavailable as exc:
        raise Unavailable(N_("The telephony engine is not running.")) from exc
    if not running:
        raise NotFound(N_("Nobody is in the room."))
    _act(_engine().conference_lock, conference_name(room.id), locked)
    with database.atomic():
        audit.record(actor, "conference.lock" if locked else "conference.unlock", "conference", room.id,
                     room.number)
