"""IVR menus (URAs): a greeting, keys to destinations, direct dial, retries. Live after commit (one dialplan reload)."""
from dataclasses import dataclass, field

from appliance import destinations
from appliance.asterisk.confgen.ivr import KEYS, parse_ranges
from appliance.db import database
from appliance.destinations import referrers
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.ivr import Ivr, IvrOption, Prompt
from appliance.services import audit, engine_sync, names, numbering
from appliance.services.extensions import SECONDS_IN_RANGE, in_range

TIMEOUT_RANGE = (1, 60)
RETRIES_RANGE = (0, 10)
MAX_RANGES = 10


@dataclass
class IvrInput:
    """What an admin types for a menu; ``options`` maps a key ("0"-"9", "*", "#") to a destination's text."""

    name: str
    number: str = ""
    greeting: int | None = None
    timeout_seconds: int = 5
    timeout_prompt: int | None = None
    timeout_retries: int = 2
    invalid_prompt: int | None = None
    invalid_retries: int = 2
    final_destination: str = "hangup"
    direct_dial: bool = False
    direct_ranges: str = ""
    options: dict = field(default_factory=dict)


def option_field(key):
    """Return the field name errors about key ``key`` are reported under: option_1, option_star, option_hash."""
    return "option_" + {"*": "star", "#": "hash"}.get(key, key)


def get_ivr(ivr_id):
    """Return the menu with ``ivr_id`` or raise NotFound."""
    ivr = Ivr.get_or_none(Ivr.id == ivr_id)
    if ivr is None:
        raise NotFound(N_("IVR menu not found."))
    return ivr


def list_ivrs():
    """Return every menu, by name."""
    return Ivr.select().order_by(Ivr.name)


def options_of(ivr):
    """Return ``{key: destination text}`` of ``ivr``, in key order."""
    rows = IvrOption.select().where(IvrOption.ivr == ivr)
    return {row.key: row.destination for row in sorted(rows, key=lambda row: KEYS.index(row.key))}


def _prompt(value, name, errors):
    if value in (None, "", 0):
        return None
    try:
        prompt_id = int(value)
    except (TypeError, ValueError):
        prompt_id = None
    if prompt_id is None or not Prompt.select().where(Prompt.id == prompt_id).exists():
        errors[name] = (N_("Choose a prompt from the list."), {})
        return None
    return prompt_id


def _destination(text, name, errors):
    destination = destinations.find(text or "hangup")
    # A menu may send calls to any menu, itself included ("9: hear the options again"): the dialplan
    # ends a call that goes round more than MAX_MENU_VISITS menus.
    if destination is None or not destination.exists():
        errors[name] = (N_("Choose a destination from the list."), {})
        return text
    return str(destination)


def _validate(data, ivr_id, errors):
    data.name = names.clean_unique_name(data.name, errors, model=Ivr, own_id=ivr_id,
                                        taken=N_("An IVR menu with this name exists."))
    data.number = numbering.clean_optional_number(data.number, errors, mine=("ivr", ivr_id))
    data.greeting = _prompt(data.greeting, "greeting", errors)
    data.timeout_prompt = _prompt(data.timeout_prompt, "timeout_prompt", errors)
    data.invalid_prompt = _prompt(data.invalid_prompt, "invalid_prompt", errors)
    data.timeout_seconds = in_range(data.timeout_seconds, "timeout_seconds", TIMEOUT_RANGE, errors, SECONDS_IN_RANGE)
    data.timeout_retries = in_range(data.timeout_retries, "timeout_retries", RETRIES_RANGE, errors)
    data.invalid_retries = in_range(data.invalid_retries, "invalid_retries", RETRIES_RANGE, errors)
    data.final_destination = _destination(data.final_destination, "final_destination", errors)
    data.direct_dial = bool(data.direct_dial)
    try:
        ranges = parse_ranges(data.direct_ranges)
    except ValueError:
        errors["direct_ranges"] = (N_("Use numbers or ranges like 200-299, both ends with the same number of "
                                      "digits."), {})
    else:
        if len(ranges) > MAX_RANGES:
            errors["direct_ranges"] = (N_("Use at most %(max)d ranges."), {"max": MAX_RANGES})
        data.direct_ranges = " ".join(low if low == high else f"{low}-{high}" for low, high in ranges)
    options = {}
    for key, text in (data.options or {}).items():
        key = str(key).strip()
        if not text:
            continue
        if len(key) != 1 or key not in KEYS:
            errors["options"] = (N_("Keys are 0 to 9, * and #."), {})
            continue
        options[key] = _destination(text, option_field(key), errors)
    data.options = options


