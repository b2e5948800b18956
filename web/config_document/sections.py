"""The sections of the configuration document: each one the API's resource, keyed by its natural key.

A section dumps its rows with the API's schema and loads the document's items with a subclass of
that schema: the same fields, types and checks, minus ids and computed fields, and with the
references (destinations at menus or schedules, prompts, trunks, profiles) written by name
(``references.py``). Writes go through the same services as the pages and the API.
"""
import dataclasses
import re

import peewee
from marshmallow import Schema, fields

from appliance import passwords
from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.models.blocklist import BlockedNumber
from appliance.models.extensions import Extension
from appliance.models.groups import PickupGroup, RingGroup
from appliance.models.inbound_routes import InboundRoute
from appliance.models.ivr import Ivr
from appliance.models.profiles import CallProfile
from appliance.models.queues import Queue
from appliance.models.schedules import Schedule
from appliance.models.trunks import Trunk
from appliance.services import (
    blocklist,
    call_profiles,
    extensions,
    groups,
    inbound_routes,
    ivrs,
    outbound_routes,
    queues,
    schedules,
    trunks,
)
from web.api import blocklist as blocklist_api
from web.api import call_profiles as profiles_api
from web.api import extensions as extensions_api
from web.api import groups as groups_api
from web.api import inbound_routes as inbound_api
from web.api import ivrs as ivrs_api
from web.api import outbound_routes as outbound_api
from web.api import queues as queues_api
from web.api import recording_fields
from web.api import schedules as schedules_api
from web.api import trunks as trunks_api
from web.api.common import length
from web.config_document import references as refs

#: A destination written by name ("ivr:Main menu"): longer than the stored "ivr:12".
DESTINATION_LENGTH = 80


def _destination(**kwargs):
    return fields.String(validate=length(max=DESTINATION_LENGTH), **kwargs)


def _prompt():
    return fields.String(load_default=None, allow_none=True, validate=length(max=64),
                         metadata={"description": "A prompt's name (its sound must be on the box)"})


def _ordered(data, first):
    """Return ``data`` with the ``first`` keys first, then the others by name, nested mappings by key too."""
    def plain(value):
        if isinstance(value, dict):
            return {key: plain(value[key]) for key in sorted(value, key=str)}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    rest = sorted(key for key in data if key not in first)
    return {key: plain(data[key]) for key in (*first, *rest) if key in data}


class Section:
    """One list of the document; subclasses fill in the attributes and the service calls."""

    #: The document's key, e.g. "ring_groups".
    name = ""
    #: The item fields that name a row (its natural key), written first.
    key = ("name",)
    #: The schema loading one item (the API's, with references by name).
    schema: type[Schema] = None
    #: Fields set to harmless values when the row is created before the rows it points at exist
    #: (menus and schedules point at each other); None: created in one step.
    placeholder = None

    def rows(self):
        """Return the rows, in the document's order."""
        raise NotImplementedError

    def dump(self, row):
        """Return ``row`` as the document writes it (before ordering)."""
        raise NotImplementedError

    def resolve(self, item, path, errors):
        """Return a loaded item with its references turned into ids (errors at ``path``.<field>)."""
        return dict(item)

    def save(self, data, actor, row=None):
        """Create (``row`` None) or replace a row from a resolved item; return (row, notes)."""
        raise NotImplementedError

    def remove(self, row, actor):
        """Delete ``row``."""
        raise NotImplementedError

    def export(self, row):
        """Return ``row`` as a document item."""
        return _ordered(self.dump(row), self.key)

    def key_of(self, item):
        """Return the natural key of a loaded item or an exported one."""
        return tuple(item.get(field) for field in self.key)

    def label(self, key):
        """Return the natural key in words, for the answer."""
        return " ".join(str(part) for part in key if part not in (None, ""))

    def field_path(self, name):
        """Return where a service's field ``name`` is in an item (the API's field names, mostly the same)."""
        return name

    def differs(self, row, item):
        """Tell whether ``item`` says something the stored row does not (beyond the schema's fields)."""
        return False


def _drop(data, *names):
    for name in names:
        data.pop(name, None)
    return data


# Call profiles --------------------------------------------------------------------------------------------------

class CallProfileDoc(profiles_api.CallProfileSchema):
    """A call profile; ``recording_prompt`` by name."""

    class Meta:
        exclude = ("id", "is_default", "extension_count", "recording_prompt_id")

    recording_prompt = _prompt()


