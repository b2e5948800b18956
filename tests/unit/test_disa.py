"""The DISA callback's rules without Asterisk: who is called back, how often, and the PIN's three tries."""
import pytest

from appliance.errors import ValidationError
from appliance.models.callbacks import Callback, DisaNumber
from appliance.models.users import AuditEntry
from appliance.services import Actor, callbacks, disa, extensions

SYSTEM = Actor.system("test")


@pytest.fixture
def authorised(app, engine_control):
    extensions.create(extensions.ExtensionInput("250", "Viajante"), SYSTEM)
    row = disa.save_disa_number(disa.DisaNumberInput("11987650000", "250", dial="011987650000", pin="246789",
                                                     max_per_day=2), SYSTEM)
    return row


def test_the_pin_is_stored_hashed_and_never_audited(authorised):
    assert "246789" not in authorised.pin_hash and authorised.pin_hash.startswith("$argon2")
    entry = AuditEntry.get(AuditEntry.action == "disa_number.save")
    assert "246789" not in entry.after and '"pin_changed": true' in entry.after


@pytest.mark.parametrize("pin", ["1234", "111111", "123456", "987654", "12a456"])
def test_short_or_guessable_pins_are_refused(app, pin):
    extensions.create(extensions.ExtensionInput("250", "Viajante"), SYSTEM)
    with pytest.raises(ValidationError) as error:
        disa.save_disa_number(disa.DisaNumberInput("11987650000", "250", pin=pin), SYSTEM)
    assert "pin" in error.value.fields
    assert DisaNumber.select().count() == 0


def test_an_authorised_caller_id_is_matched_with_or_without_country_code(authorised):
    assert disa.call_in("+5511987650000").number == "011987650000"
    assert disa.call_in("11987650000") is not None
    assert disa.call_in("987650000") is None  # too short to identify anyone
    assert disa.call_in("5521987650000") is None


def test_calls_over_the_daily_limit_are_refused_and_kept_as_failed(authorised):
    assert disa.call_in("11987650000") and disa.call_in("11987650000")
    assert disa.call_in("11987650000") is None
    assert [row.status for row in Callback.select().order_by(Callback.id)] == ["pending", "pending", "failed"]
    assert Callback.select().order_by(Callback.id.desc()).first().failure == "over_limit"


def test_a_disa_attempt_calls_the_number_itself_as_the_extension(authorised, engine_control):
    row = disa.call_in("11987650000")
    callbacks.run_due()
    name, kind, _, number, _, variables = engine_control.calls[-1]
    assert (name, kind, number, variables["CB_EXT"], variables["CB_ID"]) == (
        "call_back", "disa", "011987650000", "250", row.id)


def test_three_wrong_pins_lock_the_call_and_the_right_one_opens_the_dial_tone(authorised, engine_control):
    row = disa.call_in("11987650000")
    callbacks.run_due()
    disa.check_pin(str(row.id), "000000", "Local/x;1")
    disa.check_pin(str(row.id), "", "Local/x;1")
    assert [call[3] for call in engine_control.calls if call[0] == "set_channel_variable"] == ["bad", "bad"]
    disa.check_pin(str(row.id), "246788", "Local/x;1")
    assert engine_control.calls[-1] == ("set_channel_variable", "Local/x;1", "CB_VERDICT", "locked")
    assert (Callback.get_by_id(row.id).status, Callback.get_by_id(row.id).failure) == ("failed", "wrong_pin")
    disa.check_pin(str(row.id), "246789", "Local/x;1")  # too late: the call is over
    assert engine_control.calls[-1][3] == "locked"
    second = disa.call_in("11987650000")
    callbacks.run_due()
    disa.check_pin(str(second.id), "246789", "Local/y;1")
    assert engine_control.calls[-1] == ("set_channel_variable", "Local/y;1", "CB_VERDICT", "ok")
    assert Callback.get_by_id(second.id).status == "done"
