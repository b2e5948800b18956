"""Ring groups (one number ringing several extensions) and pickup groups (who may answer whose calls)."""
from dataclasses import dataclass, field

from appliance import destinations
from appliance.asterisk.confgen.types import RING_STRATEGIES
from appliance.db import database
from appliance.destinations import referrers
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension, PickupGroup, PickupGroupMember, RingGroup, RingGroupMember
from appliance.services import audit, engine_sync, numbering
from appliance.services.extensions import NAME_FORBIDDEN, SECONDS_IN_RANGE, clean_name, in_range

SECONDS_RANGE = (3, 300)
MAX_MEMBERS = 50


@dataclass
class RingGroupInput:
    """What an admin types for a ring group; ``members`` are extension numbers in hunt order."""

    number: str
    name: str
    strategy: str = "ringall"
    ring_seconds: int = 20
    member_seconds: int = 15
    destination: str = "hangup"
    members: list = field(default_factory=list)


def get_ring_group(group_id):
    """Return the ring group with ``group_id`` or raise NotFound."""
    group = RingGroup.get_or_none(RingGroup.id == group_id)
    if group is None:
        raise NotFound(N_("Ring group not found."))
    return group


def list_ring_groups():
    """Return every ring group, by number."""
    return RingGroup.select().order_by(RingGroup.number)


def member_numbers(group):
    """Return the extension numbers of ``group`` in hunt order."""
    query = (RingGroupMember.select(RingGroupMember, Extension).join(Extension)
             .where(RingGroupMember.group == group).order_by(RingGroupMember.position))
    return [member.extension.number for member in query]


def _validate(data, group_id, errors):
    data.number = numbering.clean_internal_number(data.number, errors)
    numbering.claim(data.number, errors, mine=("ring_group", group_id))
    data.name = clean_name(data.name, errors)
    if data.strategy not in RING_STRATEGIES:
        errors["strategy"] = (N_("Choose a strategy from the list."), {})
    data.ring_seconds = in_range(data.ring_seconds, "ring_seconds", SECONDS_RANGE, errors, SECONDS_IN_RANGE)
    data.member_seconds = in_range(data.member_seconds, "member_seconds", SECONDS_RANGE, errors, SECONDS_IN_RANGE)
    numbers = [n.strip() for n in data.members if n and n.strip()]
    if len(numbers) != len(set(numbers)):
        errors["members"] = (N_("An extension is listed twice."), {})
    elif len(numbers) > MAX_MEMBERS:
        errors["members"] = (N_("A group has at most %(max)d members."), {"max": MAX_MEMBERS})
    found = {e.number: e for e in Extension.select().where(Extension.number.in_(numbers))} if numbers else {}
    missing = [n for n in numbers if n not in found]
    if missing and "members" not in errors:
        errors["members"] = (N_("No such extension: %(numbers)s."), {"numbers": ", ".join(missing)})
    data.members = numbers
    destination = destinations.find(data.destination or "hangup")
    if destination is None or not destination.exists() or (
            destination.kind == "ring_group" and destination.target == data.number):
        errors["destination"] = (N_("Choose where unanswered calls go from the list."), {})
    else:
        data.destination = str(destination)
    return found


def _save_members(group, numbers, extensions):
    RingGroupMember.delete().where(RingGroupMember.group == group).execute()
    for position, number in enumerate(numbers):
        RingGroupMember.create(group=group, extension=extensions[number], position=position)


def _fields(data):
    return {"number": data.number, "name": data.name, "strategy": data.strategy, "ring_seconds": data.ring_seconds,
            "member_seconds": data.member_seconds, "destination": data.destination}


def _public(group):
    return {"number": group.number, "name": group.name, "strategy": group.strategy,
            "ring_seconds": group.ring_seconds, "member_seconds": group.member_seconds,
            "destination": group.destination, "members": member_numbers(group)}