class CallProfiles(Section):
    """Call profiles, by name."""

    name = "call_profiles"
    schema = CallProfileDoc

    def rows(self):
        return CallProfile.select().order_by(CallProfile.name)

    def dump(self, row):
        data = profiles_api.CallProfileSchema().dump(row)
        data["recording_prompt"] = refs.prompt_out(data.pop("recording_prompt_id"))
        return _drop(data, "id", "is_default", "extension_count")

    def resolve(self, item, path, errors):
        return {**item, "recording_prompt_id": refs.prompt_in(item["recording_prompt"], f"{path}.recording_prompt",
                                                              errors)}

    def save(self, data, actor, row=None):
        return call_profiles.save_profile(profiles_api._input(data), actor, row.id if row else None), None

    def remove(self, row, actor):
        if not row.is_default:  # the default profile stays: extensions without one have it
            call_profiles.delete_profile(row.id, actor)


# Trunks ---------------------------------------------------------------------------------------------------------

class TrunkDoc(trunks_api.TrunkCreateSchema):
    """A trunk (the password is never exported; a document may carry one, write-only)."""


class Trunks(Section):
    """SIP trunks, by name."""

    name = "trunks"
    schema = TrunkDoc

    def rows(self):
        return Trunk.select().order_by(Trunk.name)

    def dump(self, row):
        return trunks_api.TrunkSchema(exclude=("id", "created_at", "password_set")).dump(row)

    def save(self, data, actor, row=None):
        values = {field.name: data[field.name] if field.name in data else (
            getattr(row, field.name) if row else field.default)
            for field in dataclasses.fields(trunks.TrunkInput) if field.name != "password"}
        notes = None
        password = data.get("password")
        if row is None and password is None and values["kind"] == "registration":
            # A new trunk needs a password to register; the document has none: a random one, said in the answer.
            password, notes = passwords.generate(24), {"trunk_password": values["name"]}
        trunk = trunks.save_trunk(trunks.TrunkInput(**values, password=password), actor, row.id if row else None)
        return trunk, notes

    def differs(self, row, item):
        return item.get("password") is not None and item["password"] != row.password

    def remove(self, row, actor):
        trunks.delete_trunk(row.id, actor)


# Extensions -----------------------------------------------------------------------------------------------------

class ExtensionDoc(extensions_api.ExtensionChangeSchema):
    """An extension (never its passwords or voicemail PIN); fields left out keep their value."""

    class Meta:
        exclude = ("user_id",)

    number = extensions_api.ExtensionCreateSchema._declared_fields["number"]
    name = extensions_api.ExtensionCreateSchema._declared_fields["name"]
    profile = fields.String(validate=length(max=40), metadata={"description": "Its call profile's name"})
    external_callerid = fields.String(validate=length(max=20))
    recording_keep_days = recording_fields.keep_days_field()
    recording_prompt = fields.String(allow_none=True, validate=length(max=64))


class Extensions(Section):
    """Extensions, by number; a new one gets its first device with a new password, shown once."""

    name = "extensions"
    key = ("number",)
    schema = ExtensionDoc

    def rows(self):
        return Extension.select().order_by(Extension.number)

    def dump(self, row):
        data = extensions_api.ExtensionSchema(exclude=("id", "created_at", "user_id")).dump(row)
        data.update(profile=refs.profile_out(row.profile_id), external_callerid=row.external_callerid,
                    recording_keep_days=row.recording_keep_days,
                    recording_prompt=refs.prompt_out(row.recording_prompt_id))
        return data

    def resolve(self, item, path, errors):
        data = dict(item)
        if item.get("profile"):
            data["profile_id"] = refs.profile_in(item["profile"], f"{path}.profile", errors)
        if "recording_prompt" in item:
            data["recording_prompt_id"] = refs.prompt_in(item["recording_prompt"], f"{path}.recording_prompt",
                                                         errors) or 0
        return data

    def save(self, data, actor, row=None):
        notes = None
        if row is None:
            row, device = extensions.create(extensions.ExtensionInput(data["number"], data["name"]), actor)
            notes = {"device": (row.number, device.sip_username, device.sip_password)}
        changes = extensions.ExtensionChanges(
            name=data.get("name", row.name), enabled=data.get("enabled", row.enabled), email=data.get("email"),
            language=data.get("language"), voicemail_enabled=data.get("voicemail_enabled"),
            max_calls=data.get("max_calls"), ring_seconds=data.get("ring_seconds"),
            profile_id=data.get("profile_id"), external_callerid=data.get("external_callerid"),
            recording=data.get("recording"), recording_keep_days=data.get("recording_keep_days"),
            recording_prompt_id=data.get("recording_prompt_id"))
        return extensions.update(row.id, changes, actor), notes

    def remove(self, row, actor):
        if extensions.delete(row.id, actor):
            # Deleting points what sent calls to it at hang-up: not what a document says. Refused whole.
            raise ValidationError.one("number", N_("Something this document keeps still sends calls to this "
                                                   "extension: change it in the document too."))


