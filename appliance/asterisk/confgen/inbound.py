"""Render inbound routing: calls from trunks, by DID and caller, to their destinations.

A call from a carrier starts in ``cn-from-trunk`` (every trunk endpoint's context), which keeps the
number sent (the Request-URI user; digits and + only) and jumps to its trunk's extension in
``cn-trunk-in`` (``${CHANNEL(endpoint)}`` is ``trunk_<id>``). That extension is the whole common
path, compiled with the trunk's settings: refuse a call beyond ``max_channels``; on registration
trunks take the DID from the To header (their Request-URI user is the account); turn the DID and
the caller's number into E.164 (``+5511…``, ``5511…``, ``11…``, ``011…``, ``0 15 11…`` and local
8/9-digit numbers in the trunk's area code all give ``+5511…``); the system-wide blacklist
(confgen/blocklist.py); the caller's name from the phonebook (realtime table ``cn_callers``) when
the carrier sent none; then the route. ``cn-did`` holds one extension per route DID (E.164, or an
Asterisk pattern on E.164): a compiled match, no lookup per call. Routes with a caller-ID match are
tests inside their DID's extension. A DID no route takes gets the catch-all's destination, or is
hung up with a log line (``cn-inbound``, which also holds the refusals). docs/decisions/016.
"""
import re
from dataclasses import dataclass

from appliance.asterisk.names import FROM_TRUNK_CONTEXT, TRUNK_GROUP, trunk_object
from appliance.destinations import HANGUP, Destination, parse
from appliance.phone_numbers import AREA_CODES

from . import blocklist, recording
from .dialplan import Context, Note, Step, at, quietly
from .trunks import TRUNK_PREFIX

TRUNK_STEPS_CONTEXT = "cn-trunk-in"
#: Per trunk (``cn-caller-<id>``): the caller's number, after a "c", matched against the forms carriers
#: send it in; each form sets it as E.164 and ends the call's path (names, refusals, the route).
CALLER_FORMS_PREFIX = "cn-caller-"
INBOUND_CONTEXT = "cn-inbound"
DID_CONTEXT = "cn-did"
#: Realtime family (extconfig) and table of caller names: extension (or other short) number -> name.
CALLER_NAMES = "cn_callers"
#: Caller names of the shared phonebook, compiled: one extension per E.164 number.
NAMES_CONTEXT = "cn-caller-names"
#: A name as it may stand in ``Set(CALLERID(name)=…)``: nothing the dialplan reads as syntax.
_NAME = re.compile(r'[^"<>\\;,?:()$\[\]{}|&\x00-\x1f\x7f]{1,100}')
#: Brazil: the country code the national forms are completed with.
COUNTRY = "55"

#: A DID as stored: E.164, or an Asterisk pattern on E.164 (``_+551130001XXX``).
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_DID_PATTERN = re.compile(r"_\+[0-9XZN]([0-9XZN]|\[[0-9-]{1,20}\]){3,16}[.!]?")
#: A caller match: exact E.164 / short number, or a prefix of digits after an optional +.
_CALLER = re.compile(r"\+?[0-9]{1,16}")
_SIP_USER = re.compile(r"[A-Za-z0-9.+-]{1,64}")
CALLER_KINDS = ("", "exact", "prefix")


def valid_did(text):
    """Return whether ``text`` is a stored DID: E.164 or a pattern on E.164 (``_+5511300010XX``)."""
    return bool(_E164.fullmatch(text or "") or _DID_PATTERN.fullmatch(text or ""))


def valid_caller(text):
    """Return whether ``text`` may be a caller match (digits after an optional +)."""
    return bool(_CALLER.fullmatch(text or ""))


@dataclass(frozen=True)
class InboundRouteRow:
    """One inbound route: a DID (empty: the catch-all), an optional caller match, a destination."""

    did: str
    destination: Destination = HANGUP
    caller: str = ""
    caller_kind: str = ""  # "", "exact" or "prefix"
    name: str = ""
    #: "always": the call is recorded from the route on (confgen/recording.py).
    recording: str = "never"
    #: The prompt (id) the caller hears, answered, when the route starts recording; 0: none (decision 036).
    recording_prompt: int = 0

    def __post_init__(self):
        if self.recording not in recording.POLICIES:
            raise ValueError(f"invalid recording policy {self.recording!r}")
        if not isinstance(self.recording_prompt, int) or self.recording_prompt < 0:
            raise ValueError("invalid announcement prompt")
        if self.did and not valid_did(self.did):
            raise ValueError(f"invalid DID {self.did!r}")
        if self.caller_kind not in CALLER_KINDS or bool(self.caller) != bool(self.caller_kind):
            raise ValueError(f"invalid caller match {self.caller_kind!r} {self.caller!r}")
        if self.caller and not valid_caller(self.caller):
            raise ValueError(f"invalid caller {self.caller!r}")
        if not isinstance(self.destination, Destination):
            object.__setattr__(self, "destination", parse(self.destination))


