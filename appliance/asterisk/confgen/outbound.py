"""Render outbound routing: profiles' contexts, routes, trunks with failover, emergency numbers.

Every device starts its calls in its profile's context (``cn-profile-<id>``, the endpoint's realtime
``context``: a profile change is live on the next call, no reload). That context includes, in order:
the emergency numbers; each route in route order, either the route itself (its class is allowed) or
its refusing twin (``cn-route-<id>-refused``: same patterns, announcement, 403); then ``internal``.
The first route whose pattern matches decides (routes are includes, tried in order), so a number
an earlier refused route would take never slips through a later, looser route.

A route's pattern extension rewrites the number (strip/prepend, computed at call time from
``${EXTEN}``) into four variables, then goes to the route's dial context with the same ``${EXTEN}``
(the CDR's dst stays the number dialled): caps, the blacklist Gosub (it returns before Dial), then each
trunk in order with the number and caller ID in the trunk's formats and failover on the answers
notes/routing-br.md 3.6-3.7 lists. Nothing here reads a database row at call time.
"""
import re
from dataclasses import dataclass, replace

from appliance import dial_patterns
from appliance.asterisk.names import (
    CALLS_GROUP,
    CAP_EVENT,
    EMERGENCY_NUMBERS,
    EMERGENCY_REWRITE,
    INTERNAL_CONTEXT,
    OUTBOUND_ASTDB_FAMILY,
    OUTBOUND_EXTENSION_GROUP,
    OUTBOUND_PROFILE_GROUP,
    TRUNK_GROUP,
    profile_context,
    trunk_object,
)
from appliance.business_hours import valid_timezone

from . import blocklist, recording
from .dialplan import Context, Note, at

PERMISSION_CLASSES = ("local", "national", "mobile", "international", "premium", "collect")
RESULTS = ("e164", "asis")
EMERGENCY_CONTEXT = "cn-emergency"
REFUSE_CONTEXT = "cn-out-refuse"
#: Matches whatever a route's pattern let through (digits, * and a leading +) in the dial contexts.
ANY_NUMBER = "_[0-9*+]!"
#: Announcement of a refused call, played as early media before the 403.
REFUSED_PROMPT = "ss-noservice"
#: The day international minutes are counted in when none is given (the daemon's counters use the site's
#: TIMEZONE, which EngineInput.timezone carries).
TIMEZONE = "America/Sao_Paulo"
_ZONE = re.compile(r"[A-Za-z0-9/_+-]{1,64}")
#: Velocity (notes/routing-br.md 4): more than this many international attempts by one extension in one
#: window of VELOCITY_SECONDS lock its international calls for the rest of the day.
VELOCITY_ATTEMPTS = 5
VELOCITY_SECONDS = 600
#: Causes (Asterisk's, from the trunk's SIP answer) after which another trunk would not help:
#: 1 unallocated (404, 485, 604), 28 invalid number (484), 127 other 4xx; BUSY and NOANSWER stop too.
_STOP_CAUSES = (1, 28, 127)
_CALLERID = re.compile(r"(\+[0-9]{2,19})?")
_PREPEND = re.compile(r"\+?[0-9*]{0,19}")
_LABEL = re.compile(r"[^\x00-\x1f\x7f;]{1,40}")
UNLIMITED = 100000


def route_context(route_id):
    """Return the context of route ``route_id``'s patterns."""
    return f"cn-route-{int(route_id)}"


