"""Render extensions.conf: how a call to a number is handled, with no per-call Python.

Extensions are not listed here one by one (only those with several devices,
for their BLF hint). A call to a number matches one pattern in ``internal``,
which reads the extension's realtime row (``cn_extensions``:
devices to ring, ring time, mailbox, call limit; from its AstDB copy ``CNX/<number>``
when there is one, decision 047) and the person's toggles in
AstDB (family ``CN``: DND and forwards, written by the app through AMI or by
the feature codes below). So a new extension or device, and every toggle, is
live on the next call without a dialplan reload; this file changes only for
ring groups, feature codes and the hints of multi-device extensions.
"""
from appliance.asterisk.names import (
    ASTDB_FAMILY,
    CALLS_GROUP,
    EXTENSION_CACHE_FAMILY,
    EXTENSION_CACHE_FIELDS,
    HINTS_CONTEXT,
    INTERNAL_CONTEXT,
    RING_DEVICES_CONTEXT,
    SCHEDULE_CODES_CONTEXT,
    VOICEMAIL_CONTEXT,
)

from . import blocklist
from .asterisk import HEADER
from .dialplan import Context, Note, at, quietly, render
from .features import FeatureCodes
from .ivr import PROMPT_RECORD_CONTEXT
from .recording import (
    CALLER_POLICY,
    CALLER_PROMPT,
    DIAL_ANNOUNCEMENT,
    on_demand_if,
    policy_is,
    start_context,
    start_if,
    toggle_context,
)

#: Feature codes, included by the internal context.
FEATURES_CONTEXT = "cn-features"
#: A ring group's member leg: rings the member's devices unless the member set DND.
GROUP_MEMBER_CONTEXT = "cn-group-member"
#: The calling device's extension number, in dialplan.
CALLER = "${GROUP(" + CALLS_GROUP + ")}"
#: Forwards followed by one call before it is refused: a forward loop ends here.
MAX_FORWARD_HOPS = 5
#: Extension numbers: 2 to 8 digits, never starting with 0 (which reaches the outside).
#: "!" matches the rest at once: SIP sends whole numbers, there is no digit-by-digit dialling.
EXTENSION_PATTERN = "_[1-9]X!"


#: The called person's toggle ``{}`` (an AstDB key that exists only while set), as a function to expand.
_TOGGLE = "DB(" + ASTDB_FAMILY + "/${{EXTEN}}/{})"
#: The toggles that change a call before its Dial, read one key each. Not DB_KEYS(CN/<number>):
#: Asterisk answers it with a LIKE over every AstDB row (main/db.c gettree_stmt, no index), under
#: AstDB's one lock, on every call: a cost growing with the extensions (their CNX rows) (decision 054).
_BEFORE_DIAL_TOGGLES = "".join("${" + _TOGGLE.format(key) + "}" for key in ("fwd_always", "dnd", blocklist.ASTDB_KEY))


