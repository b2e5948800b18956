"""Render IVR menus (URAs): one context per menu, keys to destinations, no AGI and no Python per call.

``cn-ivr-<id>``: ``s`` answers, counts the menus this call has entered (a loop A → B → A ends after
MAX_MENU_VISITS with a hang-up instead of spinning forever), plays the greeting with
``Background`` (a key interrupts it) and waits with ``WaitExten``. Each key is an extension going
to its destination; direct dial adds patterns for the allowed number ranges, which go to the
internal context when the number is a live extension (else: invalid). ``t`` (no key in time) and
``i`` (a key with no option) count their own retries, play their own prompt and the greeting again;
past the retries the call takes the final destination. Prompts are played by absolute path without
extension: Asterisk picks the file in the call's own format (audio/__init__.py), so nothing is
transcoded.
"""
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from appliance.asterisk.names import CALLS_GROUP, INTERNAL_CONTEXT, ivr_context
from appliance.destinations import HANGUP, Destination, parse

from .dialplan import Context, Note, at

#: Where prompt audio lives inside the instance folder, and how a prompt's files are named.
PROMPTS_SUBDIR = "lib/prompts"
#: Menus one call may enter before it is hung up (loops between menus are allowed, not forever).
MAX_MENU_VISITS = 20
KEYS = "0123456789*#"
_NUMBER = re.compile(r"[1-9][0-9]{1,7}")


def prompt_stem(prompt_id):
    """Return the file name (without suffix) of prompt ``prompt_id``'s audio."""
    return f"p{int(prompt_id)}"


def _stem_of(expression):
    # The same name as prompt_stem, for an id known only during the call.
    return f"p{expression}"


def prompt_path(settings, prompt_id):
    """Return the path Asterisk plays prompt ``prompt_id`` by (no suffix: it picks the format)."""
    return str(PurePosixPath(settings.instance_dir) / PROMPTS_SUBDIR / prompt_stem(prompt_id))


def parse_ranges(text):
    """Return ``[(low, high)]`` from "200-299 4000 4100-4199"; ValueError on anything else.

    Both ends have the same number of digits (2 to 8, not starting with 0) and low <= high.
    """
    ranges = []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        low, _, high = token.partition("-")
        high = high or low
        if not (_NUMBER.fullmatch(low) and _NUMBER.fullmatch(high)) or len(low) != len(high) or int(low) > int(high):
            raise ValueError(f"invalid number range {token!r}")
        ranges.append((low, high))
    return ranges


def _digit_class(low, high):
    if low == high:
        return low
    if (low, high) == ("0", "9"):
        return "X"
    return f"[{low}-{high}]"


def range_patterns(low, high):
    """Return the dialplan patterns matching exactly the numbers ``low``..``high`` (same length)."""
    if len(low) == 1:
        return [_digit_class(low, high)]
    if low[0] == high[0]:
        return [low[0] + rest for rest in range_patterns(low[1:], high[1:])]
    tail = len(low) - 1
    if low[1:] == "0" * tail and high[1:] == "9" * tail:
        return [_digit_class(low[0], high[0]) + "X" * tail]
    found = range_patterns(low, low[0] + "9" * tail)
    if int(high[0]) - int(low[0]) > 1:
        found.append(_digit_class(str(int(low[0]) + 1), str(int(high[0]) - 1)) + "X" * tail)
    return found + range_patterns(high[0] + "0" * tail, high)


def _pattern(text):
    return text if text.isdigit() else "_" + text