@dataclass(frozen=True)
class PatternRow:
    """One dial pattern of a route (stored form, no leading ``_``) and its rewrite."""

    pattern: str
    strip: int = 0
    prepend: str = ""
    result: str = "e164"

    def __post_init__(self):
        if dial_patterns.problem(self.pattern) is not None:
            raise ValueError(f"invalid dial pattern {self.pattern!r}")
        if not 0 <= self.strip <= 20 or not _PREPEND.fullmatch(self.prepend) or self.result not in RESULTS:
            raise ValueError(f"invalid rewrite of {self.pattern!r}: strip {self.strip}, prepend {self.prepend!r}")
        if self.result == "e164" and not self.sample().startswith("+"):
            raise ValueError(f"{self.pattern!r} does not give an E.164 number (+…): {self.sample()!r}")

    def sample(self):
        """Return the number an example of this pattern becomes."""
        return dial_patterns.rewrite(dial_patterns.example(self.pattern), self.strip, self.prepend)

    @property
    def kind(self):
        """What the rewritten number is: "geo" (+55 + area code), "nongeo0" (+55 800/300/303/500/900),
        "nongeo" (+55 400X/4020), "intl" (another country) or "asis" (sent as it is)."""
        return number_kind(self.sample()) if self.result == "e164" else "asis"


def number_kind(e164):
    """Return the kind of an E.164 number (see PatternRow.kind): what each trunk format does with it."""
    if not e164.startswith("+55"):
        return "intl"
    national = e164[3:]
    if national[:3] in ("800", "300", "303", "500", "900"):
        return "nongeo0"
    if len(national) == 8 and national.startswith("4"):
        return "nongeo"
    return "geo"


@dataclass(frozen=True)
class RouteRow:
    """One outbound route: class, patterns, trunk ids in failover order, optional caller ID (E.164)."""

    id: int
    name: str
    permission_class: str
    patterns: tuple = ()
    trunks: tuple = ()
    callerid: str = ""
    enabled: bool = True
    #: "always": every call it takes is recorded; otherwise the calling extension's policy decides.
    recording: str = "never"
    #: The prompt (id) both parties hear when its "always" starts a recording; 0: none (decision 036).
    recording_prompt: int = 0

    def __post_init__(self):
        if self.recording not in recording.POLICIES:
            raise ValueError(f"route {self.id}: invalid recording policy {self.recording!r}")
        if not isinstance(self.recording_prompt, int) or self.recording_prompt < 0:
            raise ValueError(f"route {self.id}: invalid announcement prompt")
        if not _LABEL.fullmatch(self.name) or self.permission_class not in PERMISSION_CLASSES:
            raise ValueError(f"route {self.id}: invalid name or class")
        if not _CALLERID.fullmatch(self.callerid):
            raise ValueError(f"route {self.id}: invalid caller ID {self.callerid!r}")
        if not all(isinstance(p, PatternRow) for p in self.patterns) or \
                not all(isinstance(t, int) for t in self.trunks):
            raise ValueError(f"route {self.id}: patterns are PatternRow, trunks are ids")

    @property
    def context(self):
        """The context of this route's patterns."""
        return route_context(self.id)


@dataclass(frozen=True)
class ProfileRow:
    """A call profile: allowed classes and caps (0: no cap)."""

    id: int
    name: str
    classes: tuple = ()
    max_per_extension: int = 2
    max_total: int = 0
    international_minutes: int = 30
    #: The default profile is also compiled as DEFAULT_PROFILE_CONTEXT (outside numbers as destinations).
    is_default: bool = False

    def __post_init__(self):
        if not _LABEL.fullmatch(self.name) or not set(self.classes) <= set(PERMISSION_CLASSES):
            raise ValueError(f"profile {self.id}: invalid name or classes")
        if not all(0 <= n <= 100000 for n in (self.max_per_extension, self.max_total, self.international_minutes)):
            raise ValueError(f"profile {self.id}: caps are 0..100000")

    @property
    def context(self):
        """The context its devices start their calls in."""
        return profile_context(self.id)


def _drop(prepend, strip, count):
    """Return the dialplan expression of the rewritten number without its first ``count`` characters."""
    if count <= len(prepend):
        return prepend[count:] + f"${{FILTER(0123456789*+,${{EXTEN:{strip}}})}}"
    return f"${{FILTER(0123456789*+,${{EXTEN:{strip + count - len(prepend)}}})}}"