def e164(variable, area=""):
    """Return an expression turning ``${variable}`` (digits and +) from any form carriers send into E.164.

    ``+5511…`` as is; ``00`` + CSP + country code + number; ``0`` + CSP + DDD + number (13-14
    digits); ``0`` + DDD + number, and 0800/0300 numbers (11-12); ``55`` + DDD + number (12-13);
    DDD + number (10-11); a local number of 8-9 digits in ``area`` (the trunk's area code). Anything
    else (short numbers, foreign formats, "") is kept as sent. Lengths and first digits keep the
    forms apart: DDDs and CSPs hold no 0 (notes/routing-br.md 1.2). Inline, not a Gosub into
    patterns: every priority a call runs publishes a channel snapshot, and inbound calls must stay
    as cheap as a bare Dial (bench/call_setup --mode inbound).
    """
    v, length = f"${{{variable}}}", f"${{LEN(${{{variable}}})}}"
    first, two = f'"${{{variable}:0:1}}"', f'"${{{variable}:0:2}}"'
    cases = [
        (f'{first} = "+"', v),
        (f'{two} = "00" & {length} > 4', f"+${{{variable}:4}}"),
        (f'{first} = "0" & {length} >= 13 & {length} <= 14', f"+{COUNTRY}${{{variable}:3}}"),
        (f'{first} = "0" & {length} >= 11 & {length} <= 12', f"+{COUNTRY}${{{variable}:1}}"),
        (f'{two} = "{COUNTRY}" & {length} >= 12 & {length} <= 13', f"+{v}"),
        (f'{first} != "0" & {length} >= 10 & {length} <= 11', f"+{COUNTRY}{v}"),
    ]
    if area:
        cases.append((f"{length} >= 8 & {length} <= 9", f"+{COUNTRY}{area}{v}"))
    expression = v
    for condition, value in reversed(cases):
        expression = f"${{IF($[{condition}]?{value}:{expression})}}"
    return expression


def did_forms(did, area):
    """Return ``[(extension, E.164 expression)]``: the forms carriers send route DID ``did`` in.

    ``+5511…``, ``5511…``, ``11…``, ``011…``, ``0`` + CSP + ``11…``, and (``area`` = its area code)
    the local number. A pattern DID gives patterns. Compiled, so a known DID costs no work per call.
    """
    pattern = did.startswith("_")
    body = did[2:] if pattern else did[1:]  # without "_+" / "+"
    mark = "_" if pattern else ""
    forms = [(f"{mark}+{body}", "${EXTEN}"), (f"_{body}" if pattern else body, "+${EXTEN}")]
    if body.startswith(COUNTRY) and len(body) > len(COUNTRY) + 2:
        national = body[len(COUNTRY):]
        forms += [(f"{mark}{national}", f"+{COUNTRY}${{EXTEN}}"), (f"{mark}0{national}", f"+{COUNTRY}${{EXTEN:1}}"),
                  (f"_0XX{national}", f"+{COUNTRY}${{EXTEN:3}}")]
        if area and national.startswith(area) and len(national) - 2 >= 8:
            forms.append((f"{mark}{national[2:]}", f"+{COUNTRY}{area}${{EXTEN}}"))
    return forms


def _compiled_dids(source):
    """Return ``{extension: E.164 expression}`` of every route DID's forms that only one DID takes."""
    areas = {t.area_code for t in source.trunks if t.enabled and t.area_code}
    # A local number means a DID in the trunk's own area: compiled only when every trunk shares one area.
    area = next(iter(areas)) if len(areas) == 1 else ""
    seen, clash = {}, set()
    for route in getattr(source, "inbound_routes", ()):
        if not route.did:
            continue
        for extension, value in did_forms(route.did, area):
            if seen.get(extension, value) != value:
                clash.add(extension)
            seen[extension] = value
    return {extension: value for extension, value in seen.items() if extension not in clash}


