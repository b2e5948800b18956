"""API tokens without the web app: their shape, their checksum, and the rights they carry."""
import datetime
import logging

import pytest

from appliance.errors import ValidationError
from appliance.models.api_tokens import ApiToken
from appliance.services import Actor, api_tokens, users

SYSTEM = Actor.system("test")


def test_a_token_is_prefixed_256_random_bits_with_a_checksum():
    token = api_tokens.new_secret("personal")
    assert token.startswith("cntl_pat_") and len(token) == len("cntl_pat_") + 43 + 6
    assert api_tokens.well_formed(token)
    assert api_tokens.new_secret("personal") != token
    typo = token[:12] + ("x" if token[12] != "x" else "y") + token[13:]
    assert not api_tokens.well_formed(typo)
    assert not api_tokens.well_formed(token + "0") and not api_tokens.well_formed("cntl_pat_")


def test_a_service_token_is_told_apart_by_its_prefix():
    assert api_tokens.new_secret("service").startswith("cntl_svc_")


def test_rights_are_the_scopes_narrowed_by_the_owners_role_now(database):
    user = users.create(users.UserInput("ana", "Correct-Horse-42", role="admin"), SYSTEM)
    row, token = api_tokens.create_personal(user.id, api_tokens.TokenInput("x", ("users:read", "cdr:read"), 90),
                                            SYSTEM)
    assert api_tokens.authenticate(token).scopes == {"users:read", "cdr:read"}
    users.create(users.UserInput("boss", "Correct-Horse-42", role="admin"), SYSTEM)  # so ana may be demoted
    users.update(user.id, users.UserChanges("", "", "user", "pt_BR", True), SYSTEM)
    assert api_tokens.authenticate(token).scopes == {"cdr:read"}


def test_a_lifetime_outside_the_offered_ones_is_refused(database):
    user = users.create(users.UserInput("ana", "Correct-Horse-42"), SYSTEM)
    with pytest.raises(ValidationError) as refused:
        api_tokens.create_personal(user.id, api_tokens.TokenInput("x", ("cdr:read",), 0), SYSTEM)
    assert "expires_in_days" in refused.value.fields


def test_the_token_never_reaches_the_logs(database, caplog):
    caplog.set_level(logging.DEBUG)
    _, token = api_tokens.create_service(api_tokens.TokenInput("crm", ("cdr:read",), 0), SYSTEM)
    api_tokens.authenticate(token, "10.0.0.1")
    api_tokens.authenticate(token[:-1] + "0", "10.0.0.1")
    assert token not in caplog.text and token[9:40] not in caplog.text


def test_last_use_is_written_at_most_once_a_minute(database):
    _, token = api_tokens.create_service(api_tokens.TokenInput("crm", ("cdr:read",), 0), SYSTEM)
    start = datetime.datetime(2026, 1, 1, 12, 0, 0)
    api_tokens.authenticate(token, "10.0.0.1", now=start)
    api_tokens.authenticate(token, "10.0.0.2", now=start + datetime.timedelta(seconds=30))
    row = ApiToken.get()
    assert (row.last_used_at, row.last_used_address) == (start, "10.0.0.1")
    api_tokens.authenticate(token, "10.0.0.2", now=start + datetime.timedelta(seconds=61))
    assert ApiToken.get().last_used_address == "10.0.0.2"
