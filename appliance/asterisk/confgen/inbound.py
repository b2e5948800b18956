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

from . import blocklist
from .dialplan import Context, Note, at
from .trunks import TRUNK_PREFIX

TRUNK_STEPS_CONTEXT = "cn-trunk-in"
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

    def __post_init__(self):
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


def _entry(source):
    trunks = source.trunks
    entry = Context(FROM_TRUNK_CONTEXT, "Every trunk's calls start here: the number sent, then the trunk's steps.")
    steps = ("Set(CN_DID=${FILTER(+0123456789,${EXTEN})})",
             f"Goto({TRUNK_STEPS_CONTEXT},${{CHANNEL(endpoint):{len(TRUNK_PREFIX)}}},1)")
    entry.exten("_X!", *steps)
    entry.exten("_+X!", *steps)
    entry.note("No user part; registration trunks' account (their DID is in the To header).")
    entry.exten("s", *steps)
    accounts = sorted({t.username for t in trunks if t.enabled and t.kind == "registration" and t.username
                       and _SIP_USER.fullmatch(t.username) and not re.fullmatch(r"\+?[0-9]+", t.username)})
    for account in accounts:
        entry.exten(account, *steps)
    entry.note("Route DIDs in the forms carriers send them: already E.164, no work per call (IP trunks).")
    for extension, value in sorted(_compiled_dids(source).items()):
        entry.exten(extension, f"Set(CN_DID={value})",
                    f"Goto({TRUNK_STEPS_CONTEXT},${{CHANNEL(endpoint):{len(TRUNK_PREFIX)}}},known)")
    return entry


def _goto(label):
    return f"{INBOUND_CONTEXT},{label},1"


def _trunk_steps(source):
    """Return ``cn-trunk-in``: per trunk, the whole common path of its calls, compiled with its settings."""
    context = Context(TRUNK_STEPS_CONTEXT,
                      "One extension per trunk (its id: endpoint trunk_<id>): the whole path of its calls,",
                      "a handful of priorities (bench/call_setup --mode inbound).")
    blocks = blocklist.inbound_rules(source, _goto)
    for trunk in source.trunks:
        if not trunk.enabled:
            continue
        name = trunk_object(trunk.id)
        area = trunk.area_code if trunk.area_code in AREA_CODES else ""
        limit = []
        if trunk.max_channels:
            limit = [Note(f"At most {trunk.max_channels} calls: this one already counts (endpoint set_var)."),
                     f"GotoIf($[${{GROUP_COUNT({name}@{TRUNK_GROUP})}} > {int(trunk.max_channels)}]"
                     f"?{_goto('full')})"]
        did = [Note("A DID not compiled in cn-from-trunk: as E.164 here."), f"Set(CN_DID={e164('CN_DID', area)})"]
        if trunk.kind == "registration":
            did = [Note("The Request-URI user is the account (contact_user): the DID is the To user."),
                   "Set(CN_TO=${PJSIP_HEADER(read,To)})",
                   "Set(CN_DID=${FILTER(+0123456789,${PJSIP_PARSE_URI_FROM(CN_TO,user)})})", *did]
        caller = [Note("The caller's number as E.164 (call history, blacklists and the phonebook match it)."),
                  "Set(CN_CALLER=${FILTER(+0123456789,${CALLERID(num)})})",
                  f"Set(CN_CALLER={e164('CN_CALLER', area)})"]
        # A DID compiled in cn-from-trunk jumps to "known", past its normalisation; a registration
        # trunk's DID is always the To header's, so its "known" is its first step.
        ordered = [*limit, *did, *caller] if trunk.kind == "registration" else [*did, *limit, *caller]
        first = next(index for index, step in enumerate(ordered) if not isinstance(step, Note)) \
            if trunk.kind == "registration" else len(did) + (1 if limit else 1)
        ordered[first] = at("known", ordered[first])
        steps = ordered
        steps += [
            'ExecIf($["${CN_CALLER}" != ""]?Set(CALLERID(num)=${CN_CALLER}))',
            *blocks,
            Note("The phonebook's name when the carrier sent none, or only a number (cn-caller-names)."),
            f"GosubIf($[${{DIALPLAN_EXISTS({NAMES_CONTEXT},${{CN_CALLER}},1)}} & "
            "${LEN(${FILTER(+0123456789,${CALLERID(name)})})} = ${LEN(${CALLERID(name)})}]"
            f"?{NAMES_CONTEXT},${{CN_CALLER}},1)",
            f"GotoIf(${{DIALPLAN_EXISTS({DID_CONTEXT},${{CN_DID}},1)}}?{DID_CONTEXT},${{CN_DID}},1)",
            f"Goto({_goto('unknown')})",
        ]
        context.exten(str(int(trunk.id)), *steps)
    return context


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
        return f'GotoIf($["${{CN_CALLER}}" = "{route.caller}"]?{label})'
    return f'GotoIf($["${{CN_CALLER:0:{len(route.caller)}}}" = "{route.caller}"]?{label})'


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
        steps += [anyone.destination.dialplan()] if anyone else _unknown_steps(catch_all)
        for index, route in enumerate(with_caller):
            steps.append(at(f"r{index}", route.destination.dialplan()))
        context.exten(did, *steps)
    return context


def _names(source):
    """Return ``cn-caller-names``: the phonebook's E.164 numbers (compiled, no I/O per call), and short
    numbers (extensions) from the realtime table ``cn_callers``."""
    context = Context(NAMES_CONTEXT, "Gosub here with the caller's E.164 number: its name from the shared phonebook.")
    for number, name in sorted(getattr(source, "caller_names", ())):
        if not _E164.fullmatch(number) or not _NAME.fullmatch(name):
            raise ValueError(f"invalid caller name row {number!r} {name!r}")
        context.exten(number, f"Set(CALLERID(name)={name})", "Return()")
    context.note("Extensions and other short numbers: a realtime row (rare from a carrier, off the common path).")
    context.exten("_X!", f"Set(CALLERID(name)=${{REALTIME_FIELD({CALLER_NAMES},id,${{EXTEN}},name)}})", "Return()")
    return context


def contexts(source):
    """Return the dialplan contexts of inbound routing for ``source`` (an EngineInput)."""
    routes = tuple(getattr(source, "inbound_routes", ()))
    catch_all = next((route for route in routes if not route.did and not route.caller), None)
    return (_entry(source), _trunk_steps(source), _inbound(source, catch_all), _dids(routes, catch_all),
            _names(source))
