"""Render inbound routing: calls from trunks, by DID and caller, to their destinations.

A call from a carrier starts in ``cn-from-trunk`` (every trunk endpoint's context). Its path:

1. ``cn-from-trunk``: the number the carrier sent (the Request-URI user), digits and + only,
   then the trunk's own steps in ``cn-trunk-in`` (``${CHANNEL(endpoint)}`` is ``trunk_<id>``):
   refuse a call beyond ``max_channels``, take the DID from the To header on registration trunks
   (their Request-URI user is the account), the trunk's area code for local numbers.
2. ``cn-inbound``: the DID and the caller's number become E.164 through the patterns of
   ``cn-e164`` (``+5511…``, ``5511…``, ``11…``, ``011…``, ``0 15 11…`` and 8/9-digit local numbers
   all give ``+5511…``), the blacklist (confgen/blocklist.py), the caller's name from the phonebook
   (realtime table ``cn_callers``) when the carrier sent none, then the route.
3. ``cn-did``: one extension per route DID (E.164, or an Asterisk pattern on E.164): a compiled
   match, no lookup per call. Routes with a caller-ID match are tests inside their DID's extension.
   A DID no route has gets the catch-all's destination, or is hung up with a log line.
"""
import re
from dataclasses import dataclass

from appliance.asterisk.names import FROM_TRUNK_CONTEXT, TRUNK_GROUP, trunk_object
from appliance.destinations import HANGUP, Destination, parse

from . import blocklist
from .dialplan import Context, Note, at
from .trunks import TRUNK_PREFIX

TRUNK_STEPS_CONTEXT = "cn-trunk-in"
INBOUND_CONTEXT = "cn-inbound"
E164_CONTEXT = "cn-e164"
DID_CONTEXT = "cn-did"
#: Realtime family (extconfig) and table of caller names: E.164 or extension number -> name.
CALLER_NAMES = "cn_callers"
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


def _e164_forms():
    """Return the context turning a number in any form Brazilian carriers send into E.164.

    Called as ``Gosub(cn-e164,c<digits>,1)``: the ``c`` keeps an empty number an extension
    (``c`` alone, an anonymous caller). Returns the E.164 number, the number as sent when it
    has no national form (short numbers, foreign formats), or "" for no number.
    Patterns, not file order, decide: the most specific wins (notes/routing-br.md 1.2);
    lengths and first digits keep the forms apart (DDDs and CSPs hold no 0).
    """
    forms = Context(E164_CONTEXT, "A number as carriers send it -> E.164 (GOSUB_RETVAL); the c keeps '' an extension.")
    forms.exten("c", "Return()")
    forms.exten("_c+X!", "Return(${EXTEN:1})")
    forms.note("International with a carrier code: 00 + CSP + country code + number.")
    forms.exten("_c00XXX!", "Return(+${EXTEN:5})")
    forms.note("National with a carrier code: 0 + CSP + DDD + number (13 or 14 digits).")
    for tail in ("[2-8]XXXXXXX", "9XXXXXXXX"):
        forms.exten(f"_c0XXZZ{tail}", f"Return(+{COUNTRY}${{EXTEN:4}})")
    forms.note("National: 0 + DDD + number; with the country code; DDD + number.")
    for tail in ("[2-8]XXXXXXX", "9XXXXXXXX"):
        forms.exten(f"_c0ZZ{tail}", f"Return(+{COUNTRY}${{EXTEN:2}})")
        forms.exten(f"_c{COUNTRY}ZZ{tail}", "Return(+${EXTEN:1})")
        forms.exten(f"_cZZ{tail}", f"Return(+{COUNTRY}${{EXTEN:1}})")
    forms.note("Toll-free and shared-cost numbers: 0800..., 0300...")
    forms.exten("_c0[358]00XXXXXX!", f"Return(+{COUNTRY}${{EXTEN:2}})")
    forms.note("Local: 8 or 9 digits, in the trunk's area code (CN_AREA, set by the trunk's steps).")
    for tail in ("[2-8]XXXXXXX", "9XXXXXXXX"):
        forms.exten(f"_c{tail}",
                    f'Return(${{IF($["${{CN_AREA}}" = ""]?${{EXTEN:1}}:+{COUNTRY}${{CN_AREA}}${{EXTEN:1}})}})')
    forms.note("Anything else (short numbers, foreign formats): as sent.")
    forms.exten("_cX!", "Return(${EXTEN:1})")
    return forms


