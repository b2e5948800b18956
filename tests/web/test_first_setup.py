"""The first login's setup: while the generated admin password logs in, it leads to a page that sets a new
password, the time zone and the country (region of phone numbers, holidays, language), audited, once."""
import json
from pathlib import Path

import pytest

from appliance import phone_numbers, settings
from appliance.models.users import AuditEntry, User
from appliance.services import Actor, users
from tests.conftest import ADMIN_PASSWORD, csrf_token

FIRST = "Gen3rated-First-Pass"
GOOD = {"new_password": "My-Own-Secret-Pass-9", "confirm_password": "My-Own-Secret-Pass-9",
        "timezone": "Europe/Lisbon", "country": "PT"}


@pytest.fixture
def first_boot(app):
    """The box as the first boot leaves it: admin's password generated and kept for the console."""
    users.set_password(User.get(User.username == "admin").id, FIRST, Actor.system("test"))
    (Path(app.config["VAR_DIR"]) / "first-admin-password").write_text(FIRST + "\n")
    yield app
    phone_numbers.set_region("BR")


def _setup(client, **changes):
    token = csrf_token(client.get("/setup").get_data(as_text=True))
    return client.post("/setup", data={**GOOD, **changes, "csrf_token": token})


def test_the_login_page_says_where_the_first_password_is_but_never_shows_it(client, first_boot):
    page = client.get("/login").get_data(as_text=True)
    assert "console" in page and FIRST not in page  # pt-BR by default: "tela do console"


def test_a_login_with_the_first_password_reaches_only_the_setup_page(client, auth, first_boot):
    response = auth.login(password=FIRST)
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup")
    for path in ("/admin/users", "/telephony/extensions", "/panel/account"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/setup"), path
    assert client.get("/setup").status_code == 200


@pytest.mark.parametrize("changes, field_error", [
    ({"new_password": "short", "confirm_password": "short"}, "at least"),
    ({"confirm_password": "Something-Else-123"}, "The passwords do not match."),
    ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list."),
    ({"country": "XX"}, "Choose a country from the list."),
    ({"new_password": FIRST, "confirm_password": FIRST}, "not the generated one"),
])
def test_bad_input_is_explained_and_changes_nothing(client, auth, first_boot, changes, field_error):
    auth.login(password=FIRST)
    response = _setup(client, **changes)
    assert response.status_code == 422
    assert field_error in response.get_data(as_text=True)
    assert not (Path(first_boot.config["VAR_DIR"]) / settings.SITE_FILE).exists()
    assert users.authenticate("admin", FIRST) is not None
    assert not AuditEntry.select().where(AuditEntry.action == "site.first_setup").exists()


def test_setup_sets_password_zone_country_and_language_and_forgets_the_first_password(client, auth, first_boot):
    var_dir = Path(first_boot.config["VAR_DIR"])
    auth.login(password=FIRST)
    response = _setup(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    # Stored where every process reads its settings from, audited without any password.
    assert json.loads((var_dir / settings.SITE_FILE).read_text()) == {
        "COUNTRY": "PT", "DEFAULT_LOCALE": "pt_BR", "TIMEZONE": "Europe/Lisbon"}
    conf = settings.load(overrides={"VAR_DIR": str(var_dir)}, environ={}, config_dir=var_dir / "none")
    assert (conf["COUNTRY"], conf["TIMEZONE"], conf["DEFAULT_LOCALE"]) == ("PT", "Europe/Lisbon", "pt_BR")
    entry = AuditEntry.get(AuditEntry.action == "site.first_setup")
    assert json.loads(entry.after)["COUNTRY"] == "PT" and FIRST not in entry.after + entry.before
    assert GOOD["new_password"] not in entry.after + entry.before
    # The first password is gone: from the disk (the console stops showing it) and as a login.
    assert not (var_dir / "first-admin-password").exists()
    assert users.authenticate("admin", FIRST) is None
    assert "console" not in client.get("/login").get_data(as_text=True)
    # This session ended; the new password opens the admin pages directly, no setup any more.
    assert client.get("/admin/users").headers["Location"].startswith("/login")
    login = auth.login(password=GOOD["new_password"])
    assert not login.headers["Location"].endswith("/setup")
    assert client.get("/admin/users").status_code == 200
    assert client.get("/setup").status_code == 302
    # Numbers typed without a country code are now Portuguese; new schedules start in Lisbon, in Portugal.
    assert phone_numbers.normalize("912 345 678") == "+351912345678"
    form = client.get("/telephony/schedules/new").get_data(as_text=True)
    assert 'value="Europe/Lisbon" selected' in form or '<option selected value="Europe/Lisbon">' in form


def test_an_ordinary_login_never_sees_the_setup(client, auth, app):
    response = auth.login(password=ADMIN_PASSWORD)
    assert not response.headers["Location"].endswith("/setup")
    assert client.get("/setup").status_code == 302
    assert client.get("/admin/users").status_code == 200
