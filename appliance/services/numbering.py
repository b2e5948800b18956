"""One numbering plan: every number dialled inside the PBX has at most one owner.

Extensions, their devices' SIP user names, ring groups and the feature codes (with the
numbers typed after them) share one space; later queues, IVRs, rooms and DIDs join it by
adding a source to ``_SOURCES``. Every service that gives out a number asks ``claim``, so
a clash is refused the same way, with the same message, wherever it happens.
"""
import re
from dataclasses import dataclass

from appliance import dial_patterns
from appliance.db import chunks
from appliance.i18n import N_
from appliance.models.bots import Bot
from appliance.models.conferences import ConferenceRoom
from appliance.models.extensions import Device, Extension
from appliance.models.groups import RingGroup
from appliance.models.ivr import Ivr
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.models.queues import Queue
from appliance.services import engine_sync

#: Internal numbers: 2 to 8 digits, never starting with 0 (which reaches the outside).
NUMBER_RE = re.compile(r"[1-9][0-9]{1,7}")
#: Brazilian public emergency and utility numbers (Anatel) plus 112/911: a phone dialling them
#: must reach the outside, never an internal number.
RESERVED_NUMBERS = frozenset({"100", "112", "128", "136", "153", "180", "181", "188", "190", "191", "192", "193",
                              "194", "197", "198", "199", "911"})
#: Feature codes a number follows (``*72`` + target): every number they start is theirs.
PREFIX_FEATURES = ("forward_always", "forward_busy", "forward_no_answer", "directed_pickup", "record_prompt",
                   "schedule_override", "agent_pause")


@dataclass(frozen=True)
class NumberOwner:
    """What holds a number: its kind ("extension", "ring_group", "feature_code"), row id and name (a device's
    user name is held by its extension)."""

    kind: str
    id: int | None
    name: str


def _rows(model, kind):
    """Return a source finding ``model`` rows (with ``number`` and ``name``) that hold numbers."""
    def source(numbers):
        found = {}
        for chunk in chunks(numbers):
            for row in model.select(model.id, model.number, model.name).where(model.number.in_(chunk)):
                found[row.number] = NumberOwner(kind, row.id, row.name)
        return found
    return source


def _devices(numbers):
    found = {}
    for chunk in chunks(numbers):
        query = (Device.select(Device.sip_username, Extension.id, Extension.name).join(Extension)
                 .where(Device.sip_username.in_(chunk)))
        for row in query:
            found[row.sip_username] = NumberOwner("extension", row.extension.id, row.extension.name)
    return found


def _feature_codes(numbers):
    found = {}
    codes = engine_sync.feature_codes().items()
    for number in numbers:
        for name, code in codes:
            if number == code or (name in PREFIX_FEATURES and number.startswith(code)):
                found[number] = NumberOwner("feature_code", None, code)
                break
    return found


def _route_patterns(numbers):
    """Outbound routes' patterns hold every number they match: a call to it would go outside."""
    found = {}
    if not numbers:
        return found
    query = RoutePattern.select(RoutePattern.pattern, OutboundRoute.id, OutboundRoute.name).join(OutboundRoute)
    for row in query:
        regex = dial_patterns.regex(row.pattern)
        for number in numbers:
            if number not in found and regex.fullmatch(number):
                found[number] = NumberOwner("outbound_route", row.route.id, row.route.name)
    return found


def _jitsi_dialin(numbers):
    """The Jitsi dial-in number (setting JITSI_DIALIN_NUMBER, in the engine's settings) holds itself."""
    engine = engine_sync.configured_engine()
    dialin = engine.settings.jitsi_dialin_number if engine is not None else ""
    return {dialin: NumberOwner("jitsi_dialin", None, "Jitsi dial-in")} if dialin and dialin in numbers else {}


#: Where numbers are held, asked in order; each takes a list of numbers and returns {number: owner}.
_SOURCES = (_feature_codes, _jitsi_dialin, _rows(Extension, "extension"), _devices, _rows(RingGroup, "ring_group"),
            _route_patterns, _rows(Ivr, "ivr"), _rows(Queue, "queue"), _rows(ConferenceRoom, "conference"),
            _rows(Bot, "bot"))


def owners(numbers):
    """Return ``{number: NumberOwner}`` for those of ``numbers`` that are taken."""
    found = {}
    for source in _SOURCES:
        for number, owner in source([n for n in numbers if n not in found]).items():
            found.setdefault(number, owner)
    return found


def number_owner(number):
    """Return the NumberOwner of ``number``, or None when it is free."""
    return owners([number]).get(number)


def clean_internal_number(number, errors, field="number"):
    """Return ``number`` stripped; record in ``errors[field]`` why it cannot be an internal number."""
    number = (number or "").strip()
    if not NUMBER_RE.fullmatch(number):
        errors[field] = (N_("Use 2 to 8 digits, not starting with 0."), {})
    elif number in RESERVED_NUMBERS:
        errors[field] = (N_("%(number)s is a public emergency or utility number."), {"number": number})
    return number


def clean_optional_number(number, errors, mine, field="number"):
    """Return ``number`` stripped, "" for none; when given, check it as an internal number and claim it
    for ``mine`` (kind, id), recording in ``errors[field]`` why it cannot be had."""
    number = (number or "").strip()
    if number:
        number = clean_internal_number(number, errors, field)
        claim(number, errors, field, mine)
    return number


def claim(number, errors, field="number", mine=None):
    """Record in ``errors[field]`` that ``number`` is taken, unless it is free or held by ``mine`` (kind, id).

    Call it inside the transaction that writes the number, so two requests cannot both take it.
    """
    if field in errors:
        return
    owner = number_owner(number)
    if owner is not None and (owner.kind, owner.id) != mine:
        errors[field] = clash(number, owner)


def clash(number, owner):
    """Return the ``(message, params)`` saying that ``owner`` holds ``number``: one wording everywhere."""
    return N_("Number %(number)s is already in use (%(owner)s)."), {"number": number, "owner": owner.name}
