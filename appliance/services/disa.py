"""The cost-saving callback (DISA): an authorised number calls a DID, is refused unanswered, and is called back.

The callback goes out on the company trunk as the authorised number's extension; once answered it
asks a PIN, which the daemon checks here against the stored hash (constant time, argon2 like
passwords) — the PIN is never in the dialplan or a config file. Three wrong PINs end the call and are
logged; each number gets at most ``max_per_day`` callbacks a day (UTC). A caller ID is easy to fake,
so a faked one only makes the PBX call the real authorised phone, which still needs the PIN.
"""
import datetime
import logging
import re
from dataclasses import dataclass

from appliance import passwords, phone_numbers
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.callbacks import Callback, DisaNumber
from appliance.models.extensions import Extension
from appliance.models.users import utcnow
from appliance.services import audit, callbacks

log = logging.getLogger(__name__)
#: Wrong PINs that end a call.
MAX_PIN_FAILURES = 3
PIN = re.compile(r"[0-9]{6,12}")
CALLER = re.compile(r"[0-9]{10,20}")
#: Fewest digits of a caller ID that identify an authorised number (Brazil: area code + 8 digits).
MIN_MATCH = 10
PER_DAY_RANGE = (1, 50)


@dataclass
class DisaNumberInput:
    """What an admin types: the caller ID, how to dial it back, whose profile it uses, the PIN, the daily limit."""

    number: str
    extension: str
    dial: str = ""
    #: Empty when editing: the PIN stays.
    pin: str = ""
    max_per_day: int = 5
    enabled: bool = True


def list_disa_numbers():
    """Return the authorised numbers, by number."""
    return DisaNumber.select().order_by(DisaNumber.number)


def get_disa_number(disa_id):
    """Return authorised number ``disa_id`` or raise NotFound."""
    row = DisaNumber.get_or_none(DisaNumber.id == disa_id)
    if row is None:
        raise NotFound(N_("No such authorised number."))
    return row


def _trivial(pin):
    """Tell whether ``pin`` is guessable: one digit repeated or a run (123456, 987654)."""
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    return len(set(pin)) == 1 or steps in ({1}, {-1})


def save_disa_number(data, actor, disa_id=None):
    """Create or replace an authorised number; return it. Raise ValidationError on bad input."""
    errors = {}
    number = re.sub(r"[^0-9]", "", data.number or "")
    if not CALLER.fullmatch(number):
        errors["number"] = (N_("The caller ID with its area code: 10 to 20 digits."), {})
    try:
        dial = phone_numbers.dialable(data.dial or number, "dial")
    except ValidationError as error:
        errors.update(error.fields)
        dial = ""
    extension = Extension.get_or_none(Extension.number == (data.extension or "").strip())
    if extension is None:
        errors["extension"] = (N_("No such extension."), {})
    if data.pin or disa_id is None:
        if not PIN.fullmatch(data.pin or "") or _trivial(data.pin):
            errors["pin"] = (N_("6 to 12 digits, not one repeated digit or a run like 123456."), {})
    if not isinstance(data.max_per_day, int) or not PER_DAY_RANGE[0] <= data.max_per_day <= PER_DAY_RANGE[1]:
        errors["max_per_day"] = (N_("Between %(low)d and %(high)d."), {"low": PER_DAY_RANGE[0],
                                                                        "high": PER_DAY_RANGE[1]})
    # Hashing takes a tenth of a second: before the transaction, which then stays short.
    pin_hash = passwords.hash_password(data.pin) if data.pin and "pin" not in errors else ""
    with database.atomic():
        row = get_disa_number(disa_id) if disa_id is not None else None
        clash = DisaNumber.get_or_none(DisaNumber.number == number)
        if clash is not None and (row is None or clash.id != row.id):
            errors["number"] = (N_("This number is authorised already."), {})
        if errors:
            raise ValidationError(errors)
        before = _public(row) if row else None
        row = row or DisaNumber(pin_hash="")
        row.number, row.dial, row.extension = number, dial, extension
        row.max_per_day, row.enabled = data.max_per_day, bool(data.enabled)
        if pin_hash:
            row.pin_hash = pin_hash
        row.save()
        # The PIN is never in the audit log: only that it changed.
        audit.record(actor, "disa_number.save", "disa_number", row.id, number, before=before,
                     after={**_public(row), "pin_changed": bool(data.pin)})
    return row


