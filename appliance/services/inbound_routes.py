"""Inbound routes: a DID (and optionally a caller) to a destination. Live after commit (one dialplan reload)."""
from dataclasses import dataclass

from appliance import destinations, phone_numbers
from appliance.asterisk.confgen import inbound as rules
from appliance.asterisk.confgen.recording import ROUTE_CHOOSABLE as RECORDING_POLICIES
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.inbound_routes import InboundRoute
from appliance.services import audit, engine_sync, recording_policy
from appliance.services.extensions import NAME_FORBIDDEN

_PATTERN_CHARS = set("XZNxzn[].!")


@dataclass
class InboundRouteInput:
    """What an admin types: a DID (empty: every DID), a caller match, a destination's text."""

    did: str = ""
    destination: str = "hangup"
    caller_kind: str = ""  # "", "exact", "prefix"
    caller: str = ""
    name: str = ""
    #: "never" or "always": every call the route takes is recorded (decision 031).
    recording: str = "never"
    #: Days its recordings are kept (0: the global setting; decision 036).
    recording_keep_days: int = 0
    #: The prompt heard when its "always" starts a recording (None: no announcement; decision 036).
    recording_prompt_id: int | None = None


def get_route(route_id):
    """Return the inbound route with ``route_id`` or raise NotFound."""
    route = InboundRoute.get_or_none(InboundRoute.id == route_id)
    if route is None:
        raise NotFound(N_("Inbound route not found."))
    return route


def list_routes():
    """Return every inbound route: by DID (the catch-all first), then caller."""
    return InboundRoute.select().order_by(InboundRoute.did, InboundRoute.caller_kind, InboundRoute.caller)


def clean_did(raw):
    """Return ``raw`` as stored (E.164, or a pattern on E.164 starting ``_+``), "" for every DID; None if invalid.

    "+55 11 3000-1000", "11 3000-1000" and "011 3000 1000" are one DID: +551130001000.
    """
    text = phone_numbers.strip_separators(raw or "")
    if not text:
        return ""
    if any(char in _PATTERN_CHARS for char in text):
        pattern = text if text.startswith("_") else "_" + text
        pattern = pattern[0] + pattern[1:].upper()
        return pattern if rules.valid_did(pattern) else None
    number = phone_numbers.normalize(text if not text.startswith("0") or text.startswith("00") else text[1:])
    return number if number and rules.valid_did(number) else None


def clean_caller(raw):
    """Return a caller match as stored: E.164 for a whole public number, digits (after an optional +) else."""
    text = phone_numbers.strip_separators(raw or "")
    number = phone_numbers.normalize(text) if text and not text.startswith("+") else text
    number = number or text
    return number if rules.valid_caller(number) else None


def _validate(data, route_id, errors):
    clean = {}
    name = (data.name or "").strip()
    if len(name) > 64 or NAME_FORBIDDEN.search(name):
        errors["name"] = (N_("Use at most %(max)d characters, without quotes, < > \\ or ;."), {"max": 64})
    clean["name"] = name
    did = clean_did(data.did)
    if did is None:
        errors["did"] = (N_("Enter a phone number (+55 11 3000-1000) or a pattern on it (_+55113000XXXX)."), {})
    clean["did"] = did or ""
    kind = data.caller_kind or ""
    if kind not in rules.CALLER_KINDS:
        errors["caller_kind"] = (N_("Choose an option from the list."), {})
    caller = ""
    if kind:
        caller = clean_caller(data.caller)
        if not caller:
            errors["caller"] = (N_("Enter the caller's number or the digits it starts with."), {})
    clean["caller_kind"], clean["caller"] = (kind, caller or "") if kind in rules.CALLER_KINDS else ("", "")
    destination = destinations.find(data.destination or "")
    if destination is None or not destination.exists():
        errors["destination"] = (N_("Choose where these calls go from the list."), {})
    clean["destination"] = str(destination) if destination else ""
    clean["recording"], clean["recording_keep_days"] = recording_policy.clean(
        data.recording, data.recording_keep_days, errors, RECORDING_POLICIES)
    clean["recording_prompt"] = recording_policy.clean_prompt(data.recording_prompt_id, errors)
    if "did" not in errors and "caller" not in errors:
        clash = InboundRoute.select().where(InboundRoute.did == clean["did"],
                                            InboundRoute.caller_kind == clean["caller_kind"],
                                            InboundRoute.caller == clean["caller"],
                                            InboundRoute.id != (route_id or 0))
        if clash.exists():
            errors["did"] = (N_("Another route already takes calls to this number from these callers."), {})
    return clean


def _public(route):
    return {"name": route.name, "did": route.did, "caller_kind": route.caller_kind, "caller": route.caller,
            "destination": route.destination, "recording": route.recording,
            "recording_keep_days": route.recording_keep_days, "recording_prompt": route.recording_prompt_id}


def save_route(data, actor, route_id=None):
    """Create (``route_id`` None) or replace an inbound route; the dialplan follows after commit."""
    with database.atomic():
        route = get_route(route_id) if route_id is not None else None
        errors = {}
        clean = _validate(data, route_id, errors)
        if errors:
            raise ValidationError(errors)
        before = _public(route) if route else None
        if route is None:
            route = InboundRoute.create(**clean)
        else:
            for key, value in clean.items():
                setattr(route, key, value)
            route.save()
        audit.record(actor, "inbound_route.update" if before else "inbound_route.create", "inbound_route",
                     route.id, route.did or "*", before=before, after=_public(route))
        engine_sync.request([], files=True)
    return route


def delete_route(route_id, actor):
    """Delete an inbound route; its DID then gets the catch-all's destination."""
    with database.atomic():
        route = get_route(route_id)
        audit.record(actor, "inbound_route.delete", "inbound_route", route.id, route.did or "*",
                     before=_public(route))
        route.delete_instance()
        engine_sync.request([], files=True)
