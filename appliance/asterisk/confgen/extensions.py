"""Render extensions.conf: how a call to a number is handled, with no per-call Python.

Extensions are not listed here one by one (only those with several devices,
for their BLF hint). A call to a number matches one pattern in ``internal``,
which reads the extension's realtime row (``cn_extensions``:
devices to ring, ring time, mailbox, call limit) and the person's toggles in
AstDB (family ``CN``: DND and forwards, written by the app through AMI or by
the feature codes below). So a new extension or device, and every toggle, is
live on the next call without a dialplan reload; this file changes only for
ring groups, feature codes and the hints of multi-device extensions.
"""
from appliance.asterisk.names import (
    ASTDB_FAMILY,
    CALLS_GROUP,
    HINTS_CONTEXT,
    INTERNAL_CONTEXT,
    RING_DEVICES_CONTEXT,
    VOICEMAIL_CONTEXT,
)

from .asterisk import HEADER
from .features import FeatureCodes

#: The calling device's extension number, in dialplan.
CALLER = "${GROUP(" + CALLS_GROUP + ")}"
#: Forwards followed by one call before it is refused: a forward loop ends here.
MAX_FORWARD_HOPS = 5
#: Extension numbers: 2 to 8 digits, never starting with 0 (which reaches the outside).
#: "!" matches the rest at once: SIP sends whole numbers, there is no digit-by-digit dialling.
EXTENSION_PATTERN = "_[1-9]X!"


def _block(*lines):
    return list(lines) + [""]


def _dial_extension():
    # One pattern extension with labels in [internal] itself, not a Gosub or a Goto
    # to another context: the CDR's dst stays the number dialled (a Gosub to "s"
    # would show "s"), and the common call (no toggle set, under the limit) runs four
    # priorities: bench/call_setup measures it against a bare Dial.
    row = "HASH(cn,{})"
    db = "DB(" + ASTDB_FAMILY + "/${{EXTEN}}/{})"
    return [
        "; A call to an extension: its row, then the person's toggles, then its devices.",
        f"exten => {EXTENSION_PATTERN},1,Set(HASH(cn)=${{REALTIME_HASH(cn_extensions,id,${{EXTEN}})}})",
        "; Toggles are AstDB keys that exist only while set: no key, nothing to check.",
        f' same => n,GotoIf($["${{{row.format("dial")}}}" = "" | "${{DB_KEYS({ASTDB_FAMILY}/${{EXTEN}})}}" != ""'
        # 0-prefixed: an unknown number has no max_calls, and $[] must still parse.
        " | ${GROUP_COUNT(${EXTEN}@" + CALLS_GROUP + f")}} >= 0${{{row.format('max_calls')}}}]?check)",
        f" same => n(dial),Dial(${{{row.format('dial')}}},${{{row.format('ring_seconds')}}})",
        " same => n,Goto(${DIALSTATUS})",
        f' same => n(check),GotoIf($["${{{row.format("dial")}}}" = ""]?unknown)',
        f" same => n,Set(CN_FWD=${{{db.format('fwd_always')}}})",
        ' same => n,GotoIf($["${CN_FWD}" != ""]?forward)',
        f' same => n,GotoIf($["${{{db.format("dnd")}}}" = "1"]?BUSY)',
        "; Every channel of the extension's devices counts (their endpoints set the group): ringing,",
        "; talking, calling out.",
        " same => n,GotoIf($[${GROUP_COUNT(${EXTEN}@" + CALLS_GROUP + f")}} >= ${{{row.format('max_calls')}}}]?BUSY)",
        " same => n,Goto(dial)",
        f" same => n(NOANSWER),Set(CN_FWD=${{{db.format('fwd_noanswer')}}})",
        ' same => n,GotoIf($["${CN_FWD}" != ""]?forward)',
        f' same => n,GotoIf($["${{{row.format("voicemail")}}}" = "yes"]?vm_unavail)',
        "; Cause 19 (no answer): 480 whatever the devices said when their ringing was cancelled.",
        " same => n,Hangup(19)",
        f" same => n(BUSY),Set(CN_FWD=${{{db.format('fwd_busy')}}})",
        ' same => n,GotoIf($["${CN_FWD}" != ""]?forward)',
        f' same => n,GotoIf($["${{{row.format("voicemail")}}}" = "yes"]?vm_busy)',
        " same => n,Busy(10)",
        " same => n(CONGESTION),Goto(CHANUNAVAIL)",
        f" same => n(CHANUNAVAIL),Set(CN_FWD=${{{db.format('fwd_unavail')}}})",
        ' same => n,GotoIf($["${CN_FWD}" != ""]?forward)',
        f' same => n,GotoIf($["${{{row.format("voicemail")}}}" = "yes"]?vm_unavail)',
        "; Cause 20 (subscriber absent): 480, not a 503 that phones take for a server failure.",
        " same => n,Hangup(20)",
        " same => n(ANSWER),Hangup()",
        " same => n(CANCEL),Hangup()",
        " same => n(forward),Set(__CN_HOPS=$[0${CN_HOPS} + 1])",
        f" same => n,GotoIf($[${{CN_HOPS}} > {MAX_FORWARD_HOPS}]?loop)",
        " same => n,Goto(internal,${CN_FWD},1)",
        f' same => n(vm_busy),Set(CHANNEL(language)=${{{row.format("language")}}})',
        f" same => n,VoiceMail(${{EXTEN}}@{VOICEMAIL_CONTEXT},b)",
        " same => n,Hangup()",
        f' same => n(vm_unavail),Set(CHANNEL(language)=${{{row.format("language")}}})',
        f" same => n,VoiceMail(${{EXTEN}}@{VOICEMAIL_CONTEXT},u)",
        " same => n,Hangup()",
        " same => n(loop),Congestion(10)",
        "; Cause 1 (unallocated number): the phone gets 404 and says so itself.",
        " same => n(unknown),Hangup(1)",
    ]