def _rewrite(pattern):
    """Return the MSet assignments putting a dialled number in every shape the trunks' formats take.

    CN_OUT: E.164 (or as-is); CN_PLAIN: without the +; CN_LD + CN_REST: the national form, where
    CN_LD ("0", "00" or "") is what a carrier selection code follows.
    """
    strip, prepend = pattern.strip, pattern.prepend
    kind = pattern.kind
    out = _drop(prepend, strip, 0)
    if kind == "asis":
        plain, ld, rest = out, "", out
    else:
        plain = _drop(prepend, strip, 1)
        ld, rest = {"geo": ("0", _drop(prepend, strip, 3)),
                    "nongeo0": ("", "0" + _drop(prepend, strip, 3)),
                    "nongeo": ("", _drop(prepend, strip, 3)),
                    "intl": ("00", plain)}[kind]
    return f"CN_OUT={out},CN_PLAIN={plain},CN_LD={ld},CN_REST={rest}"


def _number_for(trunk):
    return {"e164": "${CN_OUT}", "e164_plain": "${CN_PLAIN}", "national": "${CN_LD}${CN_REST}",
            "national_csp": f'${{CN_LD}}${{IF($["${{CN_LD}}" != ""]?{trunk.csp})}}${{CN_REST}}'}[trunk.number_format]


def _callerid_for(trunk, variable):
    value = f"${{{variable}}}"
    return {"e164": value, "e164_plain": f"${{{variable}:1}}", "national": f"0${{{variable}:3}}",
            "national_csp": f"0{trunk.csp}${{{variable}:3}}"}[trunk.callerid_format]


def _refuse(context):
    context.note("Refused: the profile does not allow the route, a cap tripped or the number is blocked.")
    context.exten(
        ANY_NUMBER,
        "Log(NOTICE,outbound call refused: ${CN_REASON} from ${CALLERID(num)} to ${EXTEN})",
        "Progress()",
        f"Playback({REFUSED_PROMPT},noanswer)",
        Note("Cause 21 (call rejected): the phone gets 403 Forbidden."),
        "Hangup(21)",
    )
    return context


#: The extension whose outside call it is: the forwarding one (CN_FROM, set by a forward), else the calling device's.
_EXT = f'${{IF($["${{CN_FROM}}" = ""]?${{GROUP({CALLS_GROUP})}}:${{CN_FROM}})}}'
#: The extension's own caller ID (its devices' callerid_tag; a forward sets the forwarding extension's).
_TAG = "${FILTER(0123456789+,${CALLERID(tag)})}"


def _usable(trunks):
    return [trunk for trunk in trunks if trunk.enabled]


def _unusable(trunk):
    """Return the expression true when ``trunk`` cannot take a call now: qualify says unreachable, or it is full."""
    name = trunk_object(trunk.id)
    tests = []
    if trunk.qualify_seconds:  # without qualify its state never says unreachable: no need to ask
        tests.append(f'"${{DEVICE_STATE(PJSIP/{name})}}" = "UNAVAILABLE"')
    if trunk.max_channels:
        tests.append(f"${{GROUP_COUNT({name}@{TRUNK_GROUP})}} >= {trunk.max_channels}")
    return " | ".join(tests) or "0"


def _fallback(route, trunk):
    """Return the caller ID used when the extension has none: the route's, else the trunk's default."""
    return route.callerid or trunk.default_callerid


def _dial(route, trunk, intl, extensions_record=True):
    forced = f"f({_callerid_for(trunk, 'CN_C')})"
    options = forced if _fallback(route, trunk) else f'${{IF($["${{CN_C}}" != ""]?{forced})}}'
    if intl:
        options += "L(${CN_LEFT}000)"
    # The start routine may have left an announcement: a recorded route's prompt, or the calling extension's.
    if route.recording_prompt if route.recording == "always" else extensions_record:
        options += recording.DIAL_ANNOUNCEMENT
    return f"Dial(PJSIP/{_number_for(trunk)}@{trunk_object(trunk.id)},,{options})"


