"""Password hashing: the production parameters, and hashes made with other ones."""
from argon2 import PasswordHasher

from appliance import passwords


def test_production_hashes_are_argon2id_at_64_mib_and_three_passes():
    # The suite itself hashes with argon2-cffi's cheapest profile (tests/conftest.py): what
    # production uses is checked here, on a hasher made from the same parameters.
    encoded = PasswordHasher.from_parameters(passwords.PRODUCTION).hash("Correct-Horse-42")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_made_with_other_parameters_verifies_and_asks_to_be_made_again():
    stronger = PasswordHasher.from_parameters(passwords.PRODUCTION).hash("Correct-Horse-42")
    assert passwords.verify_password(stronger, "Correct-Horse-42")
    assert not passwords.verify_password(stronger, "Correct-Horse-43")
    assert passwords.needs_rehash(stronger)  # the login makes it again with today's parameters
    assert not passwords.needs_rehash(passwords.hash_password("Correct-Horse-42"))


def test_a_malformed_hash_matches_nothing():
    assert not passwords.verify_password("not-a-hash", "")
    assert not passwords.verify_password(passwords.dummy_hash(), "")
