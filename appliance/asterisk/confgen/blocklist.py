"""Render blacklist checks: callers refused on the way in, numbers refused on the way out.

Lists compile into dialplan patterns, one extension per entry (``+5511912345678`` exact,
``_+55303!`` a prefix), and a call is checked with one ``DIALPLAN_EXISTS`` against them: no
lookup per call, and nothing at all rendered while a list is empty. Per-extension inbound lists
are checked on the slow path of a call to the extension (confgen/extensions.py), which the call
takes only when AstDB holds ``CN/<number>/block_in`` (services/blocklist.py writes it).

A blocked attempt sets the call record's userfield (``blocked-in``, ``blocked-in:<extension>``,
``blocked-in-anon``, ``blocked-in-anon:<extension>``, ``blocked-out <number>``,
``blocked-out:<extension> <number>``):
call records are ingested durably (docs/decisions/004), so the counts the blacklist page shows survive
restarts and need no counter of their own (docs/decisions/016).
"""
import re
from dataclasses import dataclass

from appliance.asterisk.names import INTERNAL_CONTEXT

from .dialplan import Context, Note, at

BLOCK_IN_CONTEXT = "cn-block-in"
BLOCK_OUT_CONTEXT = "cn-block-out-all"
#: Per-extension lists: ``cn-block-in-<number>``, ``cn-block-out-<number>``.
EXTENSION_IN_PREFIX = "cn-block-in-"
EXTENSION_OUT_PREFIX = "cn-block-out-"
#: Where a call to an extension with its own inbound list is checked (from [internal]'s check path).
EXTENSION_CHECK_CONTEXT = "cn-block-ext"
#: AstDB key under CN/<number>/ that sends external calls to the extension through the check.
ASTDB_KEY = "block_in"
#: The label in [internal]'s extension where the check returns.
RESUME_LABEL = "checked"
DIRECTIONS = ("in", "out")
MATCHES = ("exact", "prefix", "anonymous")
#: Stored numbers: E.164, or as dialled (short numbers, prefixes of digits).
_NUMBER = re.compile(r"\+?[0-9]{1,16}")
_EXTENSION = re.compile(r"[0-9]{1,20}")
#: Cause 21 (call rejected): the carrier (or the phone) gets 403 Forbidden.
REFUSE_CAUSE = 21
#: What anonymous means (notes/routing-br.md 5): no digits in the number, or presentation prohibited.
ANONYMOUS_TEST = ('$[${LEN(${FILTER(0123456789,${CALLERID(num)})})} = 0'
                  ' | "${CALLERID(num-pres):0:6}" = "prohib"]')


@dataclass(frozen=True)
class BlockRow:
    """One blacklist entry: direction, match kind, number (none for anonymous), extension ("" system-wide)."""

    direction: str
    match: str
    number: str = ""
    extension: str = ""

    def __post_init__(self):
        if self.direction not in DIRECTIONS or self.match not in MATCHES:
            raise ValueError(f"invalid block {self.direction!r} {self.match!r}")
        if self.match == "anonymous":
            if self.number or self.direction != "in":
                raise ValueError("anonymous blocks are inbound and have no number")
        elif not _NUMBER.fullmatch(self.number):
            raise ValueError(f"invalid blocked number {self.number!r}")
        if self.extension and not _EXTENSION.fullmatch(self.extension):
            raise ValueError(f"invalid extension {self.extension!r}")

    def pattern(self):
        """Return the dialplan extension matching this entry's numbers."""
        return self.number if self.match == "exact" else f"_{self.number}!"


def _rows(source):
    return tuple(getattr(source, "blocks", ()))


def _list_context(name, rows, note):
    context = Context(name, note)
    for pattern in sorted({row.pattern() for row in rows}):
        context.exten(pattern, "NoOp()")
    return context


def _system_in(source):
    return [row for row in _rows(source) if row.direction == "in" and not row.extension]


def inbound_tests(source):
    """Return ``[(condition, label)]`` a trunk's call is refused on for the system-wide inbound list, in order.

    A condition is a ``$[…]`` or ``${…}`` expression true when the call must go to ``label`` (an
    extension ``add_inbound_refusals`` adds); none when the list is empty.
    """
    rows = _system_in(source)
    tests = []
    if any(row.match == "anonymous" for row in rows):
        tests.append((ANONYMOUS_TEST, "anonymous"))
    if any(row.match != "anonymous" for row in rows):
        # The caller's number is E.164 by now (confgen/inbound.py sets CALLERID(num)).
        tests.append((f"${{DIALPLAN_EXISTS({BLOCK_IN_CONTEXT},${{CALLERID(num)}},1)}}", "blocked"))
    return tests