def _entry(trunks):
    entry = Context(FROM_TRUNK_CONTEXT, "Every trunk's calls start here: the number sent, then the trunk's steps.")
    steps = ("Set(CN_NUMBER=${FILTER(+0123456789,${EXTEN})})",
             f"Goto({TRUNK_STEPS_CONTEXT},${{CHANNEL(endpoint):{len(TRUNK_PREFIX)}}},1)")
    entry.exten("_X!", *steps)
    entry.exten("_+X!", *steps)
    entry.note("No user part; registration trunks' account (their DID is in the To header).")
    entry.exten("s", *steps)
    accounts = sorted({t.username for t in trunks if t.enabled and t.kind == "registration" and t.username
                       and _SIP_USER.fullmatch(t.username) and not re.fullmatch(r"\+?[0-9]+", t.username)})
    for account in accounts:
        entry.exten(account, *steps)
    return entry


def _trunk_steps(trunks):
    context = Context(TRUNK_STEPS_CONTEXT,
                      "One extension per trunk (its id: endpoint trunk_<id>): its limit, where its DID is.")
    for trunk in trunks:
        if not trunk.enabled:
            continue
        name = trunk_object(trunk.id)
        steps = []
        if trunk.max_channels:
            steps.append(Note(f"At most {trunk.max_channels} calls: this one already counts (endpoint set_var)."))
            steps.append(f"GotoIf($[${{GROUP_COUNT({name}@{TRUNK_GROUP})}} > {int(trunk.max_channels)}]"
                         f"?{INBOUND_CONTEXT},full,1)")
        if trunk.area_code:
            steps.append(f"Set(CN_AREA={trunk.area_code})")
        if trunk.kind == "registration":
            steps.append(Note("The Request-URI user is the account (contact_user): the DID is the To user."))
            steps.append("Set(CN_TO=${PJSIP_HEADER(read,To)})")
            steps.append("Set(CN_NUMBER=${FILTER(+0123456789,${PJSIP_PARSE_URI_FROM(CN_TO,user)})})")
        steps.append(f"Goto({INBOUND_CONTEXT},in,1)")
        context.exten(str(int(trunk.id)), *steps)
    return context


def _unknown_steps(catch_all):
    if catch_all is not None:
        return [catch_all.destination.dialplan()]
    return ["Log(NOTICE,Inbound call to unknown DID ${CN_DID} on ${CHANNEL(endpoint)} from ${CALLERID(num)})",
            Note("Cause 1 (unallocated number): the carrier gets 404."),
            "Hangup(1)"]


def _inbound(source, catch_all):
    blocks = blocklist.inbound_rules(source)
    context = Context(INBOUND_CONTEXT, "The DID and the caller as E.164, the blacklist, the caller's name, the route.")
    steps = [
        f"Gosub({E164_CONTEXT},c${{CN_NUMBER}},1)",
        "Set(CN_DID=${GOSUB_RETVAL})",
        Note("The caller's number as E.164 too: call history, blacklists and the phonebook match it."),
        f"Gosub({E164_CONTEXT},c${{FILTER(+0123456789,${{CALLERID(num)}})}},1)",
        "Set(CN_CALLER=${GOSUB_RETVAL})",
        'ExecIf($["${CN_CALLER}" != ""]?Set(CALLERID(num)=${CN_CALLER}))',
        *blocks.steps,
        Note("The phonebook's name when the carrier sent none, or only a number."),
        "GotoIf($[${LEN(${FILTER(+0123456789,${CALLERID(name)})})} != ${LEN(${CALLERID(name)})}"
        ' | "${CN_CALLER}" = ""]?route)',
        f"Set(CN_NAME=${{REALTIME_FIELD({CALLER_NAMES},id,${{CN_CALLER}},name)}})",
        "ExecIf($[${LEN(${CN_NAME})} > 0]?Set(CALLERID(name)=${CN_NAME}))",
        at("route", f"GotoIf(${{DIALPLAN_EXISTS({DID_CONTEXT},${{CN_DID}},1)}}?{DID_CONTEXT},${{CN_DID}},1)"),
        *_unknown_steps(catch_all),
        *blocks.refusals,
    ]
    context.exten("in", *steps)
    context.note("Beyond the trunk's max_channels: cause 34 (no circuit available), 503 to the carrier.")
    context.exten("full", "Log(NOTICE,Inbound call refused: ${CHANNEL(endpoint)} is at its channel limit)",
                  "Hangup(34)")
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


def contexts(source):
    """Return the dialplan contexts of inbound routing for ``source`` (an EngineInput)."""
    routes = tuple(getattr(source, "inbound_routes", ()))
    catch_all = next((route for route in routes if not route.did and not route.caller), None)
    return (_entry(source.trunks), _trunk_steps(source.trunks), _inbound(source, catch_all), _e164_forms(),
            _dids(routes, catch_all))