def save_ring_group(data, actor, group_id=None):
    """Create (``group_id`` None) or replace a ring group; the dialplan follows after commit."""
    with database.atomic():
        group = get_ring_group(group_id) if group_id is not None else None
        errors = {}
        extensions = _validate(data, group_id, errors)
        if errors:
            raise ValidationError(errors)
        before = _public(group) if group else None
        if group is None:
            group = RingGroup.create(**_fields(data))
        else:
            for key, value in _fields(data).items():
                setattr(group, key, value)
            group.save()
        _save_members(group, data.members, extensions)
        audit.record(actor, "ring_group.update" if before else "ring_group.create", "ring_group", group.id,
                     group.number, before=before, after=_public(group))
        engine_sync.request([], files=True)
    return group


def delete_ring_group(group_id, actor):
    """Delete a ring group; refused while another group sends unanswered calls to it."""
    with database.atomic():
        group = get_ring_group(group_id)
        referrers.refuse_if_used(destinations.of_number(group.number), "number")
        audit.record(actor, "ring_group.delete", "ring_group", group.id, group.number, before=_public(group))
        group.delete_instance(recursive=True)
        engine_sync.request([], files=True)


# -- pickup groups


def list_pickup_groups():
    """Return every pickup group, by name."""
    return PickupGroup.select().order_by(PickupGroup.name)


def get_pickup_group(group_id):
    """Return the pickup group with ``group_id`` or raise NotFound."""
    group = PickupGroup.get_or_none(PickupGroup.id == group_id)
    if group is None:
        raise NotFound(N_("Pickup group not found."))
    return group


def pickup_members(group):
    """Return the extension numbers in a pickup group."""
    query = (PickupGroupMember.select(PickupGroupMember, Extension).join(Extension)
             .where(PickupGroupMember.group == group).order_by(Extension.number))
    return [member.extension.number for member in query]


def save_pickup_group(name, numbers, actor, group_id=None):
    """Create or replace a pickup group of extensions ``numbers``; their devices' rows follow (no reload)."""
    name = (name or "").strip()
    numbers = sorted({n.strip() for n in numbers if n and n.strip()})
    errors = {}
    if not name:
        errors["name"] = (N_("Enter a name."), {})
    elif len(name) > 40 or NAME_FORBIDDEN.search(name):
        errors["name"] = (N_("Use at most %(max)d characters, without quotes, < > \\ or ;."), {"max": 40})
    with database.atomic():
        group = get_pickup_group(group_id) if group_id is not None else None
        clash = PickupGroup.select().where(PickupGroup.name == name)
        if group is not None:
            clash = clash.where(PickupGroup.id != group.id)
        if "name" not in errors and clash.exists():
            errors["name"] = (N_("A pickup group with this name exists."), {})
        found = {e.number: e for e in Extension.select().where(Extension.number.in_(numbers))} if numbers else {}
        missing = [n for n in numbers if n not in found]
        if missing:
            errors["members"] = (N_("No such extension: %(numbers)s."), {"numbers": ", ".join(missing)})
        if errors:
            raise ValidationError(errors)
        before = {"name": group.name, "members": pickup_members(group)} if group else None
        if group is None:
            group = PickupGroup.create(name=name)
        else:
            group.name = name
            group.save()
        old = set(before["members"]) if before else set()
        PickupGroupMember.delete().where(PickupGroupMember.group == group).execute()
        for number in numbers:
            PickupGroupMember.create(group=group, extension=found[number])
        audit.record(actor, "pickup_group.update" if before else "pickup_group.create", "pickup_group", group.id,
                     name, before=before, after={"name": name, "members": numbers})
        engine_sync.request([], files=False, numbers=sorted(old | set(numbers)))
    return group


def delete_pickup_group(group_id, actor):
    """Delete a pickup group; its members' devices stop sharing calls."""
    with database.atomic():
        group = get_pickup_group(group_id)
        members = pickup_members(group)
        audit.record(actor, "pickup_group.delete", "pickup_group", group.id, group.name,
                     before={"name": group.name, "members": members})
        group.delete_instance(recursive=True)
        engine_sync.request([], files=False, numbers=members)
