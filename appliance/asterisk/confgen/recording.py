"""Call recording in the dialplan: one stereo MixMonitor per call, handed to the daemon when closed.

MixMonitor's ``D`` option interleaves what comes from the channel (left) and what goes to it
(right) into a 2-channel 8 kHz signed-linear stream, which must be written to a ``.raw`` file
(apps/app_mixmonitor.c, Asterisk 22: "You must use the .raw file extension"). Recording runs on
the channel that entered the dialplan (the caller's); the file is named by the call's ``linkedid``
(its call records') and the channel's ``uniqueid`` (NAME): the daemon links the two by it.

The file is written under ``<spool>/recordings/`` while the call lasts; MixMonitor's
post-process command (run by Asterisk after it closed the file) moves it into ``ready/``.
So the daemon only ever converts complete files, and a daemon killed at any time finds them
there again (appliance/asterisk/recordings.py). No Python runs in the call path.
"""
from .asterisk import HEADER
from .dialplan import Context, Step, at

#: never: not recorded; always: from the start; on_demand: a person starts/stops it mid-call (features.conf).
POLICIES = ("never", "always", "on_demand")
#: What an admin may choose: for an extension, and for a route (whose calls have no one "on demand" to ask).
CHOOSABLE = POLICIES
ROUTE_CHOOSABLE = ("never", "always")
#: Where several policies apply to one call (extension, its profile, route, queue), the strictest wins
#: (decision 036): "always" over "on_demand" over "never"; nobody's "never" stops another's "always".
STRICTNESS = {"never": 0, "on_demand": 1, "always": 2}


def strictest(*policies):
    """Return the strictest of ``policies`` ("never" when none is given)."""
    return max(policies, key=STRICTNESS.__getitem__, default="never")

#: Where Asterisk writes recordings (below its spool: ``${ASTSPOOLDIR}`` is a built-in dialplan variable).
SPOOL_SUBDIR = "recordings"
#: Completed recordings, moved here by MixMonitor's post-process command.
READY_SUBDIR = "ready"
#: The caller's extension (calls from devices): its row says whether its calls are recorded.
CALLER_POLICY = "${REALTIME_FIELD(cn_extensions,id,${GROUP(cn-calls)},record)}"
#: The in-call feature (features.conf applicationmap) a channel may use when DYNAMIC_FEATURES names it.
TOGGLE_FEATURE = "cn-record"
#: The routine the feature runs on the channel whose party pressed the code.
TOGGLE_CONTEXT = "cn-record-toggle"
#: The routine a policy's recording starts with: the MixMonitor, then its holder's announcement (decision 036).
START_CONTEXT = "cn-record-start"
#: The prompt library as Asterisk plays it (confgen/ivr.py PROMPTS_SUBDIR below astvarlibdir).
PROMPTS = "${ASTVARLIBDIR}/prompts/p"
#: An announcement argument meaning "the calling extension's" (read from its realtime row only then).
CALLER_PROMPT = "caller"
#: The Dial option (``A(called:caller)``) the start routine leaves for the Dial that follows it; "" when none.
DIAL_ANNOUNCEMENT = "${CN_RECA}"


#: A recording's name: the call's linkedid, the recorded channel's uniqueid and the start (epoch seconds),
#: joined by "+" (uniqueids hold "." and "-", never "+"); one channel may record several stretches (on demand).
NAME = "${CHANNEL(linkedid)}+${UNIQUEID}+${EPOCH}"


def file_name():
    """Return the dialplan expression of the recording file being written."""
    return f"${{ASTSPOOLDIR}}/{SPOOL_SUBDIR}/{NAME}.raw"


def mixmonitor(options="D"):
    """Return the MixMonitor application call: stereo (D), moved into ready/ once closed."""
    # The post-process command runs through /bin/sh: its only variable parts are Asterisk's own
    # spool path, the call's ids (digits, dots, the systemname) and the time, never caller input.
    ready = f"${{ASTSPOOLDIR}}/{SPOOL_SUBDIR}/{READY_SUBDIR}/"
    return f"MixMonitor({file_name()},{options},mv {file_name()} {ready})"


