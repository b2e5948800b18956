"""A person's own call settings: DND, forwards, presence, ring time.

The database keeps them; Asterisk reads the toggles from AstDB (family CN,
see confgen/extensions.py) at call time, so they are pushed there through AMI
after the commit and are live on the next call with no reload. Feature codes
change AstDB from a phone and raise a UserEvent; the daemon brings those
changes back here (``mirror_from_engine``), and ``reconcile`` makes both sides
agree after either was down.
"""
import logging
import re
from dataclasses import dataclass

from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.confgen.types import valid_dial_target
from appliance.db import database
from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.models.extensions import PRESENCE_STATES, Device, Extension
from appliance.services import Actor, audit, engine_sync
from appliance.services.extensions import RING_SECONDS_RANGE, SECONDS_IN_RANGE, in_range

log = logging.getLogger(__name__)

#: Extension field -> AstDB key the dialplan reads.
ASTDB_KEYS = {
    "forward_always": "fwd_always",
    "forward_busy": "fwd_busy",
    "forward_no_answer": "fwd_noanswer",
    "forward_unavailable": "fwd_unavail",
}
#: Presence the person picks -> Asterisk presence state and subtype (func_presencestate).
ASTERISK_PRESENCE = {
    "available": ("available", ""),
    "away": ("away", ""),
    "busy": ("dnd", ""),
    "lunch": ("away", "lunch"),
    "custom": ("available", "custom"),
}


@dataclass
class CallSettings:
    """What a person may change about how their calls are handled."""

    dnd: bool = False
    forward_always: str = ""
    forward_busy: str = ""
    forward_no_answer: str = ""
    forward_unavailable: str = ""
    ring_seconds: int = 25
    presence: str = "available"
    presence_text: str = ""


def current(extension):
    """Return the CallSettings of ``extension``."""
    return CallSettings(extension.dnd, extension.forward_always, extension.forward_busy,
                        extension.forward_no_answer, extension.forward_unavailable, extension.ring_seconds,
                        extension.presence, extension.presence_text)


def _validate(extension, settings, errors):
    for field in ASTDB_KEYS:
        # People type numbers as they read them: "(11) 98765-4321".
        target = re.sub(r"[\s().-]", "", getattr(settings, field) or "")
        setattr(settings, field, target)
        if target and not valid_dial_target(target):
            errors[field] = (N_("Enter an extension or a phone number (digits, optionally starting with +)."), {})
        elif target == extension.number:
            errors[field] = (N_("An extension cannot forward to itself."), {})
    settings.ring_seconds = in_range(settings.ring_seconds, "ring_seconds", RING_SECONDS_RANGE, errors,
                                     SECONDS_IN_RANGE)
    if settings.presence not in PRESENCE_STATES:
        errors["presence"] = (N_("Choose a presence from the list."), {})
    settings.presence_text = (settings.presence_text or "").strip()
    if len(settings.presence_text) > 64:
        errors["presence_text"] = (N_("Use at most %(max)d characters."), {"max": 64})
    elif settings.presence_text and not settings.presence_text.isprintable():
        errors["presence_text"] = (N_("Use printable characters only."), {})


def update(extension_id, settings, actor):
    """Save ``settings`` for the extension and push them to Asterisk after the commit."""
    with database.atomic():
        extension = Extension.get_by_id(extension_id)
        errors = {}
        _validate(extension, settings, errors)
        if errors:
            raise ValidationError(errors)
        before = current(extension)
        if before == settings:
            return extension
        for field, value in vars(settings).items():
            setattr(extension, field, value)
        extension.toggles_pushed = False
        extension.save()
        audit.record(actor, "extension.call_settings", "extension", extension.id, extension.number,
                     before=vars(before), after=vars(settings))
        if before.ring_seconds != settings.ring_seconds:
            # The ring time is in the extension's realtime row, not in AstDB.
            engine_sync.request([d.sip_username for d in extension.devices], files=False,
                                numbers=[extension.number])
        database.after_commit(lambda: push([extension.number]))
    return extension


def _astdb_values(extension):
    values = {"dnd": "1" if extension.dnd else ""}
    values.update((key, getattr(extension, field)) for field, key in ASTDB_KEYS.items())
    # External calls to an extension with its own blacklist take the slow path that checks it.
    from appliance.services import blocklist
    values[blocklist.rules.ASTDB_KEY] = "1" if blocklist.has_inbound_list(extension) else ""
    return values


def _presence_value(extension):
    state, subtype = ASTERISK_PRESENCE[extension.presence]
    # Commas separate the fields of PRESENCE_STATE: keep them out of the message.
    text = extension.presence_text.replace(",", " ") if extension.presence in ("custom", "lunch", "away") else ""
    return f"{state},{subtype},{text}"


def _call_settings(extension, stored=None):
    toggles = _astdb_values(extension)
    if stored is not None:
        held = stored.get(extension.number, {})
        toggles = {key: value for key, value in toggles.items() if held.get(key, "") != value}
    return control.CallSettings(extension.number, toggles, extension.dnd, _presence_value(extension))


#: Extensions pushed per AMI session and marked pushed together: a first push at 10,000 extensions takes
#: a minute, and a stopping daemon must not wait for all of it (what is marked stays done).
PUSH_CHUNK = 200


