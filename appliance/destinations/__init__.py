"""Where a call goes next: a destination is a kind and a target, from one registry of kinds.

Every feature that sends a call somewhere (a ring group nobody answers; later inbound routes,
IVR options, queue overflows, schedules, bot intents, callbacks) stores a destination and asks
this package to validate it, label it, render it into dialplan and find what points at a number
about to disappear. Stored as text: ``"kind:target"`` (``"hangup"`` has no target).

Adding a kind is one module beside these (a ``Kind`` subclass) and one line in ``KINDS``.
"""
from dataclasses import dataclass

from appliance.destinations.base import Choice, Kind
from appliance.destinations.bot import BotKind
from appliance.destinations.callback import CallbackKind
from appliance.destinations.conference import ConferenceKind
from appliance.destinations.disa import DisaKind
from appliance.destinations.extension import ExtensionKind
from appliance.destinations.external import ExternalKind
from appliance.destinations.hangup import HangupKind
from appliance.destinations.ivr import IvrKind
from appliance.destinations.queue import QueueKind
from appliance.destinations.ring_group import RingGroupKind
from appliance.destinations.schedule import ScheduleKind
from appliance.destinations.voicemail import VoicemailKind

#: Every kind, in the order the picker lists them.
KINDS = {kind.name: kind for kind in (ExtensionKind(), RingGroupKind(), QueueKind(), VoicemailKind(),
                                      ExternalKind(), ScheduleKind(), HangupKind())}
KINDS["ivr"] = IvrKind()
KINDS["conference"] = ConferenceKind()
KINDS["callback"] = CallbackKind()
KINDS["disa"] = DisaKind()
KINDS["bot"] = BotKind()


@dataclass(frozen=True)
class Destination:
    """Where a call goes: ``kind`` (a key of KINDS) and its ``target`` (a number; empty for hang-up)."""

    kind: str
    target: str = ""

    def __post_init__(self):
        kind = KINDS.get(self.kind)
        if kind is None:
            raise ValueError(f"unknown destination kind {self.kind!r}")
        if not kind.target_valid(self.target):
            raise ValueError(f"invalid {self.kind} target {self.target!r}")

    def __str__(self):
        return f"{self.kind}:{self.target}" if self.target else self.kind

    @property
    def handler(self):
        """Return this destination's Kind."""
        return KINDS[self.kind]

    def dialplan(self):
        """Return the dialplan application that sends the call here, e.g. ``Goto(internal,201,1)``."""
        return self.handler.dialplan(self.target)

    def exists(self):
        """Tell whether the target is there now (the extension, the mailbox, the group)."""
        return self.handler.exists(self.target)

    def label(self):
        """Return ``(msgid, params)`` naming this destination for people, e.g. "Extension 201 Ana"."""
        return self.handler.describe(self.target)


HANGUP = Destination("hangup")


def parse(text):
    """Return the Destination stored as ``text``; raise ValueError for text that is not one."""
    text = (text or "").strip()
    kind, _, target = text.partition(":")
    return Destination(kind, target)


def find(text):
    """Return the Destination stored as ``text``, or None when it is not one."""
    try:
        return parse(text)
    except ValueError:
        return None


def choices(kind_name, actor, search="", limit=50):
    """Return the targets of ``kind_name`` that ``actor`` may pick, matching ``search``: ``[Choice]``."""
    kind = KINDS.get(kind_name)
    if kind is None or not kind.allowed(actor):
        return []
    return kind.choices(search, limit)


def kinds_for(actor):
    """Return the kinds ``actor`` may pick from, in picker order."""
    return [kind for kind in KINDS.values() if kind.allowed(actor)]


def of_number(number):
    """Return every destination that sends calls to ``number`` itself (its extension, mailbox or group)."""
    return [Destination(kind.name, number) for kind in KINDS.values()
            if kind.needs_target and kind.internal and kind.target_valid(number)]


__all__ = ["Choice", "Destination", "HANGUP", "KINDS", "Kind", "choices", "find", "kinds_for", "of_number", "parse"]
