"""Outbound routes: dial patterns, their rewrite, trunks in failover order. Live after commit (a dialplan reload)."""
from dataclasses import dataclass, field

import phonenumbers

from appliance import dial_patterns, phone_numbers
from appliance.asterisk.confgen.outbound import PatternRow
from appliance.asterisk.confgen.recording import ROUTE_CHOOSABLE as RECORDING_POLICIES
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.groups import RingGroup
from appliance.models.outbound import RESULTS, OutboundRoute, RoutePattern, RouteTrunk
from appliance.models.profiles import PERMISSION_CLASSES
from appliance.models.trunks import Trunk
from appliance.services import audit, engine_sync, recording_policy

MAX_PATTERNS = 30
MAX_STRIP = 20
PREPEND_CHARS = frozenset("0123456789*+")


@dataclass
class PatternInput:
    """One dial pattern as typed: the pattern, characters stripped, what is put in front, the result."""

    pattern: str
    strip: int = 0
    prepend: str = ""
    result: str = "e164"


@dataclass
class RouteInput:
    """What an admin types for a route; ``trunk_ids`` in failover order."""

    name: str
    permission_class: str
    patterns: list = field(default_factory=list)
    trunk_ids: list = field(default_factory=list)
    callerid: str = ""
    enabled: bool = True
    #: "never" or "always": every call the route takes is recorded (decision 031).
    recording: str = "never"
    #: Days its recordings are kept (0: the global setting; decision 036).
    recording_keep_days: int = 0
    #: The prompt heard when its "always" starts a recording (None: no announcement; decision 036).
    recording_prompt_id: int | None = None


def get_route(route_id):
    """Return the route with ``route_id`` or raise NotFound."""
    route = OutboundRoute.get_or_none(OutboundRoute.id == route_id)
    if route is None:
        raise NotFound(N_("Route not found."))
    return route


def list_routes():
    """Return every route in the order they are tried."""
    return OutboundRoute.select().order_by(OutboundRoute.position, OutboundRoute.id)


def patterns_of(route):
    """Return the route's patterns in order."""
    return list(route.patterns.order_by(RoutePattern.position, RoutePattern.id))


def trunks_of(route):
    """Return the route's trunks in failover order."""
    return [link.trunk for link in route.trunk_links.order_by(RouteTrunk.position, RouteTrunk.id)]


def internal_numbers(prefix=""):
    """Return ``{number: name}`` of every extension and ring group starting with ``prefix`` (what a route must
    never capture)."""
    # Tuples, not models, and only the numbers under the pattern's fixed prefix: a route save at 10,000
    # extensions read every one of them (54 ms of the save under load), though most patterns start with 0.
    found = {}
    for model in (Extension, RingGroup):
        query = model.select(model.number, model.name)
        if prefix:
            # A range, not LIKE: it walks the number's unique index (digits only, so "9" + 1 is ":").
            query = query.where(model.number >= prefix, model.number < prefix[:-1] + chr(ord(prefix[-1]) + 1))
        found.update(query.tuples())
    return found


def captured_internal(pattern):
    """Return ``(number, name)`` of the first internal number ``pattern`` would capture, or None."""
    regex = dial_patterns.regex(pattern)
    for number, name in sorted(internal_numbers(dial_patterns.literal_prefix(pattern)).items()):
        if regex.fullmatch(number):
            return number, name
    return None