def _direct_targets(source):
    """Return ``{E.164 DID: (context, exten, priority)}`` for route DIDs whose one route, for any caller,
    is a plain Goto: a compiled DID jumps there at once, without the hop through ``cn-did``."""
    routes = tuple(getattr(source, "inbound_routes", ()))
    by_did = {}
    for route in routes:
        if route.did and not route.did.startswith("_"):
            by_did.setdefault(route.did, []).append(route)
    targets = {}
    for did, group in by_did.items():
        # A recorded route starts its recording in cn-did first.
        if len(group) == 1 and not group[0].caller and group[0].recording != "always":
            found = re.fullmatch(r"Goto\(([A-Za-z0-9_-]+),([0-9A-Za-z+*#_-]+),([0-9]+)\)",
                                 group[0].destination.dialplan())
            if found:
                targets[did] = found.groups()
    return targets


#: Set first on every call from a trunk: the caller's number as sent, digits and + only.
_CALLER_SENT = quietly("CN_CALLER", "${FILTER(+0123456789,${CALLERID(num)})}")
#: The trunk's id, from its endpoint's name (trunk_<id>).
_TRUNK_ID = f"${{CHANNEL(endpoint):{len(TRUNK_PREFIX)}}}"


def _entry(source):
    trunks = source.trunks
    entry = Context(FROM_TRUNK_CONTEXT, "Every trunk's calls start here: the number sent, then the trunk's steps.")
    # One step: the jump sets the DID and the caller as sent on its way (quietly: decision 053).
    step = (f"Goto({TRUNK_STEPS_CONTEXT}{quietly('CN_DID', '${FILTER(+0123456789,${EXTEN})}')}{_CALLER_SENT},"
            f"{_TRUNK_ID},1)")
    entry.exten("_X!", step)
    entry.exten("_+X!", step)
    entry.note("No user part; registration trunks' account (their DID is in the To header).")
    entry.exten("s", step)
    accounts = sorted({t.username for t in trunks if t.enabled and t.kind == "registration" and t.username
                       and _SIP_USER.fullmatch(t.username) and not re.fullmatch(r"\+?[0-9]+", t.username)})
    for account in accounts:
        entry.exten(account, step)
    entry.note("Route DIDs in the forms carriers send them: already E.164, no work per call (IP trunks);")
    entry.note("CN_ROUTE, CN_ROUTE_EXTEN, CN_ROUTE_PRIORITY: where the DID's one route goes, when it is a")
    entry.note("plain jump. All set by the jump to the trunk's caller forms itself.")
    direct = _direct_targets(source)
    for extension, value in sorted(_compiled_dids(source).items()):
        route = direct.get(_literal_did(extension, value)) if not extension.startswith("_") else None
        sets = quietly("CN_DID", value) + _CALLER_SENT
        if route:
            sets += "".join(quietly(name, part) for name, part in zip(_ROUTE_VARIABLES, route, strict=True))
        entry.exten(extension, f"Goto({CALLER_FORMS_PREFIX}{_TRUNK_ID}{sets},c${{CN_CALLER}},1)")
    return entry


def _literal_did(extension, value):
    """Return the E.164 DID a compiled literal form stands for (its expression with ${EXTEN…} applied)."""
    def apply(match):
        offset = int(match.group(1) or 0)
        return extension[offset:]
    return re.sub(r"\$\{EXTEN(?::([0-9]+))?\}", apply, value)


def _goto(label):
    return f"{INBOUND_CONTEXT},{label},1"


#: The variables naming a compiled DID's direct route: MSet-free, each set by ``quietly``.
_ROUTE_VARIABLES = ("CN_ROUTE", "CN_ROUTE_EXTEN", "CN_ROUTE_PRIORITY")
#: Where a call goes once nothing refused it: the DID's direct route (CN_ROUTE), the compiled DID
#: match, or the unknown DID.
_ROUTE_TARGET = (f"${{IF(${{EXISTS(${{CN_ROUTE}})}}?${{CN_ROUTE}},${{CN_ROUTE_EXTEN}},${{CN_ROUTE_PRIORITY}}:"
                 f"${{IF(${{DIALPLAN_EXISTS({DID_CONTEXT},${{CN_DID}},1)}}?{DID_CONTEXT},${{CN_DID}},1:"
                 f"{INBOUND_CONTEXT},unknown,1)}})}}")