def push(numbers=None, stop=None):
    """Write the toggles of ``numbers`` (None: every extension not yet pushed) to AstDB; return how many.

    Asterisk down is not an error: the rows stay marked unpushed and the daemon
    pushes them when Asterisk is back. ``stop`` (an Event) ends a long push between chunks.
    """
    if control.current() is None:
        return 0
    query = Extension.select()
    query = query.where(Extension.number.in_(list(numbers))) if numbers is not None else \
        query.where(~Extension.toggles_pushed)
    try:
        return _push(query, stop)
    except AmiError as error:
        log.warning("call settings not pushed to Asterisk yet: %s", error)
        return 0


def _push(query, stop=None, stored=None):
    """Write the toggles of the extensions ``query`` selects to AstDB and mark them pushed; return how many.

    ``stored`` is what AstDB holds (``{number: {key: value}}``) when the caller just read it: keys that
    already agree are not written again, and on an empty AstDB no absent key is deleted (most toggles are
    off, so a first fill writes a fraction of the keys).
    """
    extensions, pushed = list(query), 0
    for start in range(0, len(extensions), PUSH_CHUNK):
        if stop is not None and stop.is_set():
            break
        chunk = extensions[start:start + PUSH_CHUNK]
        control.current().push_call_settings([_call_settings(extension, stored) for extension in chunk])
        Extension.update(toggles_pushed=True).where(Extension.id.in_([e.id for e in chunk])).execute()
        pushed += len(chunk)
    return pushed


#: The device a PJSIP channel belongs to: ``PJSIP/<device>-<8 hex digits>`` (a device name may hold a -).
_PJSIP_CHANNEL = re.compile(r"PJSIP/(?P<device>[^/]+)-[0-9a-f]{8}")


def channel_extension(channel):
    """Return the extension number whose device placed ``channel`` (``PJSIP/<device>-<seq>``), or None."""
    match = _PJSIP_CHANNEL.fullmatch(channel or "")
    if match is None:
        return None
    device = Device.get_or_none(Device.sip_username == match["device"])
    return device.extension.number if device is not None else None


def mirror_from_engine(number, key, value, channel):
    """Record a toggle a feature code changed in AstDB (the daemon calls this on the UserEvent).

    Only the calling device's own extension may change: the event's fields come from the dialplan,
    and ``channel`` (the channel that raised it) is what the phone cannot choose.
    """
    if channel_extension(channel) != number:
        log.warning("feature-code event for extension %r ignored: raised by %r, not one of its devices",
                    number[:20], channel[:80])
        return False
    return _take_from_engine(number, key, value)


def _take_from_engine(number, key, value):
    """Store a toggle AstDB holds for ``number`` (written by that number's own feature codes)."""
    fields = {"dnd": "dnd", **{astdb: field for field, astdb in ASTDB_KEYS.items()}}
    field = fields.get(key)
    if field is None:
        return False
    with database.atomic():
        extension = Extension.get_or_none(Extension.number == number)
        if extension is None:
            return False
        new = (value == "1") if field == "dnd" else value
        if field != "dnd" and value and not valid_dial_target(value):
            return False
        if getattr(extension, field) == new:
            return False
        before = {field: getattr(extension, field)}
        setattr(extension, field, new)
        extension.save()
        audit.record(Actor.system("feature-code"), "extension.feature_code", "extension", extension.id, number,
                     before=before, after={field: new})
    return True


def reconcile(stop=None):
    """Make AstDB and the database agree: push unpushed rows, take phone-made changes for the rest.

    Return (rows pushed, values taken from AstDB). Raises AmiError when Asterisk is not answering.
    ``stop`` (an Event) ends it between chunks; the next run goes on where it stopped.
    """
    engine = control.current()
    if engine is None:
        return 0, 0
    synced, stored = engine.read_call_settings()
    if not synced:
        # An AstDB that never saw us, or was lost (a new engine instance, a restore): a missing
        # key would read as "off", so the database is the truth for every extension.
        extensions = Extension.select().order_by(Extension.id)
        pushed = _push(extensions, stop, stored)
        if pushed == extensions.count():
            engine.mark_call_settings_synced()
        return pushed, 0
    pushed = _push(Extension.select().where(~Extension.toggles_pushed), stop)
    if stop is not None and stop.is_set():
        return pushed, 0
    if pushed:
        synced, stored = engine.read_call_settings()
    taken, stale = 0, []
    for extension in Extension.select().where(Extension.toggles_pushed):
        values = stored.get(extension.number, {})  # a cleared toggle has no key
        for key, value in _astdb_values(extension).items():
            if values.get(key, "") == value:
                continue
            if key == blocklist_key():
                # Only the app writes it (no feature code does): AstDB is behind, push it again.
                stale.append(extension.id)
            else:
                taken += _take_from_engine(extension.number, key, values.get(key, ""))
    if stale:
        pushed += _push(Extension.select().where(Extension.id.in_(stale)))
    return pushed, taken


def blocklist_key():
    """Return the AstDB key that sends external calls to an extension through its own blacklist."""
    from appliance.services import blocklist
    return blocklist.rules.ASTDB_KEY