def _dial_extension(context, recording=True):
    # One pattern extension with labels in [internal] itself, not a Gosub or a Goto
    # to another context: the CDR's dst stays the number dialled (a Gosub to "s"
    # would show "s"), and the common call (no toggle set, under the limit) runs four
    # priorities: bench/call_setup measures it against a bare Dial.
    row = "HASH(cn,{})"
    called_always = policy_is(f"${{{row.format('record')}}}")
    context.note("A call to an extension: its row, then the person's toggles, then its devices.")
    context.exten(
        EXTENSION_PATTERN,
        Note("The row from its AstDB cache (appliance/asterisk/extension_cache.py; only the app writes it),"),
        Note("read into HASH(cn) by the test itself: no key, no dial string, and the row is read from realtime"),
        Note("below. Toggles are AstDB keys that exist only while set: none of those acting before the Dial"),
        Note("set, nothing to check (the forwards on busy or no answer are read after it)."),
        f'GotoIf($["{CACHED_ROW}${{{row.format("dial")}}}" = "" | "{_BEFORE_DIAL_TOGGLES}" != ""'
        # 0-prefixed: an unknown number has no max_calls, and $[] must still parse.
        " | ${GROUP_COUNT(${EXTEN}@" + CALLS_GROUP + f")}} >= 0${{{row.format('max_calls')}}}]?check)",
        *((Note("Recording (confgen/recording.py): the called or the calling extension's policy."),
           at("dial", f"Set(CN_RECP={CALLER_POLICY})"),
           on_demand_if(policy_is(f"${{{row.format('record')}}}", "on_demand"), policy_is("${CN_RECP}", "on_demand")),
           # The announcement of whose policy starts it: the called extension's, else the caller's.
           start_if(called_always, policy_is("${CN_RECP}"),
                    prompt=f"${{IF($[{called_always}]?${{{row.format('record_prompt')}}}:{CALLER_PROMPT})}}"),
           f"Dial(${{{row.format('dial')}}},${{{row.format('ring_seconds')}}},{DIAL_ANNOUNCEMENT})")
          if recording else
          # No extension records: the steps (and the caller's row read) cost the common call nothing.
          (at("dial", f"Dial(${{{row.format('dial')}}},${{{row.format('ring_seconds')}}})"),)),
        "Goto(${DIALSTATUS})",
        at("check", f'GotoIf($["${{{row.format("dial")}}}" != ""]?known)'),
        "Set(HASH(cn)=${REALTIME_HASH(cn_extensions,id,${EXTEN})})",
        Note("REALTIME_HASH left the row's every column in the channel's ~ODBCFIELDS~: the cached row's again,"),
        Note("for a later HASH(cn)= on this channel (a forward back into this context)."),
        "Set({}={})".format(*ROW_FIELDS),
        f'GotoIf($["${{{row.format("dial")}}}" = ""]?unknown)',
        Note("A call from a carrier to an extension with its own blacklist: checked (confgen/blocklist.py)."),
        at("known", f'GotoIf($["${{CHANNEL(name):0:12}}" = "PJSIP/trunk_"'
                    f' & "${{{_TOGGLE.format(blocklist.ASTDB_KEY)}}}" = "1"]'
                    f"?{blocklist.EXTENSION_CHECK_CONTEXT},${{EXTEN}},1)"),
        at(blocklist.RESUME_LABEL, f"Set(CN_FWD=${{{_TOGGLE.format('fwd_always')}}})"),
        'GotoIf($["${CN_FWD}" != ""]?forward)',
        f'GotoIf($["${{{_TOGGLE.format("dnd")}}}" = "1"]?BUSY)',
        Note("Every channel of the extension's devices counts (their endpoints set the group): ringing,"),
        Note("talking, calling out."),
        "GotoIf($[${GROUP_COUNT(${EXTEN}@" + CALLS_GROUP + f")}} >= ${{{row.format('max_calls')}}}]?BUSY)",
        "Goto(dial)",
        at("NOANSWER", f"Set(CN_FWD=${{{_TOGGLE.format('fwd_noanswer')}}})"),
        'GotoIf($["${CN_FWD}" != ""]?forward)',
        f'GotoIf($["${{{row.format("voicemail")}}}" = "yes"]?vm_unavail)',
        Note("Cause 19 (no answer): 480 whatever the devices said when their ringing was cancelled."),
        "Hangup(19)",
        at("BUSY", f"Set(CN_FWD=${{{_TOGGLE.format('fwd_busy')}}})"),
        'GotoIf($["${CN_FWD}" != ""]?forward)',
        f'GotoIf($["${{{row.format("voicemail")}}}" = "yes"]?vm_busy)',
        "Busy(10)",
        at("CONGESTION", "Goto(CHANUNAVAIL)"),
        at("CHANUNAVAIL", f"Set(CN_FWD=${{{_TOGGLE.format('fwd_unavail')}}})"),
        'GotoIf($["${CN_FWD}" != ""]?forward)',
        f'GotoIf($["${{{row.format("voicemail")}}}" = "yes"]?vm_unavail)',
        Note("Cause 20 (subscriber absent): 480, not a 503 that phones take for a server failure."),
        "Hangup(20)",
        at("ANSWER", "Hangup()"),
        at("CANCEL", "Hangup()"),
        at("forward", "Set(__CN_HOPS=$[0${CN_HOPS} + 1])"),
        f"GotoIf($[${{CN_HOPS}} > {MAX_FORWARD_HOPS}]?loop)",
        Note("Out through the forwarding extension's profile (an outside number takes its routes, caps and"),
        Note("caller ID: CN_FROM names it to them); an internal number rings as if dialled."),
        f"MSet(CN_FROM=${{EXTEN}},CALLERID(tag)=${{{row.format('callerid')}}})",
        f"Goto(${{{row.format('context')}}},${{CN_FWD}},1)",
        at("vm_busy", f'Set(CHANNEL(language)=${{{row.format("language")}}})'),
        f"VoiceMail(${{EXTEN}}@{VOICEMAIL_CONTEXT},b)",
        "Hangup()",
        at("vm_unavail", f'Set(CHANNEL(language)=${{{row.format("language")}}})'),
        f"VoiceMail(${{EXTEN}}@{VOICEMAIL_CONTEXT},u)",
        "Hangup()",
        at("loop", "Congestion(10)"),
        Note("Cause 1 (unallocated number): the phone gets 404 and says so itself."),
        at("unknown", "Hangup(1)"),
    )