def _ring_devices():
    return _block(
        f"[{RING_DEVICES_CONTEXT}]",
        "; No forwarding, DND or voicemail: the devices ring, or the leg fails.",
        "exten => _X.,1,Set(CN_DIAL=${REALTIME_FIELD(cn_extensions,id,${EXTEN},dial)})",
        ' same => n,GotoIf($["${CN_DIAL}" = ""]?unavailable)',
        " same => n,Set(_PICKUPMARK=${EXTEN})",
        " same => n,Dial(${CN_DIAL})",
        " same => n,Hangup()",
        " same => n(unavailable),Hangup(20)",
        "",
        "[cn-group-member]",
        "; A ring group rings a member unless the member set DND.",
        f'exten => _X.,1,GotoIf($["${{DB({ASTDB_FAMILY}/${{EXTEN}}/dnd)}}" = "1"]?dnd)',
        f" same => n,Goto({RING_DEVICES_CONTEXT},${{EXTEN}},1)",
        " same => n(dnd),Busy()",
    )


def _member_dial(members):
    return "&".join(f"Local/{number}@cn-group-member" for number in members)


def _ring_group(group):
    lines = [f"; ring group {group.name}: {group.strategy}",
             f"exten => {group.number},1,Set(_PICKUPMARK={group.number})"]
    members = list(group.members)
    if not members:
        pass
    elif group.strategy == "ringall":
        lines.append(f" same => n,Dial({_member_dial(members)},{group.ring_seconds})")
    else:
        # hunt: one member at a time; memoryhunt: the first, then the first two, …
        steps = [[member] for member in members] if group.strategy == "hunt" else \
            [members[: i + 1] for i in range(len(members))]
        for step in steps:
            lines += [f" same => n,Dial({_member_dial(step)},{group.member_seconds})",
                      ' same => n,GotoIf($["${DIALSTATUS}" = "ANSWER"]?done)']
    lines += [f" same => n,{group.destination.dialplan()}", " same => n(done),Hangup()"]
    return lines


#: The UserEvent the daemon counts as a failed voicemail login (appliance/security/events.py).
VOICEMAIL_LOGIN_FAILED = "CentralinaVoicemailLoginFailed"
#: Wrong mailbox or PIN entries in one call before it ends (app_voicemail's maxlogins).
VOICEMAIL_TRIES = 3