def _public(ivr):
    return {"name": ivr.name, "number": ivr.number, "greeting": ivr.greeting_id,
            "timeout_seconds": ivr.timeout_seconds, "timeout_prompt": ivr.timeout_prompt_id,
            "timeout_retries": ivr.timeout_retries, "invalid_prompt": ivr.invalid_prompt_id,
            "invalid_retries": ivr.invalid_retries, "final_destination": ivr.final_destination,
            "direct_dial": ivr.direct_dial, "direct_ranges": ivr.direct_ranges, "options": options_of(ivr)}


_FIELDS = ("name", "number", "timeout_seconds", "timeout_retries", "invalid_retries", "final_destination",
           "direct_dial", "direct_ranges")


def save_ivr(data, actor, ivr_id=None):
    """Create (``ivr_id`` None) or replace a menu and its options; the dialplan follows after commit."""
    with database.atomic():
        ivr = get_ivr(ivr_id) if ivr_id is not None else None
        errors = {}
        _validate(data, ivr_id, errors)
        if errors:
            raise ValidationError(errors)
        before = _public(ivr) if ivr else None
        values = {name: getattr(data, name) for name in _FIELDS}
        values.update(greeting=data.greeting, timeout_prompt=data.timeout_prompt, invalid_prompt=data.invalid_prompt)
        if ivr is None:
            ivr = Ivr.create(**values)
        else:
            for key, value in values.items():
                setattr(ivr, key, value)
            ivr.save()
        IvrOption.delete().where(IvrOption.ivr == ivr).execute()
        for key, text in data.options.items():
            IvrOption.create(ivr=ivr, key=key, destination=text)
        audit.record(actor, "ivr.update" if before else "ivr.create", "ivr", ivr.id, ivr.name, before=before,
                     after=_public(ivr))
        engine_sync.request([], files=True)
    return ivr


def delete_ivr(ivr_id, actor):
    """Delete a menu; refused while something (a route, another menu, a group) sends calls to it."""
    with database.atomic():
        ivr = get_ivr(ivr_id)
        before = _public(ivr)
        # Its own keys and final destination may point at itself: they go with it (rolled back if refused).
        IvrOption.delete().where(IvrOption.ivr == ivr).execute()
        Ivr.update(final_destination="hangup").where(Ivr.id == ivr.id).execute()
        referrers.refuse_if_used([destinations.Destination("ivr", str(ivr.id))], "name")
        audit.record(actor, "ivr.delete", "ivr", ivr.id, ivr.name, before=before)
        ivr.delete_instance(recursive=True)
        engine_sync.request([], files=True)


@dataclass
class Node:
    """One line of a menu's tree: a key (or "t", "i", "final"), its destination, its label, what is below."""

    key: str
    destination: str
    label: tuple  # (msgid, params)
    broken: bool = False
    children: list = field(default_factory=list)
    ivr_id: int | None = None
    repeated: bool = False  # a menu already shown above: not unfolded again (loops are allowed)


def tree(ivr, depth=4, _seen=None):
    """Return the Nodes of ``ivr``'s options and final destination; nested menus unfold up to ``depth`` levels.

    ``broken`` marks a destination whose target is gone (a deleted extension, menu or group).
    """
    seen = (_seen or set()) | {ivr.id}
    nodes = []
    entries = list(options_of(ivr).items()) + [("final", ivr.final_destination)]
    for key, text in entries:
        destination = destinations.find(text)
        if destination is None:
            nodes.append(Node(key, text, (N_("Unknown destination %(label)s"), {"label": text}), broken=True))
            continue
        broken = not destination.exists()
        node = Node(key, text, destination.label(), broken=broken)
        if destination.kind == "ivr" and not broken:
            node.ivr_id = int(destination.target)
            if node.ivr_id in seen:
                node.repeated = True
            elif depth > 1:
                node.children = tree(get_ivr(node.ivr_id), depth - 1, seen)
        nodes.append(node)
    return nodes


def broken_options(ivr):
    """Return the keys (and "final") of ``ivr`` whose destination's target is gone."""
    return [node.key for node in tree(ivr, depth=1) if node.broken]