#: The field names ``HASH(cn)=`` gives the cached row's values (func_strings' array() reads ``~ODBCFIELDS~``,
#: the channel's, else the global of that name): a global, so that no call spends a step setting it.
ROW_FIELDS = ("~ODBCFIELDS~", ",".join(EXTENSION_CACHE_FIELDS))


#: Fills ``HASH(cn)`` from the row's AstDB copy (decision 047; no key, no dial string) inside the step that
#: tests it (decision 053). extension_cache never caches a value whose parentheses could upset it.
CACHED_ROW = quietly("HASH(cn)", "${DB(" + EXTENSION_CACHE_FAMILY + "/${EXTEN})}")


def _globals(routing):
    """Return ``[globals]``: the cached row's field names, then the other modules' globals in ``routing``."""
    section = Context("globals", "Variables every call may read (Asterisk reads the first [globals] only).")
    section.setting(*ROW_FIELDS)
    for context in routing:
        if context.name == section.name:
            section.merge(context)
    return section


def _ring_devices():
    devices = Context(RING_DEVICES_CONTEXT, "No forwarding, DND or voicemail: the devices ring, or the leg fails.")
    devices.exten(
        "_X.",
        Note("Each ring group member's leg and click-to-call's first leg: the dial string from the row's"),
        Note("AstDB copy, else from realtime."),
        f'GotoIf($["{CACHED_ROW}${{HASH(cn,dial)}}" != ""]?ring)',
        "Set(HASH(cn,dial)=${REALTIME_FIELD(cn_extensions,id,${EXTEN},dial)})",
        'GotoIf($["${HASH(cn,dial)}" = ""]?unavailable)',
        at("ring", "Set(_PICKUPMARK=${EXTEN})"),
        "Dial(${HASH(cn,dial)})",
        "Hangup()",
        at("unavailable", "Hangup(20)"),
    )
    member = Context(GROUP_MEMBER_CONTEXT, "A ring group rings a member unless the member set DND.")
    member.exten(
        "_X.",
        f'GotoIf($["${{DB({ASTDB_FAMILY}/${{EXTEN}}/dnd)}}" = "1"]?dnd)',
        f"Goto({RING_DEVICES_CONTEXT},${{EXTEN}},1)",
        at("dnd", "Busy()"),
    )
    return devices, member