def start_if(*conditions, label="", prompt=None, play=False):
    """Return the step that starts recording when any expression of ``conditions`` holds (empty: always).

    A channel already recorded (``MIXMONITOR_FILENAME`` set) is never recorded twice: an inbound
    route and the extension it reaches may both ask for it. ``prompt`` (a prompt id, an expression of
    one, or CALLER_PROMPT): the start routine also prepares the announcement, played by the next Dial to
    both parties once answered (``DIAL_ANNOUNCEMENT``), or at once when ``play`` (answering the call).
    """
    fresh = "${LEN(${MIXMONITOR_FILENAME})} = 0"
    test = fresh if not conditions else f"{fresh} & ({' | '.join(conditions)})"
    if prompt is None:
        return Step(f"ExecIf($[{test}]?{mixmonitor()})", label)
    return Step(f"GosubIf($[{test}]?{START_CONTEXT},s,1({prompt}{',play' if play else ''}))", label)


def start_context():
    """Return the routine a policy's recording starts with: MixMonitor first (the announcement is in the file,
    the proof that the parties were told), then the announcement: left as Dial's ``A()`` option in CN_RECA
    (both parties hear it when the call is answered), or played at once with ``play`` (queues, inbound routes).

    ARG1: the prompt's id, "" for none, or CALLER_PROMPT (the calling extension's, from its realtime row).
    """
    context = Context(START_CONTEXT, "A policy's recording starts: the file, then its announcement (decision 036).")
    prompt = f"{PROMPTS}${{CN_RECN}}"
    caller = "${REALTIME_FIELD(cn_extensions,id,${GROUP(cn-calls)},record_prompt)}"
    chosen = f'${{IF($["${{ARG1}}" = "{CALLER_PROMPT}"]?{caller}:${{ARG1}})}}'
    context.exten(
        "s",
        mixmonitor(),
        # Digits only: an id, whatever the row holds, never a path or an application's argument.
        f"MSet(CN_RECA=,CN_RECN=${{FILTER(0123456789,{chosen})}})",
        'GotoIf($["${CN_RECN}" = ""]?done)',
        'GotoIf($["${ARG2}" = "play"]?play)',
        f"Set(CN_RECA=A({prompt}:{prompt}))",
        at("done", "Return()"),
        at("play", "Answer()"),
        f"Playback({prompt})",
        "Return()",
    )
    return context


def policy_is(expression, policy="always"):
    """Return the expression testing that the policy in ``expression`` is ``policy``."""
    if policy not in POLICIES:
        raise ValueError(f"unknown recording policy {policy!r}")
    return f'"{expression}" = "{policy}"'


def on_demand_if(*conditions, label=""):
    """Return the step that lets both parties start/stop recording (the in-call code) when any of
    ``conditions`` holds. ``__``: the called channels inherit it, so either party may press the code."""
    test = " | ".join(conditions)
    return Step(f"Set(__DYNAMIC_FEATURES=${{IF($[{test}]?{TOGGLE_FEATURE})}})", label)


def toggle_context():
    """Return the routine the in-call code runs: start a stereo recording of this channel, or stop it.

    It runs as a Gosub on the channel of the party who pressed the code (res_features runs applicationmap
    Gosubs to completion): that party is the file's left channel.
    """
    context = Context(TOGGLE_CONTEXT, "The in-call recording code: start, or stop what this code started.")
    # A call a policy records ("always": this channel or its peer has a MixMonitor the code did not
    # start) is left alone: the strictest policy wins, the code neither doubles nor stops it (decision 036).
    recorded = "${LEN(${MIXMONITOR_FILENAME})} > 0 | ${LEN(${IMPORT(${BRIDGEPEER},MIXMONITOR_FILENAME)})} > 0"
    context.exten(
        "s",
        'GotoIf($["${CN_REC_ON}" = "1"]?stop)',
        f"GotoIf($[{recorded}]?recorded)",
        "Set(CN_REC_ON=1)",
        mixmonitor("Di(CN_REC_ID)"),
        "Return()",
        at("stop", "Set(CN_REC_ON=)"),
        "StopMixMonitor(${CN_REC_ID})",
        "Set(MIXMONITOR_FILENAME=)",
        "Return()",
        at("recorded", "Return()"),
    )
    return context


def render_features_conf(codes):
    """Return features.conf: Asterisk's defaults and the in-call recording code of ``codes``."""
    return HEADER + f"""
[general]

[applicationmap]
; The channel that pressed the code records itself and its peer (Gosub, confgen/recording.py).
{TOGGLE_FEATURE} => {codes.record_toggle},self,Gosub({TOGGLE_CONTEXT},s,1)
"""
