"""Call events for SSE streams and webhooks, from the daemon's AMI events and ingested call records.

Ringing and answered come from AMI (DialBegin, DialEnd) as they happen; ``call.hungup`` and
``call.missed`` come from the call record itself (``recorded``, called by the CDR ingest inside
the transaction that stores new records), so each carries the record and is published exactly
once even across daemon restarts. ``voicemail.left`` comes from MessageWaiting (the count of new
messages grew). Each event names the extensions it concerns — from the channels, never from a
caller ID an outsider chooses — so a personal token sees only its own calls.
"""
import re

from appliance import events
from appliance.models.extensions import Device, Extension

_CHANNEL = re.compile(r"^PJSIP/(?P<endpoint>[^/;@]+)-[0-9a-f]{8}$")
#: CDR dispositions of a call nobody answered.
MISSED = {"NO ANSWER", "BUSY", "FAILED", "CONGESTION"}


def endpoint_of(channel):
    """Return the PJSIP endpoint of a channel name (``PJSIP/701-0000002a`` -> ``701``), or ""."""
    match = _CHANNEL.match(channel or "")
    return match.group("endpoint") if match else ""


def extension_of(channel):
    """Return the extension number whose device ``channel`` belongs to, or "" (a trunk, a Local channel)."""
    endpoint = endpoint_of(channel)
    if not endpoint:
        return ""
    number = (Extension.select(Extension.number).join(Device, on=(Device.extension == Extension.id))
              .where(Device.sip_username == endpoint).scalar())
    return number or ""


class CallTracker:
    """Turn the daemon's AMI events into call events (one per process: it remembers mailbox counts)."""

    def __init__(self):
        self._new_messages = {}

    def on_engine_event(self, event):
        """Publish the call event ``event`` (an AMI event dict) means, if any."""
        name = event.get("Event")
        if name == "DialBegin":
            self._dial(event, "call.ringing")
        elif name == "DialEnd" and event.get("DialStatus") == "ANSWER":
            self._dial(event, "call.answered")
        elif name == "MessageWaiting":
            self._message_waiting(event)

    @staticmethod
    def _dial(event, type_):
        destination = event.get("DestChannel", "")
        callee = extension_of(destination)
        if not destination.startswith("PJSIP/"):
            return  # Local channels of ring groups and click-to-call: their PJSIP legs say it
        caller = extension_of(event.get("Channel", ""))
        events.publish(type_, {
            "call_id": event.get("DestLinkedid") or event.get("Linkedid", ""),
            "channel": destination,
            "from": event.get("CallerIDNum", ""),
            "from_name": event.get("CallerIDName", ""),
            "to": callee or event.get("DestExten", ""),
            "from_extension": caller,
            "to_extension": callee,
        }, extensions=(caller, callee))

    def _message_waiting(self, event):
        mailbox = event.get("Mailbox", "").partition("@")[0]
        try:
            new = int(event.get("New", "0"))
        except ValueError:
            return
        # Unknown after a daemon start: a count above zero then counts as one new message.
        before = self._new_messages.get(mailbox, new - 1 if new else 0)
        self._new_messages[mailbox] = new
        if new > before and Extension.select().where(Extension.number == mailbox).exists():
            events.publish("voicemail.left", {"mailbox": mailbox, "new": new,
                                              "old": int(event.get("Old", "0") or 0)}, extensions=(mailbox,))


def extensions_of(channels):
    """Return ``{channel: extension number}`` for the device channels among ``channels``, in one query."""
    endpoints = {channel: endpoint_of(channel) for channel in channels}
    wanted = sorted({endpoint for endpoint in endpoints.values() if endpoint})
    numbers = dict(Device.select(Device.sip_username, Extension.number).join(Extension)
                    .where(Device.sip_username.in_(wanted)).tuples()) if wanted else {}
    return {channel: numbers.get(endpoint, "") for channel, endpoint in endpoints.items() if endpoint}


def recorded(records):
    """Publish ``call.hungup`` (and ``call.missed``) for each new call record (dicts of CallRecord fields)."""
    numbers = extensions_of([record["channel"] for record in records] + [record["dstchannel"] for record in records])
    items = []
    for record in records:
        caller, callee = numbers.get(record["channel"], ""), numbers.get(record["dstchannel"], "")
        data = {
            "call_id": record["linkedid"],
            "record": {key: (value.isoformat() + "Z" if hasattr(value, "isoformat") else value)
                       for key, value in record.items()},
            "from_extension": caller,
            "to_extension": callee,
        }
        items.append(("call.hungup", data, (caller, callee)))
        if record["disposition"] in MISSED and callee:
            items.append(("call.missed", data, (callee,)))
    events.publish_many(items)