def _member_dial(members):
    return "&".join(f"Local/{number}@{GROUP_MEMBER_CONTEXT}" for number in members)


def _ring_group(context, group):
    context.note(f"ring group {group.name}: {group.strategy}")
    steps = [f"Set(_PICKUPMARK={group.number})"]
    members = list(group.members)
    if not members:
        pass
    elif group.strategy == "ringall":
        steps.append(f"Dial({_member_dial(members)},{group.ring_seconds})")
    else:
        # hunt: one member at a time; memoryhunt: the first, then the first two, …
        rounds = [[member] for member in members] if group.strategy == "hunt" else \
            [members[: i + 1] for i in range(len(members))]
        # ExecIf(…?Hangup()), not a jump to a label: a group without labels is edited live by
        # AMI actions instead of a dialplan reload (appliance/asterisk/dialplan_delta.py).
        for one in rounds:
            steps += [f"Dial({_member_dial(one)},{group.member_seconds})",
                      'ExecIf($["${DIALSTATUS}" = "ANSWER"]?Hangup())']
    steps += [group.destination.dialplan(), "Hangup()"]
    context.exten(group.number, *steps)


#: The UserEvent the daemon counts as a failed voicemail login (appliance/security/events.py).
VOICEMAIL_LOGIN_FAILED = "CentralinaVoicemailLoginFailed"
#: Wrong mailbox or PIN entries in one call before it ends (app_voicemail's maxlogins).
VOICEMAIL_TRIES = 3


def _voicemail_login(context, code, own):
    """Add a voicemail feature code to ``context``: the caller's own mailbox (``own``) or any.

    VoiceMailMain checks the PIN itself but tells no one when it is wrong (Asterisk 22 raises no
    AMI or security event, and logs the wrong PIN in clear at verbose 3), so the dialplan checks it
    and raises a UserEvent per failure, which the daemon counts towards blocking the calling device
    (docs/decisions/009). VoiceMailMain then opens the mailbox without asking again (option s).
    Every prompt is a Read() prompt: keys pressed while it plays are kept, as VoiceMailMain does.
    """
    if own:
        ask = ["Set(CN_BOX=" + CALLER + ")",
               "Set(CN_PROMPT=vm-password)",
               at("ask", "Read(CN_PIN,${CN_PROMPT},12,,1,10)")]
        again = "vm-incorrect&vm-password"
    else:
        ask = ["Set(CN_PROMPT=vm-login)",
               at("ask", "Read(CN_BOX,${CN_PROMPT},20,,1,10)"),
               "Read(CN_PIN,vm-password,12,,1,10)"]
        again = "vm-incorrect-mailbox"
    mailbox = f"${{CN_BOX}}@{VOICEMAIL_CONTEXT}"
    context.exten(
        code,
        "Answer()",
        "Set(CN_TRIES=0)",
        *ask,
        Note("Only digits go on: into the expressions below and the UserEvent (a comma would add a field)."),
        "Set(CN_BOX=${FILTER(0123456789,${CN_BOX})})",
        "Set(CN_PIN=${FILTER(0123456789,${CN_PIN})})",
        'GotoIf($["${CN_BOX}" = "" | "${CN_PIN}" = ""]?wrong)',
        f'GotoIf($["${{VM_INFO({mailbox},exists)}}" != "1"]?wrong)',
        Note("Compared as text (the x): 0123 is not 123."),
        f'GotoIf($["x${{VM_INFO({mailbox},password)}}" = "x${{CN_PIN}}"]?open)',
        at("wrong", f"UserEvent({VOICEMAIL_LOGIN_FAILED},Mailbox: ${{CN_BOX}},"
                    "Endpoint: ${CHANNEL(endpoint)},Address: ${CHANNEL(pjsip,remote_addr)})"),
        "Set(CN_TRIES=$[${CN_TRIES} + 1])",
        f"GotoIf($[${{CN_TRIES}} >= {VOICEMAIL_TRIES}]?bye)",
        f"Set(CN_PROMPT={again})",
        "Goto(ask)",
        at("open", f"VoiceMailMain({mailbox},s)"),
        "Hangup()",
        at("bye", "Playback(vm-goodbye)"),
        "Hangup()",
    )