def check_pattern(data, errors, key):
    """Validate one PatternInput into ``errors[key]``; return the clean PatternInput."""
    pattern = dial_patterns.normalize(data.pattern)
    prepend = (data.prepend or "").strip()
    clean = PatternInput(pattern, 0, prepend, data.result)
    problem = dial_patterns.problem(pattern)
    if problem is not None:
        errors[key] = problem
        return clean
    try:
        clean.strip = int(data.strip or 0)
    except (TypeError, ValueError):
        clean.strip = -1
    if not 0 <= clean.strip <= MAX_STRIP:
        errors[key] = (N_("Strip 0 to %(max)d characters."), {"max": MAX_STRIP})
        return clean
    if len(prepend) > 19 or not set(prepend) <= PREPEND_CHARS or "+" in prepend[1:]:
        errors[key] = (N_("Prepend digits and * only, optionally after a +."), {})
        return clean
    if data.result not in RESULTS:
        errors[key] = (N_("Choose an option from the list."), {})
        return clean
    samples = dial_patterns.examples(pattern)
    sample_in = samples[0]
    sample = dial_patterns.rewrite(sample_in, clean.strip, prepend)
    if data.result == "e164":
        # One length the pattern allows must make a number libphonenumber deems possible.
        if not any(_possible(dial_patterns.rewrite(one, clean.strip, prepend)) for one in samples):
            errors[key] = (N_("With this strip and prepend, %(dialled)s becomes %(result)s: not an international "
                              "number (+ country code), so it cannot be sent as E.164."),
                           {"dialled": sample_in, "result": sample})
            return clean
        PatternRow(pattern, clean.strip, prepend, data.result)  # the compiler's own check agrees
    captured = captured_internal(pattern)
    if captured:
        errors[key] = (N_("This pattern captures internal number %(number)s (%(name)s): calls to it would go "
                          "outside."), {"number": captured[0], "name": captured[1]})
    return clean


def _possible(number):
    try:
        return number.startswith("+") and phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def _validate(data, route, errors):
    clean = {}
    name = (data.name or "").strip()
    if not name or len(name) > 40 or any(ch in name for ch in ";\n\r"):
        errors["name"] = (N_("Enter a name of at most %(max)d characters, without ;."), {"max": 40})
    elif OutboundRoute.select().where(OutboundRoute.name == name,
                                      OutboundRoute.id != (route.id if route else 0)).exists():
        errors["name"] = (N_("Another route has this name."), {})
    clean["name"] = name
    if data.permission_class not in PERMISSION_CLASSES:
        errors["permission_class"] = (N_("Choose an option from the list."), {})
    clean["permission_class"] = data.permission_class
    callerid = (data.callerid or "").strip()
    if callerid:
        normal = phone_numbers.normalize(callerid)
        if not normal or not normal.startswith("+"):
            errors["callerid"] = (N_("Enter a phone number, e.g. +55 11 3333-4444."), {})
        else:
            callerid = normal
    clean["callerid"] = callerid
    clean["enabled"] = bool(data.enabled)
    clean["recording"], clean["recording_keep_days"] = recording_policy.clean(
        data.recording, data.recording_keep_days, errors, RECORDING_POLICIES)
    clean["recording_prompt"] = recording_policy.clean_prompt(data.recording_prompt_id, errors)
    patterns = [p for p in data.patterns if (p.pattern or "").strip()]
    if not patterns:
        errors["patterns"] = (N_("Add at least one dial pattern."), {})
    elif len(patterns) > MAX_PATTERNS:
        errors["patterns"] = (N_("A route has at most %(max)d patterns."), {"max": MAX_PATTERNS})
    clean_patterns = [check_pattern(p, errors, f"pattern-{index}") for index, p in enumerate(patterns)]
    seen = set()
    for index, pattern in enumerate(clean_patterns):
        if pattern.pattern in seen:
            errors.setdefault(f"pattern-{index}", (N_("This pattern is listed twice."), {}))
        seen.add(pattern.pattern)
    trunk_ids = []
    for trunk_id in data.trunk_ids:
        try:
            trunk_id = int(trunk_id)
        except (TypeError, ValueError):
            continue
        if trunk_id not in trunk_ids:
            trunk_ids.append(trunk_id)
    found = {t.id for t in Trunk.select(Trunk.id).where(Trunk.id.in_(trunk_ids))} if trunk_ids else set()
    if not trunk_ids:
        errors["trunks"] = (N_("Choose at least one trunk."), {})
    elif set(trunk_ids) - found:
        errors["trunks"] = (N_("Choose trunks from the list."), {})
    return clean, clean_patterns, trunk_ids


