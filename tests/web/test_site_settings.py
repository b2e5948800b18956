"""System → Site settings: the time zone, country and default language changed after the first login (decision 041).

The same check as the first login's setup; written to VAR_DIR/site.json, audited, and taken by every
process at its next request (here: a worker that did not make the change)."""
import json
from pathlib import Path

import pytest

from appliance import phone_numbers, settings
from appliance.models.users import AuditEntry, User
from appliance.services import Actor, site, users
from tests.conftest import csrf_token

GOOD = {"timezone": "Europe/Lisbon", "country": "PT", "language": "en"}


@pytest.fixture(autouse=True)
def brazil_again():
    """The phone-number region is the process's: every test leaves it as it found it."""
    yield
    phone_numbers.set_region("BR")


def _save(client, **changes):
    token = csrf_token(client.get("/admin/site").get_data(as_text=True))
    return client.post("/admin/site", data={**GOOD, **changes, "csrf_token": token})


def _in_force(page, name):
    return page.split(f'data-setting="{name}">')[1].split("<")[0]


def test_the_page_shows_the_settings_in_force_and_is_in_the_system_menu(client, auth):
    auth.login()
    page = client.get("/admin/site").get_data(as_text=True)
    assert (_in_force(page, "timezone"), _in_force(page, "country"), _in_force(page, "language")) == (
        "America/Sao_Paulo", "Brazil", "Português (Brasil)")
    assert 'href="/admin/site"' in client.get("/admin/system").get_data(as_text=True)
    assert "Existing schedules keep their own time zone." in page


def test_an_admin_changes_zone_country_and_language_audited_and_in_force_at_once(client, auth, app):
    auth.login()
    response = _save(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/site")
    var_dir = Path(app.config["VAR_DIR"])
    assert json.loads((var_dir / settings.SITE_FILE).read_text()) == {
        "COUNTRY": "PT", "DEFAULT_LOCALE": "en", "TIMEZONE": "Europe/Lisbon"}
    assert (app.config["TIMEZONE"], app.config["COUNTRY"], app.config["DEFAULT_LOCALE"]) == (
        "Europe/Lisbon", "PT", "en")
    assert phone_numbers.region() == "PT"
    page = client.get("/admin/site").get_data(as_text=True)
    assert (_in_force(page, "timezone"), _in_force(page, "country"), _in_force(page, "language")) == (
        "Europe/Lisbon", "Portugal", "English")
    entry = AuditEntry.get(AuditEntry.action == "site.change")
    assert json.loads(entry.before)["TIMEZONE"] == "America/Sao_Paulo"
    assert json.loads(entry.after) == {"COUNTRY": "PT", "DEFAULT_LOCALE": "en", "TIMEZONE": "Europe/Lisbon"}
    assert entry.actor_name == "admin"
    # Saving the same settings again changes nothing and is not audited twice.
    assert _save(client).status_code == 302
    assert AuditEntry.select().where(AuditEntry.action == "site.change").count() == 1


def test_a_worker_that_did_not_make_the_change_takes_it_at_its_next_request(client, auth, app):
    auth.login()
    # Another web worker (or the API) wrote the file; this one still holds the old settings.
    site.write_site(app.config["VAR_DIR"], {"COUNTRY": "JP", "TIMEZONE": "Asia/Tokyo", "DEFAULT_LOCALE": "en"})
    page = client.get("/admin/site").get_data(as_text=True)
    assert _in_force(page, "timezone") == "Asia/Tokyo" and app.config["COUNTRY"] == "JP"
    assert phone_numbers.region() == "JP"
    # The login page of a visitor who chose no language speaks the new default.
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("changes, field, message", [
    ({"timezone": "Mars/Olympus"}, "timezone", "Escolha um fuso horário da lista."),
    ({"timezone": ""}, "timezone", "Escolha um fuso horário da lista."),
    ({"country": "XX"}, "country", "Escolha um país da lista."),
    ({"language": "klingon"}, "language", "Escolha um idioma da lista."),
])
def test_bad_input_is_explained_next_to_its_field_in_the_admins_language_and_changes_nothing(
        client, auth, app, changes, field, message):
    users.set_language(User.get(User.username == "admin").id, "pt_BR")
    auth.login()
    response = _save(client, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<small id="{field}-error" class="error">{message}</small>' in page, page[page.find("error"):][:300]
    assert not (Path(app.config["VAR_DIR"]) / settings.SITE_FILE).exists()
    assert (app.config["TIMEZONE"], app.config["COUNTRY"]) == ("America/Sao_Paulo", "BR")
    assert not AuditEntry.select().where(AuditEntry.action == "site.change").exists()


@pytest.mark.parametrize("role", ["user", "supervisor"])
def test_people_who_are_not_admins_may_not_see_or_change_them(client, auth, app, role):
    users.create(users.UserInput("someone", "Not-An-Admin-User-1", role=role), Actor.system())
    auth.login("someone", "Not-An-Admin-User-1")
    assert client.get("/admin/site").status_code == 403
    token = csrf_token(client.get("/panel/account").get_data(as_text=True))
    assert client.post("/admin/site", data={**GOOD, "csrf_token": token}).status_code == 403
    assert 'href="/admin/site"' not in client.get("/panel/account").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    anonymous = client.get("/admin/site")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert not (Path(app.config["VAR_DIR"]) / settings.SITE_FILE).exists()


def test_new_accounts_start_in_the_default_language(client, auth, app):
    auth.login()
    assert _save(client, language="en").status_code == 302
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert '<option selected value="en">' in page or '<option value="en" selected>' in page, page[:200]