def _route_target(tests):
    """Return the one computed ``Goto`` target that ends a trunk's common path: the first test that holds wins.

    ``tests`` are ``(condition, target)`` in order; then the caller's phonebook name (its extension
    in cn-caller-names sets it and goes on to the route), then the route (``_ROUTE_TARGET``). One
    priority instead of a GotoIf each and a GosubIf: every priority a call runs publishes a channel
    snapshot, and every ``$[]`` is a parse (bench/call_setup --mode inbound); EXISTS() needs neither.
    """
    target = (f"${{IF(${{DIALPLAN_EXISTS({NAMES_CONTEXT},${{CALLERID(num)}},1)}}"
              f"?{NAMES_CONTEXT},${{CALLERID(num)}},1:{_ROUTE_TARGET})}}")
    for condition, goto in reversed(tests):
        if not condition.startswith("$[") and not condition.startswith("${"):
            raise ValueError(f"not an expression: {condition!r}")
        target = f"${{IF({condition}?{goto}:{target})}}"
    return target


def caller_forms(area):
    """Return ``[(pattern, E.164 expression)]``: the caller's number after a "c", in the forms carriers
    send it, and how each becomes E.164 (any other form: kept as sent, digits and + only).

    The forms of ``e164()``, matched by Asterisk's pattern matcher instead of seven ``$[]`` per call:
    ``+…``; ``00`` + CSP + country code + number; ``0`` + CSP + DDD + number (13-14 digits); ``0`` +
    DDD + number (11-12); ``55`` + DDD + number (12-13); DDD + number (10-11); a local number of 8-9
    digits in ``area``. The most specific pattern wins (``00…`` over ``0…``), as the expression's order.
    """
    x = "X"
    forms = [
        ("_c+X!", "${EXTEN:1}"),
        ("_c00XXX!", "+${EXTEN:5}"),
        (f"_c0{x * 12}", f"+{COUNTRY}${{EXTEN:4}}"), (f"_c0{x * 13}", f"+{COUNTRY}${{EXTEN:4}}"),
        (f"_c0{x * 10}", f"+{COUNTRY}${{EXTEN:2}}"), (f"_c0{x * 11}", f"+{COUNTRY}${{EXTEN:2}}"),
        (f"_c{COUNTRY}{x * 10}", "+${EXTEN:1}"), (f"_c{COUNTRY}{x * 11}", "+${EXTEN:1}"),
        (f"_c[1-9]{x * 9}", f"+{COUNTRY}${{EXTEN:1}}"), (f"_c[1-9]{x * 10}", f"+{COUNTRY}${{EXTEN:1}}"),
    ]
    if area:
        forms += [(f"_c{x * 8}", f"+{COUNTRY}{area}${{EXTEN:1}}"), (f"_c{x * 9}", f"+{COUNTRY}{area}${{EXTEN:1}}")]
    forms.append(("_c.", "${EXTEN:1}"))
    return forms


def _trunk_steps(source):
    """Return ``cn-trunk-in`` (per trunk, the steps of a call whose DID is not compiled) and each trunk's
    ``cn-caller-<id>`` (the caller's number as E.164, the phonebook name, refusals, the route)."""
    context = Context(TRUNK_STEPS_CONTEXT,
                      "One extension per trunk (its id: endpoint trunk_<id>): a DID not compiled in",
                      "cn-from-trunk becomes E.164 here, then the trunk's caller forms.")
    refusals = [(condition, _goto(label)) for condition, label in blocklist.inbound_tests(source)]
    forms_contexts = []
    for trunk in source.trunks:
        if not trunk.enabled:
            continue
        name = trunk_object(trunk.id)
        area = trunk.area_code if trunk.area_code in AREA_CODES else ""
        tests = []
        if trunk.max_channels:
            # This call already counts (endpoint set_var).
            tests.append((f"$[${{GROUP_COUNT({name}@{TRUNK_GROUP})}} > {int(trunk.max_channels)}]", _goto("full")))
        forms = f"{CALLER_FORMS_PREFIX}{int(trunk.id)}"
        did = [f"Goto({forms}{quietly('CN_DID', e164('CN_DID', area))},c${{CN_CALLER}},1)"]
        if trunk.kind == "registration":
            did = [Note("The Request-URI user is the account (contact_user): the DID is the To user."),
                   "Set(CN_TO=${PJSIP_HEADER(read,To)})",
                   "Set(CN_DID=${FILTER(+0123456789,${PJSIP_PARSE_URI_FROM(CN_TO,user)})})", *did]
        context.exten(str(int(trunk.id)), *did)
        target = _route_target([*tests, *refusals])
        caller = Context(forms, f"Trunk {int(trunk.id)}: the caller's number (after a c) as E.164, its phonebook name,",
                         "then refused (channel limit, blacklist) or routed.")
        for pattern, value in caller_forms(area):
            # The caller set as E.164 first: the tests then read it (quietly, decision 053).
            caller.exten(pattern, f"Goto({quietly('CALLERID(num)', value)}{target})")
        caller.note("No digits at all: the number as sent (anonymous, unavailable).")
        caller.exten("c", f"Goto({target})")
        forms_contexts.append(caller)
    return (context, *forms_contexts)