def _record(route, label, extensions_record):
    """Return the steps before a trunk's Dial that start recording (or allow the in-call code): always when the
    route says so, else as the calling extension's policy says (a refused call never gets this far). While no
    extension records (``extensions_record`` false), no step: the caller's row is not read at all."""
    if route.recording == "always":
        return [recording.start_if(label=label, prompt=route.recording_prompt or None)]
    if not extensions_record:
        return []
    return [at(label, f"Set(CN_RECP={recording.CALLER_POLICY})"),
            recording.on_demand_if(recording.policy_is("${CN_RECP}", "on_demand")),
            recording.start_if(recording.policy_is("${CN_RECP}"), prompt=recording.CALLER_PROMPT)]


def _failover(following):
    stop = " & ".join(f"0${{HANGUPCAUSE}} != {cause}" for cause in _STOP_CAUSES)
    return f'GotoIf($["${{DIALSTATUS}}" = "CONGESTION" | ("${{DIALSTATUS}}" = "CHANUNAVAIL" & {stop})]?{following})'


def _dial_steps(route, available, intl, extensions_record=True):
    """Return the dial context's steps: the first trunk at priority 1 (the route jumps to it), then failover."""
    steps = []
    for index, trunk in enumerate(available):
        following = f"t{index + 1}" if index + 1 < len(available) else "failed"
        steps.append(Note(f"trunk {trunk.id}: {trunk.name} ({trunk.number_format})"))
        if index:
            group = f"Set(OUTBOUND_GROUP_ONCE={trunk_object(trunk.id)}@{TRUNK_GROUP})"
            if _unusable(trunk) == "0":
                steps.append(at(f"t{index}", group))
            else:
                steps += [at(f"t{index}", f"GotoIf($[{_unusable(trunk)}]?{following})"), group]
            if _fallback(route, trunk) != _fallback(route, available[0]):
                steps.append(f'Set(CN_C=${{IF($["${{CN_TAG}}" = ""]?{_fallback(route, trunk)}:${{CN_TAG}})}})')
        record = _record(route, f"d{index}", extensions_record)
        dial = _dial(route, trunk, intl, extensions_record)
        steps += [*record, dial] if record else [at(f"d{index}", dial)]
        steps += [_failover(following), "Hangup(${HANGUPCAUSE})"]
    steps += [
        Note("No trunk could take it: 503 to the phone."),
        at("failed", "Log(WARNING,outbound call from ${CALLERID(num)} to ${EXTEN}: no trunk took it)"),
        "Hangup(34)",
        at("busy", f"UserEvent({CAP_EVENT},Extension: ${{CN_EXT}},Profile: ${{CN_PROFILE}},Cap: calls)"),
        "Set(CN_REASON=simultaneous calls cap)",
        f"Goto({REFUSE_CONTEXT},${{EXTEN}},1)",
        *blocklist.outbound_refusals(f"Goto({REFUSE_CONTEXT},${{EXTEN}},1)"),
    ]
    if intl:
        steps += [
            at("minutes", f"UserEvent({CAP_EVENT},Extension: ${{CN_EXT}},Profile: ${{CN_PROFILE}},Cap: minutes)"),
            "Set(CN_REASON=international minutes cap)",
            f"Goto({REFUSE_CONTEXT},${{EXTEN}},1)",
        ]
    return steps