#: Longest number a feature code takes after its prefix (E.164 is at most 15 digits and a +).
MAX_TARGET_DIGITS = 20


def _refuse_unless_number(variable, allow_plus):
    """Return the step that jumps to ``refused`` unless ``${variable}`` is 1-20 digits (and an optional +).

    A dialled string reaches AstDB, ``Pickup()`` and a ``UserEvent`` whose fields are split at commas:
    anything but digits there could add fields (another extension's toggle) or pickup targets. The
    value is never put inside an expression (a quote in it would change the expression): only the
    lengths of the raw and the filtered strings are compared.
    """
    raw = f"${{{variable}}}"
    digits = f"${{FILTER(0123456789,{raw})}}" if not allow_plus else \
        f"${{FILTER(+0123456789,${{{variable}:0:1}})}}${{FILTER(0123456789,${{{variable}:1}})}}"
    return f"GotoIf($[${{LEN({raw})}} > {MAX_TARGET_DIGITS} | ${{LEN({digits})}} != ${{LEN({raw})}}]?refused,1)"


def _feature_codes(codes, caller_contexts=()):
    features = Context(FEATURES_CONTEXT).include(PROMPT_RECORD_CONTEXT).include(SCHEDULE_CODES_CONTEXT)
    fam = ASTDB_FAMILY + "/" + CALLER

    def toggle(code, key, value, prompt, *extra):
        # The UserEvent tells the daemon, which records the change in the app's database.
        features.exten(
            code,
            "Answer()",
            # A cleared toggle is a deleted key: a call skips every check for a number with none.
            f"Set(DB({fam}/{key})={value})" if value else f"NoOp(${{DB_DELETE({fam}/{key})}})",
            *extra,
            f"UserEvent(CentralinaToggle,Extension: {CALLER},Key: {key},Value: {value})",
            f"Playback({prompt})",
            "Hangup()",
        )

    features.exten(codes.echo_test, "Answer()", "Echo()", "Hangup()")
    _voicemail_login(features, codes.voicemail, own=True)
    _voicemail_login(features, codes.voicemail_any, own=False)
    # DND also shows as busy on colleagues' BLF keys (the hint includes Custom:DND<number>).
    toggle(codes.dnd_on, "dnd", "1", "do-not-disturb&activated", f"Set(DEVICE_STATE(Custom:DND{CALLER})=BUSY)")
    toggle(codes.dnd_off, "dnd", "", "do-not-disturb&de-activated",
           f"Set(DEVICE_STATE(Custom:DND{CALLER})=NOT_INUSE)")
    for name, key in (("forward_always", "fwd_always"), ("forward_busy", "fwd_busy"),
                      ("forward_no_answer", "fwd_noanswer")):
        code = getattr(codes, name)
        # The target follows the code (*72201, *72+5511...): digits and a leading +, checked first.
        features.exten(
            f"_{code}.",
            f"Set(CN_TARGET=${{EXTEN:{len(code)}}})",
            _refuse_unless_number("CN_TARGET", allow_plus=True),
            "Answer()",
            f"Set(DB({fam}/{key})=${{CN_TARGET}})",
            f"UserEvent(CentralinaToggle,Extension: {CALLER},Key: {key},Value: ${{CN_TARGET}})",
            "Playback(call-fwd-unconditional&activated)" if key == "fwd_always" else "Playback(activated)",
            "Hangup()",
        )
        toggle(getattr(codes, name + "_off"), key, "", "de-activated")
    features.note("A feature code followed by something that is not a number: 484 Address Incomplete.")
    features.exten("refused", "Hangup(28)")
    features.note("Group pickup: any call ringing in one of my pickup groups (endpoint named_pickup_group).")
    features.exten(codes.pickup, "Pickup()", "Hangup()")
    features.note("A direct call rings from the caller's context (Dial keeps its exten@context on the ringing")
    features.note("channel): [internal] or a call profile's; a ring group's, from cn-ring-devices, which marks it.")
    targets = "&".join(f"${{CN_TARGET}}@{context}" for context in (INTERNAL_CONTEXT, *caller_contexts))
    features.exten(
        f"_{codes.directed_pickup}X.",
        f"Set(CN_TARGET=${{EXTEN:{len(codes.directed_pickup)}}})",
        _refuse_unless_number("CN_TARGET", allow_plus=False),
        f"Pickup({targets}&${{CN_TARGET}}@PICKUPMARK)",
        "Hangup()",
    )
    return features