# Ring groups ----------------------------------------------------------------------------------------------------

class RingGroupDoc(groups_api.RingGroupSchema):
    """A ring group; ``members`` are extension numbers in hunt order."""

    class Meta:
        exclude = ("id",)

    destination = _destination(load_default="hangup")


class RingGroups(Section):
    """Ring groups, by number."""

    name = "ring_groups"
    key = ("number",)
    schema = RingGroupDoc
    placeholder = {"destination": "hangup"}

    def rows(self):
        return RingGroup.select().order_by(RingGroup.number)

    def dump(self, row):
        data = _drop(groups_api.RingGroupSchema().dump(row), "id")
        data["destination"] = refs.destination_out(data["destination"])
        return data

    def resolve(self, item, path, errors):
        return {**item, "destination": refs.destination_in(item["destination"], f"{path}.destination", errors)}

    def save(self, data, actor, row=None):
        return groups.save_ring_group(groups_api._ring_input(data), actor, row.id if row else None), None

    def remove(self, row, actor):
        groups.delete_ring_group(row.id, actor)


class PickupGroupDoc(groups_api.PickupGroupSchema):
    """A pickup group; ``members`` are extension numbers."""

    class Meta:
        exclude = ("id",)


class PickupGroups(Section):
    """Pickup groups, by name."""

    name = "pickup_groups"
    schema = PickupGroupDoc

    def rows(self):
        return PickupGroup.select().order_by(PickupGroup.name)

    def dump(self, row):
        return _drop(groups_api.PickupGroupSchema().dump(row), "id")

    def save(self, data, actor, row=None):
        return groups.save_pickup_group(data["name"], list(data["members"]), actor, row.id if row else None), None

    def remove(self, row, actor):
        groups.delete_pickup_group(row.id, actor)


# Queues ---------------------------------------------------------------------------------------------------------

QUEUE_DESTINATIONS = ("timeout_destination", "full_destination", "empty_destination", "exit_destination")


class QueueDoc(queues_api.QueueSchema):
    """A queue with its members; destinations and the recording prompt by name."""

    class Meta:
        exclude = ("id", "recording_prompt_id")

    timeout_destination, full_destination, empty_destination, exit_destination = (
        _destination(load_default="hangup") for _ in QUEUE_DESTINATIONS)
    recording_prompt = _prompt()


class Queues(Section):
    """Call-center queues, by number."""

    name = "queues"
    key = ("number",)
    schema = QueueDoc
    placeholder = dict.fromkeys(QUEUE_DESTINATIONS, "hangup")

    def rows(self):
        return Queue.select().order_by(Queue.number)

    def dump(self, row):
        data = _drop(queues_api.QueueSchema().dump(row), "id")
        data["recording_prompt"] = refs.prompt_out(data.pop("recording_prompt_id"))
        for name in QUEUE_DESTINATIONS:
            data[name] = refs.destination_out(data[name])
        return data

    def resolve(self, item, path, errors):
        data = {key: value for key, value in item.items() if key != "recording_prompt"}
        data["recording_prompt_id"] = refs.prompt_in(item["recording_prompt"], f"{path}.recording_prompt", errors)
        for name in QUEUE_DESTINATIONS:
            data[name] = refs.destination_in(item[name], f"{path}.{name}", errors)
        return data

    def save(self, data, actor, row=None):
        return queues.save_queue(queues_api._queue_input(data), actor, row.id if row else None), None

    def remove(self, row, actor):
        queues.delete_queue(row.id, actor)