def _route_contexts(route, trunks, extensions_record=True, timezone=TIMEZONE, blocks=()):
    """Return a route's contexts: its patterns, their refusing twin, and the dial context.

    The common call runs three priorities: the pattern's MSet (the number in every shape, whose call
    it is, its caller ID, its channel groups, the CDR mark, the first trunk's group), one Goto whose
    label says what happens (blacklisted, over a cap, or the first usable trunk), and Dial. Every
    check is an expression inside those steps, not a step of its own (each step costs a channel
    snapshot); ``blocks``: the outbound lists' ``(condition, label)``, empty while they are.
    """
    intl = route.permission_class == "international"
    available = _usable([trunks[t] for t in route.trunks if t in trunks])
    patterns = Context(route.context, f"route {route.id}: {route.name} ({route.permission_class})",
                       "Steps: the number in each trunk format and whose call it is; the blacklist; then one jump:",
                       "blocked, locked (velocity), over a cap (busy, minutes), or the first trunk (d0) unless",
                       "it is unreachable or full.")
    refused = Context(route.context + "-refused", f"route {route.id} where the profile does not allow it")
    dial = Context(route.context + "-dial")
    profile = "${CONTEXT:11}"
    first = available[0] if available else None
    shared = [f"CN_PROFILE={profile}", f"CN_EXT={_EXT}", f"CN_TAG={_TAG}",
              f'CN_C=${{IF($["{_TAG}" = ""]?{_fallback(route, first) if first else route.callerid}:{_TAG})}}',
              f"GROUP({OUTBOUND_EXTENSION_GROUP})=x{_EXT}", f"GROUP({OUTBOUND_PROFILE_GROUP})={profile}"]
    if intl:  # the daemon counts international minutes per extension from this mark
        shared.append(f"CDR(userfield)=out:{_EXT}:{route.permission_class}")
    if first is not None:
        shared.append(f"OUTBOUND_GROUP_ONCE={trunk_object(first.id)}@{TRUNK_GROUP}")
    # Counted with this call in its groups: more than the cap means one too many.
    caps = (f"${{GROUP_COUNT(x${{CN_EXT}}@{OUTBOUND_EXTENSION_GROUP})}} > ${{CN_PEXT_${{CN_PROFILE}}}}"
            f" | ${{GROUP_COUNT(${{CN_PROFILE}}@{OUTBOUND_PROFILE_GROUP})}} > ${{CN_PALL_${{CN_PROFILE}}}}")
    if first is None:
        start = "failed"
    elif _unusable(first) == "0":
        start = "d0"
    else:
        start = f'${{IF($[{_unusable(first)}]?{"t1" if len(available) > 1 else "failed"}:d0)}}'
    day = f"${{STRFTIME(${{EPOCH}},{timezone},%Y%m%d)}}"
    tries = f"{OUTBOUND_ASTDB_FAMILY}/${{CN_EXT}}/intl_tries_${{MATH(${{EPOCH}}/{VELOCITY_SECONDS},int)}}"
    # (condition, label) in the order they are asked; the first true one is where the call goes.
    checks = list(blocks)
    if intl:
        checks.append((f'0${{DB({tries})}} > {VELOCITY_ATTEMPTS} | "${{DB({OUTBOUND_ASTDB_FAMILY}/${{CN_EXT}}/'
                       f'intl_lock_{day})}}" = "1"', "velocity"))
    checks.append((caps, "busy"))
    if intl:
        checks.append(("${CN_LEFT} <= 0", "minutes"))
    label = start
    for condition, target in reversed(checks):
        label = f"${{IF($[{condition}]?{target}:{label})}}"
    minutes = (f"Set(CN_LEFT=$[${{CN_PINTL_${{CN_PROFILE}}}} * 60"
               f" - 0${{DB({OUTBOUND_ASTDB_FAMILY}/${{CN_EXT}}/intl_{day})}}])")
    for pattern in route.patterns:
        name = dial_patterns.dialplan_name(pattern.pattern)
        patterns.exten(name, f"MSet({_rewrite(pattern)},{','.join(shared)})",
                       *([minutes, f"Set(DB({tries})=$[0${{DB({tries})}} + 1])"] if intl else []),
                       f"Goto({dial.name},${{EXTEN}},{label})")
        refused.exten(name, f"Set(CN_REASON=route {route.id} {route.permission_class} not allowed)",
                      f"Goto({REFUSE_CONTEXT},${{EXTEN}},1)")
    steps = _dial_steps(route, available, intl, extensions_record)
    if intl:
        steps += [
            at("velocity", f"Set(DB({OUTBOUND_ASTDB_FAMILY}/${{CN_EXT}}/intl_lock_{day})=1)"),
            f"UserEvent({CAP_EVENT},Extension: ${{CN_EXT}},Profile: ${{CN_PROFILE}},Cap: velocity)",
            "Set(CN_REASON=too many international attempts: locked for today)",
            f"Goto({REFUSE_CONTEXT},${{EXTEN}},1)",
        ]
    dial.exten(ANY_NUMBER, *steps)
    return patterns, refused, dial