@dataclass(frozen=True)
class IvrRow:
    """One menu as the dialplan needs it: prompts by id (None: silence), keys to destinations."""

    id: int
    name: str = ""
    greeting: int | None = None
    timeout_seconds: int = 5
    timeout_prompt: int | None = None
    timeout_retries: int = 2
    invalid_prompt: int | None = None
    invalid_retries: int = 2
    final: Destination = HANGUP
    options: tuple = ()  # (key, Destination)
    direct_dial: bool = False
    direct_ranges: tuple = ()  # (low, high)
    number: str = ""

    def __post_init__(self):
        if not isinstance(self.final, Destination):
            object.__setattr__(self, "final", parse(self.final))
        options = tuple((key, dest if isinstance(dest, Destination) else parse(dest)) for key, dest in self.options)
        object.__setattr__(self, "options", options)
        keys = [key for key, _ in options]
        if any(len(key) != 1 or key not in KEYS for key in keys) or len(set(keys)) != len(keys):
            raise ValueError(f"invalid IVR keys {keys!r}")
        if not 1 <= self.timeout_seconds <= 60 or not 0 <= self.timeout_retries <= 10 \
                or not 0 <= self.invalid_retries <= 10:
            raise ValueError("IVR timeout or retries out of range")
        for prompt in (self.greeting, self.timeout_prompt, self.invalid_prompt):
            if prompt is not None and (not isinstance(prompt, int) or prompt <= 0):
                raise ValueError(f"invalid prompt id {prompt!r}")
        for low, high in self.direct_ranges:
            parse_ranges(f"{low}-{high}")
        if self.number and not _NUMBER.fullmatch(self.number):
            raise ValueError(f"invalid IVR number {self.number!r}")


def _play(settings, prompt_id):
    return [f"Background({prompt_path(settings, prompt_id)})"] if prompt_id else []


def _play_at(label, settings, prompt_id):
    # The menu's start is a label: the greeting, or (no greeting) the wait itself.
    steps = _play(settings, prompt_id)
    return [at(label, steps[0])] if steps else [at(label, "NoOp(no greeting)")]


def _retry(context, settings, exten, counter, retries, prompt_id):
    context.exten(
        exten,
        f"Set({counter}=$[0${{{counter}}} + 1])",
        f"GotoIf($[${{{counter}}} > {retries}]?final,1)",
        *_play(settings, prompt_id),
        "Goto(s,menu)",
    )


def menu_context(settings, ivr):
    """Return the Context of menu ``ivr`` (an IvrRow)."""
    context = Context(ivr_context(ivr.id), f"IVR menu {ivr.id}")
    context.exten(
        "s",
        "Answer()",
        "Set(CN_IVR_VISITS=$[0${CN_IVR_VISITS} + 1])",
        f"GotoIf($[${{CN_IVR_VISITS}} > {MAX_MENU_VISITS}]?loop)",
        "MSet(CN_IVR_TIMEOUTS=0,CN_IVR_INVALID=0)",
        *_play_at("menu", settings, ivr.greeting),
        f"WaitExten({ivr.timeout_seconds})",
        "Goto(t,1)",
        at("loop", f"Log(NOTICE,IVR menu {ivr.id}: the call entered {MAX_MENU_VISITS} menus and is hung up)"),
        "Hangup()",
    )
    for key, destination in ivr.options:
        context.exten(key, destination.dialplan(), "Hangup()")
    patterns = []
    if ivr.direct_dial:
        ranges = ivr.direct_ranges or [("1" + "0" * (n - 1), "9" * n) for n in range(2, 9)]
        patterns = [p for low, high in ranges for p in range_patterns(low, high)]
    for pattern in dict.fromkeys(patterns):
        context.exten(
            _pattern(pattern),
            'GotoIf($["${REALTIME_FIELD(cn_extensions,id,${EXTEN},dial)}" = ""]?i,1)',
            f"Goto({INTERNAL_CONTEXT},${{EXTEN}},1)",
        )
    _retry(context, settings, "t", "CN_IVR_TIMEOUTS", ivr.timeout_retries, ivr.timeout_prompt)
    _retry(context, settings, "i", "CN_IVR_INVALID", ivr.invalid_retries, ivr.invalid_prompt)
    context.exten("final", ivr.final.dialplan(), "Hangup()")
    return context


def contexts(source):
    """Return the menus' contexts of ``source`` (an EngineInput)."""
    return tuple(menu_context(source.settings, ivr) for ivr in sorted(source.ivrs, key=lambda row: row.id))


