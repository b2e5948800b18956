"""Names the compiled dialplan and the app share: contexts, AstDB families, channel groups.

Kept apart from the compiler so that services, destinations and the engine adapter can name
them without importing the renderers.
"""

#: Every call a device makes starts here.
INTERNAL_CONTEXT = "internal"
#: Rings an extension's own devices only: click-to-call's first leg, ring group members.
RING_DEVICES_CONTEXT = "cn-ring-devices"
#: Where phones SUBSCRIBE for BLF (the endpoints' subscribe_context).
HINTS_CONTEXT = "cn-hints"
#: Mailboxes of app_voicemail live in this voicemail context.
VOICEMAIL_CONTEXT = "default"
#: AstDB family of the person's toggles: CN/<number>/dnd, fwd_always, fwd_busy, fwd_noanswer, fwd_unavail.
ASTDB_FAMILY = "CN"
#: AstDB read-cache of each extension's realtime row: CNX/<number> = the fields the call path reads
#: (appliance/asterisk/extension_cache.py). Only the app writes it; a missing key means "read the row".
EXTENSION_CACHE_FAMILY = "CNX"
#: Key under that family written last by a complete fill (never a number: numbers are digits).
EXTENSION_CACHE_FILLED = "_filled"
#: The columns of ``cn_extensions`` the call path reads, in the order of the cached value.
EXTENSION_CACHE_FIELDS = ("dial", "ring_seconds", "max_calls", "voicemail", "record", "record_prompt", "callerid",
                          "context", "language")
#: Channel group holding every channel of an extension's devices (endpoint set_var
#: ``GROUP(cn-calls)=<number>``): its count is the call limit's, its value the caller's number.
CALLS_GROUP = "cn-calls"
#: Business hours' override feature code (confgen/schedules.py), included by the feature codes.
SCHEDULE_CODES_CONTEXT = "cn-schedule-codes"
#: Where a call from a carrier starts (every trunk endpoint's context): inbound routes.
FROM_TRUNK_CONTEXT = "cn-from-trunk"
#: Channel group category of trunk channels, in and out: ``GROUP_COUNT(trunk_<id>@cn-trunk)`` is the
#: calls a trunk carries now (its endpoint sets it on calls in, OUTBOUND_GROUP on calls out).
TRUNK_GROUP = "cn-trunk"


def trunk_object(trunk_id):
    """Return the PJSIP object name of trunk ``trunk_id``: endpoint, aor, auth, registration, identify.

    Device user names cannot hold "_" (confgen/types.py), so no device ever takes a trunk's name.
    """
    return f"trunk_{int(trunk_id)}"
#: Emergency and public-utility numbers (Anatel SUP, notes/routing-br.md 1) every device may call, before any
#: route, profile, cap or blacklist; 112 and 911 (dialled by visitors) become 190.
EMERGENCY_NUMBERS = ("100", "128", "180", "181", "185", "188", "190", "191", "192", "193", "194", "197", "198",
                     "199", "112", "911")
EMERGENCY_REWRITE = {"112": "190", "911": "190"}
#: Channel group categories of outside calls: per extension (``x<number>``) and per profile (its id).
OUTBOUND_EXTENSION_GROUP = "cn-out-ext"
OUTBOUND_PROFILE_GROUP = "cn-out-profile"
#: AstDB family of outbound counters the daemon keeps: ``CNO/<number>/intl_<YYYYMMDD>`` = seconds used that day.
OUTBOUND_ASTDB_FAMILY = "CNO"
#: The UserEvent a tripped cap raises; the daemon mails the admins and writes an audit entry, once per trip.
CAP_EVENT = "CentralinaOutboundCap"


#: The default profile's context under a fixed name: destinations that send calls outside with no
#: extension of their own (a ring group to a mobile) go through it.
DEFAULT_PROFILE_CONTEXT = "cn-profile-0"


def profile_context(profile_id):
    """Return the dialplan context of call profile ``profile_id``: every device of its extensions starts here."""
    return f"cn-profile-{int(profile_id)}"
#: Where SIP MESSAGE from devices starts (every device endpoint's message_context): extension to extension.
MESSAGES_CONTEXT = "cn-messages"
#: Host part of the From URI of messages the app sends phones (``"Ana" <sip:201@centralina>``).
MESSAGE_DOMAIN = "centralina"


def ivr_context(ivr_id):
    """Return the dialplan context of IVR menu ``ivr_id`` (confgen/ivr.py); its entry is ``s``."""
    return f"cn-ivr-{int(ivr_id)}"


def bot_context(bot_id):
    """Return the dialplan context of VoiceBot ``bot_id`` (confgen/bots.py); its entry is ``s``."""
    return f"cn-bot-{int(bot_id)}"


#: Queue numbers (the dialplan of each queue: Queue(), then its overflows) and the leg that rings an agent.
QUEUES_CONTEXT = "cn-queues"
QUEUE_AGENT_CONTEXT = "cn-queue-agent"


def queue_name(queue_id):
    """Return app_queue's name of queue ``queue_id`` (queues.conf section, AMI and queue_log): ``q<id>``.

    The id, not the number: renumbering a queue keeps its history in queue_log.
    """
    return f"q{int(queue_id)}"


#: The music-on-hold class of the engine's bundled files; uploaded classes are ``cn-moh-<id>``.
DEFAULT_MOH_CLASS = "default"


def moh_class_name(class_id):
    """Return musiconhold.conf's name of uploaded class ``class_id`` (what a queue's ``musicclass`` says)."""
    return f"cn-moh-{int(class_id)}"


def agent_interface(number):
    """Return the queue member interface of extension ``number``: a leg ringing all of its devices."""
    return f"Local/{number}@{QUEUE_AGENT_CONTEXT}/n"


def agent_state_interface(number):
    """Return the device whose state app_queue follows for extension ``number``: its main device."""
    return f"PJSIP/{number}"


def agent_lamp(number):
    """Return the custom device state a BLF key on ``*45<number>`` shows: the agent's queue state."""
    return f"Custom:CNAGENT{number}"


#: Conference room numbers: the PIN prompt, then ConfBridge() with the room's profiles (confgen/conferences.py).
CONFERENCES_CONTEXT = "cn-conferences"
#: Where a conference guest's browser login calls from: only the room its ``CN_GUEST_ROOM`` names, no PIN.
CONFERENCE_GUEST_CONTEXT = "cn-conference-guest"
#: The endpoint variable naming the one room number a guest login may enter.
GUEST_ROOM_VARIABLE = "CN_GUEST_ROOM"


def conference_name(room_id):
    """Return ConfBridge's name of room ``room_id`` (AMI actions and events): ``c<id>``.

    The id, not the number: renumbering a room does not rename a conference in progress.
    """
    return f"c{int(room_id)}"
#: Callbacks (confgen/callbacks.py): the offer a caller accepts, the queue leg that waits for an agent,
#: the leg that dials the customer once the agent answered, and the report of how it went.
CALLBACK_OFFER_CONTEXT = "cn-callback-offer"
CALLBACK_QUEUE_CONTEXT = "cn-callback-queue"
CALLBACK_DIAL_CONTEXT = "cn-callback-dial"
CALLBACK_REPORT_CONTEXT = "cn-callback-report"
#: The cost-saving DISA callback: the DID's refusal, the leg that calls the authorised number, its PIN and dial tone.
DISA_IN_CONTEXT = "cn-disa-in"
DISA_OUT_CONTEXT = "cn-disa-out"
DISA_PIN_CONTEXT = "cn-disa-pin"
