"""Names people give things: one check of their characters, length and uniqueness for every kind."""
import pytest

from appliance.models.moh import MohClass
from appliance.services import names, numbering

TAKEN = "A music class with this name exists."


@pytest.mark.parametrize(("value", "message"), [
    ("", "Enter a name."),
    ("   ", "Enter a name."),
    ('Sala "A"', "Use at most %(max)d characters, without quotes, < > \\ or ;."),
    ("Vendas;Dial(PJSIP/x)", "Use at most %(max)d characters, without quotes, < > \\ or ;."),
    ("Linha\nnova", "Use at most %(max)d characters, without quotes, < > \\ or ;."),
    ("x" * 65, "Use at most %(max)d characters, without quotes, < > \\ or ;."),
])
def test_a_name_the_config_files_cannot_carry_is_refused(database, value, message):
    errors = {}
    names.clean_unique_name(value, errors, model=MohClass, taken=TAKEN)
    assert errors["name"][0] == message


def test_a_name_is_unique_among_its_kind_but_its_own_row_may_keep_it(database):
    jazz = MohClass.create(name="Jazz")
    errors = {}
    assert names.clean_unique_name("  Jazz ", errors, model=MohClass, taken=TAKEN) == "Jazz"
    assert errors == {"name": (TAKEN, {})}
    errors = {}
    assert names.clean_unique_name("Jazz", errors, model=MohClass, own_id=jazz.id, taken=TAKEN) == "Jazz"
    assert errors == {}
    # Another field (a file's name) is checked for its characters only, under its own key and limit.
    errors = {}
    names.clean_unique_name("y" * 41, errors, field="file", max_length=40)
    assert errors == {"file": ("Use at most %(max)d characters, without quotes, < > \\ or ;.", {"max": 40})}


def test_an_optional_number_is_checked_and_claimed_only_when_given(database):
    errors = {}
    assert numbering.clean_optional_number("  ", errors, mine=("ivr", None)) == ""
    assert errors == {}
    assert numbering.clean_optional_number("0800", errors, mine=("ivr", None)) == "0800"
    assert errors["number"][0] == "Use 2 to 8 digits, not starting with 0."
    errors = {}
    assert numbering.clean_optional_number(" 190 ", errors, mine=("ivr", None)) == "190"
    assert "emergency" in errors["number"][0]