def _emergency(trunks):
    emergency = Context(EMERGENCY_CONTEXT, "Emergency and public-utility numbers: any profile, no caps, no blacklist,",
                        "every enabled trunk in order until one takes the call.")
    dial = Context(EMERGENCY_CONTEXT + "-dial")
    for number in EMERGENCY_NUMBERS:
        emergency.exten(number, f"Set(CN_OUT={EMERGENCY_REWRITE.get(number, number)})",
                        f"Goto({dial.name},${{EXTEN}},1)")
    steps = ["Log(NOTICE,emergency call from ${CALLERID(num)} to ${CN_OUT})",
             'Set(CN_XCID=${FILTER(0123456789+,${CALLERID(tag)})})']
    enabled = [trunk for trunk in sorted(trunks.values(), key=lambda t: t.id) if trunk.enabled]
    for trunk in enabled:
        name = trunk_object(trunk.id)
        variable = "CN_XCID"
        if trunk.default_callerid:
            steps.append(f'Set(CN_C=${{IF($["${{CN_XCID}}" = ""]?{trunk.default_callerid}:${{CN_XCID}})}})')
            variable = "CN_C"
        forced = f"f({_callerid_for(trunk, variable)})"
        options = forced if trunk.default_callerid else f'${{IF($["${{CN_XCID}}" != ""]?{forced})}}'
        steps += [Note(f"trunk {trunk.id}: {trunk.name}"), f"Dial(PJSIP/${{CN_OUT}}@{name},,{options})",
                  'GotoIf($["${DIALSTATUS}" = "BUSY" | "${DIALSTATUS}" = "NOANSWER"]?end)']
    steps += ["Log(WARNING,emergency call from ${CALLERID(num)} to ${CN_OUT}: no trunk took it)",
              at("end", "Hangup(${HANGUPCAUSE})")]
    dial.exten(ANY_NUMBER, *steps)
    return emergency, dial


def _profile_globals(profiles):
    # Caps per profile, read at call time by the shared route contexts (``${CN_PEXT_<id>}``).
    context = Context("globals", "Caps per call profile (0 in the app: no cap).")
    for profile in profiles:
        context.setting(f"CN_PEXT_{profile.id}", profile.max_per_extension or UNLIMITED)
        context.setting(f"CN_PALL_{profile.id}", profile.max_total or UNLIMITED)
        context.setting(f"CN_PINTL_{profile.id}", profile.international_minutes)
    return context


def contexts(source):
    """Return the dialplan contexts of outbound routing for ``source`` (an EngineInput)."""
    profiles = tuple(getattr(source, "profiles", ()))
    routes = [route for route in getattr(source, "routes", ()) if route.enabled]
    trunks = {trunk.id: trunk for trunk in source.trunks}
    timezone = getattr(source, "timezone", TIMEZONE)
    # site.json may be edited by hand: only a zone Python knows, in the characters zone names use, reaches the dialplan.
    if not _ZONE.fullmatch(timezone) or not valid_timezone(timezone):
        raise ValueError(f"invalid time zone {timezone!r}")
    out = [*_emergency(trunks), _refuse(Context(REFUSE_CONTEXT))]
    default = next((profile for profile in profiles if profile.is_default), None)
    if default is not None:
        profiles = (*profiles, replace(default, id=0, name=f"{default.name} (destinations)", is_default=False))
    for profile in profiles:
        context = Context(profile.context, f"profile {profile.id}: {profile.name} "
                                           f"({', '.join(profile.classes) or 'internal only'})")
        context.include(EMERGENCY_CONTEXT)
        for route in routes:
            allowed = route.permission_class in profile.classes
            context.include(route.context if allowed else route.context + "-refused")
        context.include(INTERNAL_CONTEXT)
        out.append(context)
    # The calling extension's recording policy is read per call only while some extension records.
    extensions_record = getattr(source, "extension_recording", True)
    blocks = blocklist.outbound_tests(source)
    for route in routes:
        out += _route_contexts(route, trunks, extensions_record, timezone, blocks)
    return (_profile_globals(profiles), *out)
