"""Callbacks in dialplan: a caller accepts the offer, an agent takes the call, then the customer is dialled.

The daemon (services/callbacks.py) originates each attempt: the first leg rings the agent
(an extension's own devices, or a queue through ``cn-callback-queue`` where a queue callback
waits at the place its caller left), and once it is answered the other side of that leg runs
``cn-callback-dial``, which dials the customer through a call profile, as the agent's own
call would go. A hangup handler reports how the customer's leg ended (``CentralinaCallback``);
the daemon reads it from its one AMI connection.
"""
from appliance.asterisk.confgen.dialplan import Context, Note, at
from appliance.asterisk.names import (
    CALLBACK_DIAL_CONTEXT,
    CALLBACK_OFFER_CONTEXT,
    CALLBACK_QUEUE_CONTEXT,
    CALLBACK_REPORT_CONTEXT,
    DISA_IN_CONTEXT,
    DISA_OUT_CONTEXT,
    DISA_PIN_CONTEXT,
)

#: A caller accepted the offer: the daemon stores the request (Number, Agent, Position in a queue).
REQUEST_EVENT = "CentralinaCallbackRequest"
#: An attempt's customer leg ended: Id (the callback's row) and Status (Dial's DIALSTATUS).
RESULT_EVENT = "CentralinaCallback"
#: An authorised number called the DISA DID (Number: its caller ID, digits); the daemon decides whether to call back.
DISA_REQUEST_EVENT = "CentralinaDisaRequest"
#: The called-back person typed a PIN (Id: the callback's row); the daemon answers by setting CB_VERDICT.
DISA_PIN_EVENT = "CentralinaDisaPin"
#: Tenths of a second the PIN prompt waits for the daemon's verdict before hanging up.
VERDICT_WAIT_TENTHS = 50
#: Wrong or missing numbers a caller may type before the offer gives up.
OFFER_TRIES = 3


def _offer():
    context = Context(CALLBACK_OFFER_CONTEXT,
                      "A caller asks to be called back (destination kind 'callback'); the extension is who calls back.",
                      "The number the caller confirms or types is reduced to digits before it reaches anything.")
    context.exten(
        "_X.",
        "Answer()",
        "Set(CB_NUM=${FILTER(0123456789,${CALLERID(num)})})",
        "Set(CB_TRY=0)",
        'GotoIf($["${CB_NUM}" = ""]?other)',
        at("confirm", "Playback(to-call-this-number)"),
        "SayDigits(${CB_NUM})",
        "Read(CB_KEY,if-correct-press&digits/1,1,,1,5)",
        'GotoIf($["${CB_KEY}" = "1"]?ask)',
        at("other", "Set(CB_TRY=$[${CB_TRY} + 1])"),
        f"GotoIf($[${{CB_TRY}} > {OFFER_TRIES}]?bye)",
        "Read(CB_TYPED,vm-enter-num-to-call,20,,1,10)",
        "Set(CB_NUM=${FILTER(0123456789,${CB_TYPED})})",
        "GotoIf($[${LEN(${CB_NUM})} < 3]?other:confirm)",
        Note("QUEUEPOSITION: app_queue's place of a caller who left with the exit key (empty otherwise)."),
        at("ask", f"UserEvent({REQUEST_EVENT},Number: ${{CB_NUM}},Agent: ${{EXTEN}},"
                  "Position: ${FILTER(0123456789,${QUEUEPOSITION})})"),
        "Playback(auth-thankyou)",
        at("bye", "Playback(vm-goodbye)"),
        "Hangup()",
    )
    return context


def _queue_leg(queues):
    context = Context(CALLBACK_QUEUE_CONTEXT,
                      "A callback waits in a queue as a caller would (ringing, never answered by the queue itself);",
                      "CB_POS is the place its customer left, so callers who came later stay behind it.")
    for queue in sorted(queues, key=lambda q: (len(q.number), q.number)):
        context.exten(queue.number,
                      # Queue(name,options,URL,announceoverride,timeout,AGI,gosub,rule,position)
                      f"Queue({queue.name_in_engine},r,,,,,,,${{CB_POS}})",
                      "Hangup()")
    return context