def _voicemail_login(code, own):
    """Return the lines of a voicemail feature code: the caller's own mailbox (``own``) or any.

    VoiceMailMain checks the PIN itself but tells no one when it is wrong (Asterisk 22 raises no
    AMI or security event, and logs the wrong PIN in clear at verbose 3), so the dialplan checks it
    and raises a UserEvent per failure, which the daemon counts towards blocking the calling device
    (docs/decisions/009). VoiceMailMain then opens the mailbox without asking again (option s).
    Every prompt is a Read() prompt: keys pressed while it plays are kept, as VoiceMailMain does.
    """
    if own:
        ask = [" same => n,Set(CN_BOX=" + CALLER + ")",
               " same => n,Set(CN_PROMPT=vm-password)",
               " same => n(ask),Read(CN_PIN,${CN_PROMPT},12,,1,10)"]
        again = "vm-incorrect&vm-password"
    else:
        ask = [" same => n,Set(CN_PROMPT=vm-login)",
               " same => n(ask),Read(CN_BOX,${CN_PROMPT},20,,1,10)",
               " same => n,Read(CN_PIN,vm-password,12,,1,10)"]
        again = "vm-incorrect-mailbox"
    mailbox = f"${{CN_BOX}}@{VOICEMAIL_CONTEXT}"
    return [
        f"exten => {code},1,Answer()",
        " same => n,Set(CN_TRIES=0)",
        *ask,
        "; Only digits go on: into the expressions below and the UserEvent (a comma would add a field).",
        " same => n,Set(CN_BOX=${FILTER(0123456789,${CN_BOX})})",
        " same => n,Set(CN_PIN=${FILTER(0123456789,${CN_PIN})})",
        ' same => n,GotoIf($["${CN_BOX}" = "" | "${CN_PIN}" = ""]?wrong)',
        f' same => n,GotoIf($["${{VM_INFO({mailbox},exists)}}" != "1"]?wrong)',
        "; Compared as text (the x): 0123 is not 123.",
        f' same => n,GotoIf($["x${{VM_INFO({mailbox},password)}}" = "x${{CN_PIN}}"]?open)',
        f" same => n(wrong),UserEvent({VOICEMAIL_LOGIN_FAILED},Mailbox: ${{CN_BOX}},"
        "Endpoint: ${CHANNEL(endpoint)},Address: ${CHANNEL(pjsip,remote_addr)})",
        " same => n,Set(CN_TRIES=$[${CN_TRIES} + 1])",
        f" same => n,GotoIf($[${{CN_TRIES}} >= {VOICEMAIL_TRIES}]?bye)",
        f" same => n,Set(CN_PROMPT={again})",
        " same => n,Goto(ask)",
        f" same => n(open),VoiceMailMain({mailbox},s)",
        " same => n,Hangup()",
        " same => n(bye),Playback(vm-goodbye)",
        " same => n,Hangup()",
    ]


#: Longest number a feature code takes after its prefix (E.164 is at most 15 digits and a +).
MAX_TARGET_DIGITS = 20


def _refuse_unless_number(variable, allow_plus):
    """Return dialplan lines that hang up unless ``${variable}`` is 1-20 digits (and an optional leading +).

    A dialled string reaches AstDB, ``Pickup()`` and a ``UserEvent`` whose fields are split at commas:
    anything but digits there could add fields (another extension's toggle) or pickup targets. The
    value is never put inside an expression (a quote in it would change the expression): only the
    lengths of the raw and the filtered strings are compared.
    """
    raw = f"${{{variable}}}"
    digits = f"${{FILTER(0123456789,{raw})}}" if not allow_plus else \
        f"${{FILTER(+0123456789,${{{variable}:0:1}})}}${{FILTER(0123456789,${{{variable}:1}})}}"
    return [
        f" same => n,GotoIf($[${{LEN({raw})}} > {MAX_TARGET_DIGITS} | ${{LEN({digits})}} != ${{LEN({raw})}}]"
        "?refused,1)",
    ]