def add_inbound_refusals(context, source):
    """Add the extensions refusing a blocked caller (anonymous, blocked) to ``context`` when a list needs them."""
    if not _system_in(source):
        return
    context.note("A caller on the system-wide blacklist: 403, a log line, a marked call record.")
    context.exten("anonymous", "Set(CDR(userfield)=blocked-in-anon)", "Set(CN_CALLER=anonymous)",
                  "Goto(blocked,refuse)")
    log = "Log(NOTICE,Blocked inbound call from ${CN_CALLER} to ${CN_DID} on ${CHANNEL(endpoint)})"
    context.exten("blocked", "Set(CDR(userfield)=blocked-in)", "Set(CN_CALLER=${CALLERID(num)})", at("refuse", log),
                  f"Hangup({REFUSE_CAUSE})")


def _extension_check(rows):
    """Return the context checking an external call against the called extension's own list."""
    context = Context(EXTENSION_CHECK_CONTEXT,
                      "An external call to an extension with its own list; back to [internal] when not refused.")
    anonymous = sorted({row.extension for row in rows if row.match == "anonymous"})
    steps = []
    for number in anonymous:
        steps.append(f'GotoIf($["${{EXTEN}}" = "{number}" & ({ANONYMOUS_TEST[2:-1]})]?anonymous)')
    steps += [
        f"GotoIf(${{DIALPLAN_EXISTS({EXTENSION_IN_PREFIX}${{EXTEN}},${{FILTER(+0123456789,${{CALLERID(num)}})}},1)}}"
        "?blocked)",
        f"Goto({INTERNAL_CONTEXT},${{EXTEN}},{RESUME_LABEL})",
        at("anonymous", "Set(CDR(userfield)=blocked-in-anon:${EXTEN})"),
        "Goto(refuse)",
        at("blocked", "Set(CDR(userfield)=blocked-in:${EXTEN})"),
        at("refuse", "Log(NOTICE,Blocked inbound call from ${CALLERID(num)} to extension ${EXTEN})"),
        f"Hangup({REFUSE_CAUSE})",
    ]
    context.exten("_X!", *steps)
    return context


#: The dialled number as the outbound lists hold it (E.164 or digits), and the calling extension's own list.
_OUT_NUMBER = "${FILTER(+0123456789,${CN_OUT})}"
_OUT_OWNER = "${FILTER(0123456789,${CN_EXT})}"


def outbound_tests(source):
    """Return ``[(condition, label)]`` a route's call is refused on for the outbound lists, in order.

    Expressions inside the route's one jump (confgen/outbound.py), not steps: no list, no test at
    all. ``blocked``: the system-wide list; ``mine``: the calling extension's own list (a context of
    that name exists only for an extension with a list, and ``DIALPLAN_EXISTS`` on a missing context
    is quietly false). The labels are ``outbound_refusals``' steps.
    """
    rows = [row for row in _rows(source) if row.direction == "out"]
    tests = []
    if any(not row.extension for row in rows):
        tests.append((f"${{DIALPLAN_EXISTS({BLOCK_OUT_CONTEXT},{_OUT_NUMBER},1)}}", "blocked"))
    if any(row.extension for row in rows):
        tests.append((f"${{DIALPLAN_EXISTS({EXTENSION_OUT_PREFIX}{_OUT_OWNER},{_OUT_NUMBER},1)}}", "mine"))
    return tests


def outbound_refusals(refuse):
    """Return the steps of the labels ``outbound_tests`` jumps to: mark, log, then the ``refuse`` step."""
    return [
        Note("The number goes in the mark too: the record's dst is the number as dialled, not as listed."),
        at("mine", f"Set(CDR(userfield)=blocked-out:{_OUT_OWNER} {_OUT_NUMBER})"),
        "Goto(blocklog)",
        at("blocked", f"Set(CDR(userfield)=blocked-out {_OUT_NUMBER})"),
        at("blocklog", f"Log(NOTICE,Blocked outbound call from {_OUT_OWNER} to {_OUT_NUMBER})"),
        "Set(CN_REASON=blocked number)",
        refuse,
    ]


def contexts(source):
    """Return the dialplan contexts of the blacklists for ``source`` (an EngineInput)."""
    rows = _rows(source)
    numbered = [row for row in rows if row.match != "anonymous"]
    found = []
    system_in = [row for row in numbered if row.direction == "in" and not row.extension]
    if system_in:
        found.append(_list_context(BLOCK_IN_CONTEXT, system_in, "Callers refused by everyone."))
    system_out = [row for row in numbered if row.direction == "out" and not row.extension]
    if system_out:
        found.append(_list_context(BLOCK_OUT_CONTEXT, system_out, "Numbers nobody may call."))
    for direction, prefix in (("in", EXTENSION_IN_PREFIX), ("out", EXTENSION_OUT_PREFIX)):
        owners = sorted({row.extension for row in numbered if row.direction == direction and row.extension})
        for owner in owners:
            found.append(_list_context(f"{prefix}{owner}", [row for row in numbered if row.direction == direction
                                                             and row.extension == owner],
                                       f"Extension {owner}'s own list."))
    if any(row.direction == "in" and row.extension for row in rows):
        found.append(_extension_check([row for row in rows if row.direction == "in" and row.extension]))
    return tuple(found)