# IVR menus ------------------------------------------------------------------------------------------------------

IVR_PROMPTS = ("greeting", "timeout_prompt", "invalid_prompt")


class IvrDoc(ivrs_api.IvrSchema):
    """A menu; its prompts by name, destinations at menus or schedules by name."""

    class Meta:
        exclude = ("id",)

    greeting, timeout_prompt, invalid_prompt = (_prompt() for _ in IVR_PROMPTS)
    final_destination = _destination(load_default="hangup")
    options = fields.Dict(keys=ivrs_api.IvrSchema._declared_fields["options"].key_field,
                          values=_destination(), load_default=dict)


class Ivrs(Section):
    """IVR menus, by name."""

    name = "ivrs"
    schema = IvrDoc
    placeholder = {"final_destination": "hangup", "options": {}}

    def rows(self):
        return Ivr.select().order_by(Ivr.name)

    def dump(self, row):
        data = _drop(ivrs_api.IvrSchema().dump(row), "id")
        for name in IVR_PROMPTS:
            data[name] = refs.prompt_out(data[name])
        data["final_destination"] = refs.destination_out(data["final_destination"])
        data["options"] = {key: refs.destination_out(value) for key, value in data["options"].items()}
        return data

    def resolve(self, item, path, errors):
        data = dict(item)
        for name in IVR_PROMPTS:
            data[name] = refs.prompt_in(item[name], f"{path}.{name}", errors)
        data["final_destination"] = refs.destination_in(item["final_destination"], f"{path}.final_destination",
                                                        errors)
        data["options"] = {key: refs.destination_in(value, f"{path}.options.{key}", errors)
                           for key, value in item["options"].items()}
        return data

    def field_path(self, name):
        return f"options.{name[len('option_'):]}" if name.startswith("option_") else name

    def save(self, data, actor, row=None):
        return ivrs.save_ivr(ivrs_api._ivr_input(data), actor, row.id if row else None), None

    def remove(self, row, actor):
        ivrs.delete_ivr(row.id, actor)


# Schedules ------------------------------------------------------------------------------------------------------

SCHEDULE_DESTINATIONS = ("open_destination", "closed_destination", "holiday_destination")


class ScheduleDoc(schedules_api.ScheduleSchema):
    """Business hours; destinations at menus or schedules by name (events and the override are not configuration)."""

    class Meta:
        exclude = ("id",)

    open_destination = _destination(required=True)
    closed_destination = _destination(required=True)
    holiday_destination = _destination(load_default="")


class Schedules(Section):
    """Schedules (business hours), by name."""

    name = "schedules"
    schema = ScheduleDoc
    placeholder = {"open_destination": "hangup", "closed_destination": "hangup", "holiday_destination": ""}

    def rows(self):
        return Schedule.select().order_by(Schedule.name)

    def dump(self, row):
        data = _drop(schedules_api.ScheduleSchema().dump(row), "id")
        for name in SCHEDULE_DESTINATIONS:
            data[name] = refs.destination_out(data[name])
        return data

    def resolve(self, item, path, errors):
        return {**item, **{name: refs.destination_in(item[name], f"{path}.{name}", errors)
                           for name in SCHEDULE_DESTINATIONS}}

    def save(self, data, actor, row=None):
        return schedules.save_schedule(schedules_api._input(data), actor, row.id if row else None), None

    def remove(self, row, actor):
        schedules.delete_schedule(row.id, actor)


# Outbound routes ------------------------------------------------------------------------------------------------

class OutboundRouteDoc(outbound_api.OutboundRouteSchema):
    """A route; the document's order is the order routes are tried in; trunks by name, in failover order."""

    class Meta:
        exclude = ("id", "position", "recording_prompt_id")

    trunks = fields.List(fields.String(validate=length(min=1, max=40)), required=True, validate=length(min=1, max=10))
    recording_prompt = _prompt()