def delete_disa_number(disa_id, actor):
    """Remove an authorised number."""
    with database.atomic():
        row = get_disa_number(disa_id)
        audit.record(actor, "disa_number.delete", "disa_number", row.id, row.number, before=_public(row))
        row.delete_instance()


def _public(row):
    return {"number": row.number, "dial": row.dial, "extension": row.extension.number,
            "max_per_day": row.max_per_day, "enabled": row.enabled}


def calls_today(dial, now=None):
    """Return how many DISA callbacks ``dial`` got today (UTC), refused ones included."""
    now = now or utcnow()
    midnight = datetime.datetime.combine(now.date(), datetime.time())
    return Callback.select().where((Callback.source == "disa") & (Callback.number == dial)
                                   & (Callback.created_at >= midnight)).count()


def call_in(caller):
    """An authorised number called the DISA DID (the daemon, from DISA_REQUEST_EVENT): schedule its callback.

    Unknown or disabled numbers and numbers over their daily limit are logged and get nothing;
    return the Callback row or None.
    """
    number = re.sub(r"[^0-9]", "", caller or "")[-20:]
    # Inbound caller IDs arrive normalised (5511987650000) or not (11987650000): a stored number matches
    # the end of the caller ID, never fewer than MIN_MATCH digits (area code and subscriber number).
    endings = [number[-size:] for size in range(MIN_MATCH, len(number) + 1)]
    row = (DisaNumber.select().where(DisaNumber.number.in_(endings) & DisaNumber.enabled)
           .order_by(DisaNumber.number.desc()).first()) if endings else None
    if row is None:
        log.warning("DISA callback refused: %r is not an authorised number", number[:20])
        return None
    over = calls_today(row.dial) >= row.max_per_day
    with database.atomic():
        callback = Callback.create(number=row.dial, agent=f"extension:{row.extension.number}", reason="DISA",
                                   source="disa", max_attempts=1, retry_seconds=60, created_by="disa",
                                   status="failed" if over else "pending", failure="over_limit" if over else "",
                                   last_result="over_limit" if over else "")
    if over:
        log.warning("DISA callback refused: %s is over its %d callbacks today", number, row.max_per_day)
    else:
        log.info("DISA callback %s scheduled for %s (extension %s)", callback.id, row.dial, row.extension.number)
    callbacks.publish(callback)
    return None if over else callback


def check_pin(callback_id, pin, channel):
    """Tell the PIN prompt on ``channel`` whether ``pin`` is right (the daemon, from DISA_PIN_EVENT).

    Sets CB_VERDICT to "ok" (dial tone), "bad" (ask again) or "locked" (third wrong PIN: hang up, logged).
    """
    if not str(callback_id).isdigit() or not channel:
        return
    callback = Callback.get_or_none((Callback.id == int(callback_id)) & (Callback.source == "disa")
                                    & (Callback.status == "calling"))
    if callback is None:
        return
    extension = callback.agent.partition(":")[2]
    row = (DisaNumber.select().join(Extension).where((DisaNumber.dial == callback.number)
                                                     & (Extension.number == extension)).first())
    right = row is not None and bool(pin) and passwords.verify_password(row.pin_hash, pin)
    if right:
        verdict = "ok"
        callbacks.conclude(callback, "done", "pin_ok")
    else:
        callback.pin_failures += 1
        callback.save(only=[Callback.pin_failures])
        verdict = "locked" if callback.pin_failures >= MAX_PIN_FAILURES else "bad"
        if verdict == "locked":
            log.warning("DISA callback %s to %s: %d wrong PINs, hung up", callback.id, callback.number,
                        callback.pin_failures)
            callbacks.conclude(callback, "failed", "wrong_pin")
    engine = control.current()
    try:
        engine.set_channel_variable(channel, "CB_VERDICT", verdict)
    except (AmiError, AttributeError) as error:
        log.warning("DISA callback %s: verdict not delivered: %s", callback.id, error)