def _dial():
    context = Context(CALLBACK_DIAL_CONTEXT,
                      "The agent answered: dial the customer through the call profile CB_CONTEXT (set by the daemon),",
                      "with CB_TAG as the outside caller ID and CB_EXT as whose call it is (caps, records).")
    context.exten(
        "_[+0-9].",
        f"Set(CHANNEL(hangup_handler_push)={CALLBACK_REPORT_CONTEXT},s,1)",
        "Set(CALLERID(all)=${CB_EXT})",
        "Set(CALLERID(tag)=${CB_TAG})",
        "Set(CN_FROM=${CB_EXT})",
        "Goto(${CB_CONTEXT},${EXTEN},1)",
    )
    return context


def _report():
    context = Context(CALLBACK_REPORT_CONTEXT, "How the customer's leg ended, for the callback's row.")
    context.exten("s", f"UserEvent({RESULT_EVENT},Id: ${{CB_ID}},Status: ${{DIALSTATUS}})", "Return()")
    return context


def _as_extension(target_context, exten):
    """Steps that make the call the extension CB_EXT's own: its caller ID, its profile CB_CONTEXT."""
    return ("Set(CALLERID(all)=${CB_EXT})", "Set(CALLERID(tag)=${CB_TAG})", "Set(CN_FROM=${CB_EXT})",
            f"Goto({target_context},{exten},1)")


def _disa():
    refuse = Context(DISA_IN_CONTEXT,
                     "The cost-saving callback's DID: never answered (the caller pays nothing), busy at once;",
                     "the daemon calls back only numbers an admin authorised, within their daily limit.")
    refuse.exten("s", f"UserEvent({DISA_REQUEST_EVENT},Number: ${{FILTER(0123456789,${{CALLERID(num)}})}})",
                 Note("Cause 17 (user busy): the carrier answers the caller 486, never 200."),
                 "Hangup(17)")
    out = Context(DISA_OUT_CONTEXT, "Call the authorised number back on the company trunk, as its extension.")
    out.exten("_[+0-9].", *_as_extension("${CB_CONTEXT}", "${EXTEN}"))
    pin = Context(DISA_PIN_CONTEXT,
                  "The number answered: a PIN, checked by the daemon (hashed there, never in the dialplan), then",
                  "a dial tone whose calls go out through the extension's profile. Three wrong PINs end the call.")
    pin.exten(
        "s",
        at("ask", "Read(CB_PIN,agent-pass,12,,1,10)"),
        "Set(CB_VERDICT=)",
        f"UserEvent({DISA_PIN_EVENT},Id: ${{CB_ID}},Pin: ${{FILTER(0123456789,${{CB_PIN}})}})",
        "Set(CB_WAIT=0)",
        at("wait", "Wait(0.1)"),
        'GotoIf($["${CB_VERDICT}" != ""]?verdict)',
        "Set(CB_WAIT=$[${CB_WAIT} + 1])",
        f"GotoIf($[${{CB_WAIT}} < {VERDICT_WAIT_TENTHS}]?wait)",
        "Hangup()",
        at("verdict", 'GotoIf($["${CB_VERDICT}" = "ok"]?tone)'),
        "Playback(agent-incorrect)",
        'GotoIf($["${CB_VERDICT}" = "bad"]?ask)',
        "Hangup()",
        Note("Read's i option plays the country's dial tone (indications.conf) until the first key."),
        at("tone", "Read(CB_DIAL,dial,32,i,1,15)"),
        "Set(CB_DIAL=${FILTER(0123456789*#+,${CB_DIAL})})",
        'GotoIf($["${CB_DIAL}" = ""]?bye)',
        *_as_extension("${CB_CONTEXT}", "${CB_DIAL}"),
        at("bye", "Hangup()"),
    )
    return refuse, out, pin


def contexts(source):
    """Return the callbacks' dialplan contexts for an EngineInput ``source``."""
    return (_offer(), _queue_leg(source.queues), _dial(), _report(), *_disa())