class OutboundRoutes(Section):
    """Outbound routes, by name, in the order they are tried."""

    name = "outbound_routes"
    schema = OutboundRouteDoc

    def rows(self):
        return outbound_routes.list_routes()

    def dump(self, row):
        data = _drop(outbound_api.OutboundRouteSchema().dump(row), "id", "position")
        data["recording_prompt"] = refs.prompt_out(data.pop("recording_prompt_id"))
        data["trunks"] = [refs.trunk_out(trunk_id) for trunk_id in data["trunks"]]
        return data

    def resolve(self, item, path, errors):
        data = {key: value for key, value in item.items() if key != "recording_prompt"}
        data["recording_prompt_id"] = refs.prompt_in(item["recording_prompt"], f"{path}.recording_prompt", errors)
        data["trunks"] = [refs.trunk_in(name, f"{path}.trunks.{index}", errors)
                          for index, name in enumerate(item["trunks"])]
        return data

    def field_path(self, name):
        found = re.fullmatch(r"pattern-([0-9]+)", name)
        return f"patterns.{found.group(1)}" if found else name

    def save(self, data, actor, row=None):
        return outbound_routes.save_route(outbound_api._input(data), actor, row.id if row else None), None

    def remove(self, row, actor):
        outbound_routes.delete_route(row.id, actor)


# Inbound routes -------------------------------------------------------------------------------------------------

class InboundRouteDoc(inbound_api.InboundRouteSchema):
    """An inbound route, by its DID and caller match."""

    class Meta:
        exclude = ("id", "created_at", "recording_prompt_id")

    destination = _destination(required=True)
    recording_prompt = _prompt()


class InboundRoutes(Section):
    """Inbound routes, by DID and caller match (an empty DID is the catch-all)."""

    name = "inbound_routes"
    key = ("did", "caller_kind", "caller")
    schema = InboundRouteDoc

    def rows(self):
        return InboundRoute.select().order_by(InboundRoute.did, InboundRoute.caller_kind, InboundRoute.caller)

    def dump(self, row):
        data = _drop(inbound_api.InboundRouteSchema().dump(row), "id", "created_at")
        data["recording_prompt"] = refs.prompt_out(data.pop("recording_prompt_id"))
        data["destination"] = refs.destination_out(data["destination"])
        return data

    def key_of(self, item):
        # "11 3000-1000" and "+551130001000" are one DID: match as stored.
        did = inbound_routes.clean_did(item.get("did"))
        caller = inbound_routes.clean_caller(item.get("caller")) if item.get("caller") else ""
        return (item.get("did") if did is None else did, item.get("caller_kind") or "",
                item.get("caller") if caller is None else caller)

    def label(self, key):
        did, kind, caller = key
        return " ".join(part for part in (did or "*", kind, caller) if part)

    def resolve(self, item, path, errors):
        data = {key: value for key, value in item.items() if key != "recording_prompt"}
        data["recording_prompt_id"] = refs.prompt_in(item["recording_prompt"], f"{path}.recording_prompt", errors)
        data["destination"] = refs.destination_in(item["destination"], f"{path}.destination", errors)
        return data

    def save(self, data, actor, row=None):
        return inbound_routes.save_route(inbound_api._input(data), actor, row.id if row else None), None

    def remove(self, row, actor):
        inbound_routes.delete_route(row.id, actor)


# Blacklists -----------------------------------------------------------------------------------------------------

class BlockEntryDoc(blocklist_api.BlockEntrySchema):
    """A blacklist entry, by direction, match, number and extension."""

    class Meta:
        exclude = ("id", "created_at")


class Blocklist(Section):
    """Blacklist entries (system-wide and per extension); a changed note replaces the entry."""

    name = "blocklist"
    key = ("direction", "match", "number", "extension")
    schema = BlockEntryDoc

    def rows(self):
        return (BlockedNumber.select(BlockedNumber, Extension).join(Extension, peewee.JOIN.LEFT_OUTER)
                .order_by(BlockedNumber.direction, BlockedNumber.match, BlockedNumber.number, Extension.number))

    def dump(self, row):
        return _drop(blocklist_api.BlockEntrySchema().dump(blocklist_api._data(row)), "id", "created_at")

    def save(self, data, actor, row=None):
        if row is not None:
            blocklist.remove(row.id, actor)
        return blocklist.add(blocklist.BlockInput(**data), actor), None

    def remove(self, row, actor):
        blocklist.remove(row.id, actor)


#: Every section, in the order they are written and applied: what is pointed at before what points at it.
SECTIONS = (CallProfiles(), Trunks(), Extensions(), RingGroups(), PickupGroups(), Queues(), Ivrs(), Schedules(),
            OutboundRoutes(), InboundRoutes(), Blocklist())