def _hints(devices_by_number, includes=()):
    hints = Context(
        HINTS_CONTEXT,
        "BLF: the device's state, DND as busy, and the presence the person chose.",
        "Pattern hints are made per number when a phone first subscribes to it, so",
        "10,000 extensions cost two lines here, not a 26-second dialplan reload",
        "(10,000 static hints, measured on Asterisk 22). Their devices: the main one,",
        "whose SIP user name is the number.",
    )
    for name in includes:
        hints.include(name)
    hints.hint(EXTENSION_PATTERN, ["PJSIP/${EXTEN}", "Custom:DND${EXTEN}"], "CustomPresence:${EXTEN}")
    hints.note("Extensions with more devices list them all (an exact hint wins over a pattern).")
    for number in sorted(devices_by_number, key=lambda n: (len(n), n)):
        names = sorted(devices_by_number[number])
        if names == [number]:
            continue
        hints.hint(number, [f"PJSIP/{name}" for name in names] + [f"Custom:DND{number}"], f"CustomPresence:{number}")
    return hints


def render_extensions_conf(devices, ring_groups=(), codes=None, routing=(), caller_contexts=(), numbers=(),
                           includes=(), hint_includes=(), recording=True):
    """Return extensions.conf for ``devices`` (BLF hints), ``ring_groups``, feature ``codes`` and the
    ``routing`` contexts (calls in and out, blacklists, IVR menus, queues: confgen/inbound.py, outbound.py,
    blocklist.py, ivr.py, queues.py); ``hint_includes``: contexts of more BLF hints; ``caller_contexts``: the
    contexts devices call from besides ``internal`` (call profiles'); ``numbers``: ``(number, step)`` of other
    features' numbers (an IVR menu's, a queue's), which must be in ``internal`` itself (an included context
    comes after its extension pattern); ``includes``: more feature-code contexts; ``recording``: whether
    any extension records (else the call to an extension skips the recording steps)."""
    codes = codes or FeatureCodes()
    by_number = {}
    for device in devices:
        by_number.setdefault(device.extension, set()).add(device.username)
    general = Context("general", "The dialplan is generated: never rewritten by the CLI (dialplan save).")
    general.setting("static", "yes").setting("writeprotect", "yes")
    internal = Context(INTERNAL_CONTEXT, "Every call a device makes starts here.").include(FEATURES_CONTEXT)
    for name in includes:
        internal.include(name)
    _dial_extension(internal, recording)
    for group in sorted(ring_groups, key=lambda g: (len(g.number), g.number)):
        _ring_group(internal, group)
    for number, app in sorted(numbers, key=lambda item: (len(item[0]), item[0])):
        internal.exten(number, app)
    return render(HEADER, general, _globals(routing), internal, *_ring_devices(),
                  _feature_codes(codes, caller_contexts), toggle_context(), start_context(),
                  _hints(by_number, hint_includes), *(context for context in routing if context.name != "globals"))