def _feature_codes(codes):
    fam = ASTDB_FAMILY + "/" + CALLER

    def toggle(code, key, value, prompt, extra=()):
        # The UserEvent tells the daemon, which records the change in the app's database.
        return [
            f"exten => {code},1,Answer()",
            # A cleared toggle is a deleted key: a call skips every check for a number with none.
            f" same => n,Set(DB({fam}/{key})={value})" if value else f" same => n,NoOp(${{DB_DELETE({fam}/{key})}})",
            *extra,
            f" same => n,UserEvent(CentralinaToggle,Extension: {CALLER},Key: {key},Value: {value})",
            f" same => n,Playback({prompt})",
            " same => n,Hangup()",
        ]

    lines = [
        "[cn-features]",
        f"exten => {codes.echo_test},1,Answer()",
        " same => n,Echo()",
        " same => n,Hangup()",
        *_voicemail_login(codes.voicemail, own=True),
        *_voicemail_login(codes.voicemail_any, own=False),
    ]
    # DND also shows as busy on colleagues' BLF keys (the hint includes Custom:DND<number>).
    lines += toggle(codes.dnd_on, "dnd", "1", "do-not-disturb&activated",
                    [f" same => n,Set(DEVICE_STATE(Custom:DND{CALLER})=BUSY)"])
    lines += toggle(codes.dnd_off, "dnd", "", "do-not-disturb&de-activated",
                    [f" same => n,Set(DEVICE_STATE(Custom:DND{CALLER})=NOT_INUSE)"])
    for name, key in (("forward_always", "fwd_always"), ("forward_busy", "fwd_busy"),
                      ("forward_no_answer", "fwd_noanswer")):
        code = getattr(codes, name)
        # The target follows the code (*72201, *72+5511...): digits and a leading +, checked below.
        lines += [
            f"exten => _{code}.,1,Set(CN_TARGET=${{EXTEN:{len(code)}}})",
            *_refuse_unless_number("CN_TARGET", allow_plus=True),
            " same => n,Answer()",
            f" same => n,Set(DB({fam}/{key})=${{CN_TARGET}})",
            f" same => n,UserEvent(CentralinaToggle,Extension: {CALLER},Key: {key},Value: ${{CN_TARGET}})",
            " same => n,Playback(call-fwd-unconditional&activated)" if key == "fwd_always"
            else " same => n,Playback(activated)",
            " same => n,Hangup()",
        ]
        lines += toggle(getattr(codes, name + "_off"), key, "", "de-activated")
    lines += [
        "; A feature code followed by something that is not a number: 484 Address Incomplete.",
        "exten => refused,1,Hangup(28)",
        "; Group pickup: any call ringing in one of my pickup groups (endpoint named_pickup_group).",
        f"exten => {codes.pickup},1,Pickup()",
        " same => n,Hangup()",
        "; A direct call rings from [internal] (Dial keeps its exten@context on the ringing channel);",
        "; a ring group's, from cn-ring-devices, which marks it.",
        f"exten => _{codes.directed_pickup}X.,1,Set(CN_TARGET=${{EXTEN:{len(codes.directed_pickup)}}})",
        *_refuse_unless_number("CN_TARGET", allow_plus=False),
        f" same => n,Pickup(${{CN_TARGET}}@{INTERNAL_CONTEXT}&${{CN_TARGET}}@PICKUPMARK)",
        " same => n,Hangup()",
    ]
    return _block(*lines)


def _hints(devices_by_number):
    lines = [f"[{HINTS_CONTEXT}]",
             "; BLF: the device's state, DND as busy, and the presence the person chose.",
             "; Pattern hints are made per number when a phone first subscribes to it, so",
             "; 10,000 extensions cost two lines here, not a 26-second dialplan reload",
             "; (10,000 static hints, measured on Asterisk 22). Their devices: the main one,",
             "; whose SIP user name is the number.",
             f"exten => {EXTENSION_PATTERN},hint,PJSIP/${{EXTEN}}&Custom:DND${{EXTEN}},CustomPresence:${{EXTEN}}",
             "; Extensions with more devices list them all (an exact hint wins over a pattern)."]
    for number in sorted(devices_by_number, key=lambda n: (len(n), n)):
        names = sorted(devices_by_number[number])
        if names == [number]:
            continue
        states = [f"PJSIP/{name}" for name in names] + [f"Custom:DND{number}"]
        lines.append(f"exten => {number},hint,{'&'.join(states)},CustomPresence:{number}")
    return _block(*lines)


def render_extensions_conf(devices, ring_groups=(), codes=None):
    """Return extensions.conf for ``devices`` (BLF hints), ``ring_groups`` and feature ``codes``."""
    codes = codes or FeatureCodes()
    by_number = {}
    for device in devices:
        by_number.setdefault(device.extension, set()).add(device.username)
    lines = _block(
        HEADER.rstrip("\n"),
        "[general]",
        "; The dialplan is generated: never rewritten by the CLI (dialplan save).",
        "static = yes",
        "writeprotect = yes",
    )
    lines += _block(
        f"[{INTERNAL_CONTEXT}]",
        "; Every call a device makes starts here.",
        "include => cn-features",
        *_dial_extension(),
        *[line for group in sorted(ring_groups, key=lambda g: (len(g.number), g.number))
          for line in _ring_group(group)],
    )
    lines += _ring_devices()
    lines += _feature_codes(codes)
    lines += _hints(by_number)
    return "\n".join(lines).rstrip("\n") + "\n"