def _public(route):
    return {"name": route.name, "position": route.position, "permission_class": route.permission_class,
            "callerid": route.callerid, "enabled": route.enabled, "recording": route.recording,
            "recording_keep_days": route.recording_keep_days, "recording_prompt": route.recording_prompt_id,
            "patterns": [f"{p.pattern}/{p.strip}/{p.prepend}/{p.result}" for p in patterns_of(route)],
            "trunks": [t.id for t in trunks_of(route)]}


def save_route(data, actor, route_id=None):
    """Create (``route_id`` None: tried last) or update a route from ``data`` (RouteInput); live after commit."""
    with database.atomic():
        route = get_route(route_id) if route_id is not None else None
        errors = {}
        clean, patterns, trunk_ids = _validate(data, route, errors)
        if errors:
            raise ValidationError(errors)
        before = _public(route) if route else None
        if route is None:
            last = OutboundRoute.select(OutboundRoute.position).order_by(OutboundRoute.position.desc()).first()
            route = OutboundRoute.create(position=(last.position + 1) if last else 0, **clean)
        else:
            for key, value in clean.items():
                setattr(route, key, value)
            route.save()
            RoutePattern.delete().where(RoutePattern.route == route).execute()
            RouteTrunk.delete().where(RouteTrunk.route == route).execute()
        for position, pattern in enumerate(patterns):
            RoutePattern.create(route=route, position=position, pattern=pattern.pattern, strip=pattern.strip,
                                prepend=pattern.prepend, result=pattern.result)
        for position, trunk_id in enumerate(trunk_ids):
            RouteTrunk.create(route=route, trunk=trunk_id, position=position)
        audit.record(actor, "outbound_route.update" if before else "outbound_route.create", "outbound_route",
                     route.id, route.name, before=before, after=_public(route))
        engine_sync.request([], files=True)
    return route


def delete_route(route_id, actor):
    """Delete a route; live after commit."""
    with database.atomic():
        route = get_route(route_id)
        before = _public(route)
        route.delete_instance(recursive=True)
        audit.record(actor, "outbound_route.delete", "outbound_route", route_id, before["name"], before=before)
        engine_sync.request([], files=True)


def reorder(route_ids, actor):
    """Put the routes in the order of ``route_ids`` (every route, once); live after commit."""
    with database.atomic():
        routes = {route.id: route for route in list_routes()}
        ids = []
        for route_id in route_ids:
            try:
                ids.append(int(route_id))
            except (TypeError, ValueError):
                raise ValidationError.one("order", N_("Choose routes from the list.")) from None
        if sorted(ids) != sorted(routes):
            raise ValidationError.one("order", N_("The list of routes changed meanwhile: reload the page."))
        before = [route.id for route in routes.values()]
        for position, route_id in enumerate(ids):
            OutboundRoute.update(position=position).where(OutboundRoute.id == route_id).execute()
        audit.record(actor, "outbound_route.reorder", "outbound_route", "", "order",
                     before={"order": before}, after={"order": ids})
        engine_sync.request([], files=True)


def move(route_id, step, actor):
    """Move a route one place up (``step`` -1) or down (+1) in the order."""
    ids = [route.id for route in list_routes()]
    get_route(route_id)
    index = ids.index(route_id)
    other = index + (1 if step > 0 else -1)
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        reorder(ids, actor)


def routes_using_trunk(trunk_id):
    """Return the names of the routes that send calls to trunk ``trunk_id``."""
    return [link.route.name for link in RouteTrunk.select(RouteTrunk, OutboundRoute).join(OutboundRoute)
            .where(RouteTrunk.trunk == trunk_id).order_by(OutboundRoute.position)]
