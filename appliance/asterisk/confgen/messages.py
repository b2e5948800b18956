"""The ``cn-messages`` context: SIP MESSAGE a phone sends, delivered to another extension's devices.

Every device endpoint's ``message_context`` points here (confgen/pjsip.py). The sender is the
endpoint that authenticated: devices are identified by the From user (identify_by=username)
and challenged for every request, so the From user *is* the device, and the number it sends
as is read from that endpoint's own caller ID (``<201>``), never from anything the phone
chose. Only extensions are reachable; the app hears each message (a UserEvent with the body
in base64) and stores it in both people's conversations.
"""
from appliance.asterisk.names import MESSAGE_DOMAIN, MESSAGES_CONTEXT

from .dialplan import Context, Note, at

#: The UserEvent the daemon stores a phone-to-phone message from (appliance/daemon.py).
SMS_EVENT = "CentralinaSms"


def contexts(_source=None):
    """Return the dialplan context of messages between extensions."""
    context = Context(MESSAGES_CONTEXT, "SIP MESSAGE from a device: only to an extension, as the device's own one.")
    context.exten(
        "_X.",
        Note("The authenticated device is the From user: sip:<device>@host."),
        "Set(CN_DEV=${CUT(CUT(MESSAGE(from),@,1),:,2)})",
        "Set(CN_FROM=${CUT(CUT(PJSIP_ENDPOINT(${CN_DEV},callerid),<,2),>,1)})",
        "Set(CN_DIAL=${REALTIME_FIELD(cn_extensions,id,${EXTEN},dial)})",
        'GotoIf($["${CN_FROM}" = "" | "${CN_DIAL}" = "" | "${CN_FROM}" = "${EXTEN}"]?done)',
        f"UserEvent({SMS_EVENT},From: ${{CN_FROM}},To: ${{EXTEN}},Body: ${{BASE64_ENCODE(${{MESSAGE(body)}})}})",
        Note("CN_DIAL is PJSIP/<device>&PJSIP/<device>...: one MessageSend per device."),
        at("next", "Set(CN_ONE=${SHIFT(CN_DIAL,&)})"),
        'GotoIf($["${CN_ONE}" = ""]?done)',
        f'MessageSend(pjsip:${{CUT(CN_ONE,/,2)}},"${{CN_FROM}}" <sip:${{CN_FROM}}@{MESSAGE_DOMAIN}>)',
        "Goto(next)",
        at("done", "Hangup()"),
    )
    return [context]