def numbers(ivrs):
    """Return ``[(number, dialplan)]``: the internal numbers that enter a menu."""
    return [(ivr.number, f"Goto({ivr_context(ivr.id)},s,1)") for ivr in ivrs if ivr.number]


#: Recording a prompt from a phone: the feature code's context (included by the feature codes), who may
#: (admins' extensions, one extension each) and what may be recorded (the library's prompt ids).
PROMPT_RECORD_CONTEXT = "cn-prompt-record"
PROMPT_SAVED_CONTEXT = "cn-prompt-saved"
PROMPT_RECORDERS_CONTEXT = "cn-prompt-recorders"
PROMPT_IDS_CONTEXT = "cn-prompt-ids"
#: The UserEvent a finished recording raises; the daemon converts it and updates the prompt's row.
PROMPT_RECORDED_EVENT = "CentralinaPromptRecorded"
#: Recording ends after this many seconds of silence, or at most this long, or on #.
RECORD_SILENCE_SECONDS = 3
RECORD_MAX_SECONDS = 300


def recording_stem(prompt_id):
    """Return the file name (without suffix) a phone records prompt ``prompt_id`` into, before conversion."""
    return f"{prompt_stem(prompt_id)}-phone"


def recording_contexts(source):
    """Return the contexts of the record-a-prompt feature code: ``<code><prompt id>`` from an admin's phone.

    Record() writes 16 kHz signed linear beside the prompt's files until # (then plays it back), silence or
    the hang-up; a hang-up handler raises the UserEvent that hands it to the daemon, which checks the caller
    again, converts it to every format and updates the row (services/prompts.adopt_recording).
    """
    code = source.codes.record_prompt
    caller = "${GROUP(" + CALLS_GROUP + ")}"
    folder = PurePosixPath(source.settings.instance_dir) / PROMPTS_SUBDIR
    target = "${CN_TARGET}"
    record = Context(PROMPT_RECORD_CONTEXT, "An admin records a prompt of the library from the phone.")
    record.exten(
        f"_{code}X!",
        f"Set(CN_TARGET=${{EXTEN:{len(code)}}})",
        Note("Only digits go on (the prompt id): the file name and the UserEvent's fields."),
        "GotoIf($[${LEN(${CN_TARGET})} > 9 | ${LEN(${FILTER(0123456789,${CN_TARGET})})} != ${LEN(${CN_TARGET})}]"
        "?refused)",
        f"GotoIf($[${{DIALPLAN_EXISTS({PROMPT_RECORDERS_CONTEXT},{caller},1)}}"
        f" & ${{DIALPLAN_EXISTS({PROMPT_IDS_CONTEXT},{target},1)}}]?record)",
        Note("Cause 21 (call rejected): 403, not the admin's phone or no such prompt."),
        at("refused", "Hangup(21)"),
        at("record", "Answer()"),
        Note("Hanging up ends the recording too (k keeps it): the handler tells the daemon either way."),
        f"Set(CHANNEL(hangup_handler_push)={PROMPT_SAVED_CONTEXT},s,1)",
        f"Record({folder}/{_stem_of(target)}-phone.sln16,{RECORD_SILENCE_SECONDS},{RECORD_MAX_SECONDS},k)",
        f"Playback({folder}/{_stem_of(target)}-phone)",
        "Hangup()",
    )
    saved = Context(PROMPT_SAVED_CONTEXT, "The recording's hang-up handler (never dialled: no context includes it).")
    saved.exten("s", f"UserEvent({PROMPT_RECORDED_EVENT},Prompt: {target},Extension: {caller})", "Return()")
    recorders = Context(PROMPT_RECORDERS_CONTEXT, "Admins' extensions (checked again by the daemon).")
    for number in source.prompt_recorders:
        recorders.exten(number, "NoOp(admin)")
    ids = Context(PROMPT_IDS_CONTEXT, "The prompt library's ids.")
    for prompt_id in source.prompt_ids:
        ids.exten(str(int(prompt_id)), "NoOp(prompt)")
    return record, saved, recorders, ids