def _unknown_steps(catch_all):
    if catch_all is not None:
        return [catch_all.destination.dialplan()]
    return ["Log(NOTICE,Inbound call to unknown DID ${CN_DID} on ${CHANNEL(endpoint)} from ${CALLERID(num)})",
            Note("Cause 1 (unallocated number): the carrier gets 404."),
            "Hangup(1)"]


def _inbound(source, catch_all):
    context = Context(INBOUND_CONTEXT, "Where calls from trunks end when they reach no route.")
    context.note("A DID no route takes: the catch-all's destination, else a log line and 404.")
    context.exten("unknown", *_unknown_steps(catch_all))
    context.note("Beyond the trunk's max_channels: cause 34 (no circuit available), 503 to the carrier.")
    context.exten("full", "Log(NOTICE,Inbound call refused: ${CHANNEL(endpoint)} is at its channel limit)",
                  "Hangup(34)")
    blocklist.add_inbound_refusals(context, source)
    return context


def _caller_test(route, label):
    if route.caller_kind == "exact":
        return f'GotoIf($["${{CALLERID(num)}}" = "{route.caller}"]?{label})'
    return f'GotoIf($["${{CALLERID(num):0:{len(route.caller)}}}" = "{route.caller}"]?{label})'


def _route_steps(route):
    """Return a route's steps: recording first when it records its calls, then its destination."""
    if route.recording == "always":
        return [recording.start_if(prompt=route.recording_prompt or None, play=True), route.destination.dialplan()]
    return [route.destination.dialplan()]


def _dids(routes, catch_all):
    context = Context(DID_CONTEXT, "One extension per route DID (E.164 or a pattern on E.164).")
    by_did = {}
    for route in routes:
        if route.did:
            by_did.setdefault(route.did, []).append(route)
    for did in sorted(by_did):
        group = by_did[did]
        # Exact callers first, then longer prefixes, then the route for any caller.
        with_caller = sorted((r for r in group if r.caller),
                             key=lambda r: (r.caller_kind != "exact", -len(r.caller), r.caller))
        anyone = next((r for r in group if not r.caller), None)
        steps = [_caller_test(route, f"r{index}") for index, route in enumerate(with_caller)]
        steps += _route_steps(anyone) if anyone else _unknown_steps(catch_all)
        for index, route in enumerate(with_caller):
            first, *rest = _route_steps(route)
            steps += [at(f"r{index}", first.app if isinstance(first, Step) else first), *rest]
        context.exten(did, *steps)
    return context


def _names(source):
    """Return ``cn-caller-names``: the phonebook's E.164 numbers (compiled, no I/O per call), and short
    numbers (extensions) from the realtime table ``cn_callers``."""
    context = Context(NAMES_CONTEXT, "The caller's E.164 number: its name from the shared phonebook, unless the",
                      "carrier sent a name (anything but digits); then the call's route.")
    kept = "GotoIf($[${LEN(${FILTER(+0123456789,${CALLERID(name)})})} != ${LEN(${CALLERID(name)})}]?kept)"
    route = at("kept", f"Goto({_ROUTE_TARGET})")
    for number, name in sorted(getattr(source, "caller_names", ())):
        if not _E164.fullmatch(number) or not _NAME.fullmatch(name):
            raise ValueError(f"invalid caller name row {number!r} {name!r}")
        context.exten(number, kept, f"Set(CALLERID(name)={name})", route)
    context.note("Extensions and other short numbers: a realtime row (rare from a carrier, off the common path).")
    context.exten("_X!", kept, f"Set(CALLERID(name)=${{REALTIME_FIELD({CALLER_NAMES},id,${{EXTEN}},name)}})", route)
    return context


def contexts(source):
    """Return the dialplan contexts of inbound routing for ``source`` (an EngineInput)."""
    routes = tuple(getattr(source, "inbound_routes", ()))
    catch_all = next((route for route in routes if not route.did and not route.caller), None)
    return (_entry(source), *_trunk_steps(source), _inbound(source, catch_all), _dids(routes, catch_all),
            _names(source))
