"""/api/v1/site-settings: the time zone, country and default language, read and replaced through the service
the pages use (decision 041): ETag and If-Match, 422 per field with nothing changed, scopes."""
import json
from pathlib import Path

import pytest

from appliance import phone_numbers, settings
from appliance.models.users import AuditEntry
from appliance.services import Actor, api_tokens, users
from tests.api.conftest import bearer, personal_token, service_token

URL = "/api/v1/site-settings"
LISBON = {"timezone": "Europe/Lisbon", "country": "PT", "language": "en"}


@pytest.fixture(autouse=True)
def brazil_again():
    yield
    phone_numbers.set_region("BR")


def test_read_then_replace_with_if_match(client, app):
    headers = bearer(service_token()[1])
    read = client.get(URL, headers=headers)
    assert read.status_code == 200 and read.headers["ETag"]
    assert read.json == {"timezone": "America/Sao_Paulo", "country": "BR", "language": "pt_BR", "pinned": []}
    put = client.put(URL, json=LISBON, headers={**headers, "If-Match": read.headers["ETag"]})
    assert put.status_code == 200 and put.json == {**LISBON, "pinned": []}
    assert put.headers["ETag"] != read.headers["ETag"]
    assert json.loads((Path(app.config["VAR_DIR"]) / settings.SITE_FILE).read_text()) == {
        "COUNTRY": "PT", "DEFAULT_LOCALE": "en", "TIMEZONE": "Europe/Lisbon"}
    assert phone_numbers.region() == "PT"
    entry = AuditEntry.get(AuditEntry.action == "site.change")
    assert entry.actor_name == "token:crm" and json.loads(entry.after)["TIMEZONE"] == "Europe/Lisbon"
    assert client.get(URL, headers=headers).json["timezone"] == "Europe/Lisbon"
    # The ETag read before the change is stale now: 412 and nothing written.
    stale = client.put(URL, json={**LISBON, "timezone": "Asia/Tokyo"}, headers={**headers,
                                                                                "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412 and stale.headers["Content-Type"] == "application/problem+json"
    assert client.get(URL, headers=headers).json["timezone"] == "Europe/Lisbon"
    # Without If-Match the last writer wins, as on the page.
    assert client.put(URL, json={**LISBON, "timezone": "Asia/Tokyo"}, headers=headers).json["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize("body, field", [
    ({**LISBON, "timezone": "Mars/Olympus"}, "timezone"),
    ({**LISBON, "timezone": "Etc/GMT+3"}, "timezone"),
    ({**LISBON, "country": "XX"}, "country"),
    ({**LISBON, "country": "pt"}, "country"),
    ({**LISBON, "language": "de"}, "language"),
    ({"timezone": "Europe/Lisbon", "country": "PT"}, "language"),
    ({**LISBON, "timezone": 3}, "timezone"),
])
def test_a_bad_field_is_a_422_naming_it_and_changes_nothing(client, app, body, field):
    headers = bearer(service_token()[1], **{"Accept-Language": "pt-BR"})
    answer = client.put(URL, json=body, headers=headers)
    assert answer.status_code == 422 and list(answer.json["errors"]) == [field], answer.json
    assert not (Path(app.config["VAR_DIR"]) / settings.SITE_FILE).exists()
    assert not AuditEntry.select().where(AuditEntry.action == "site.change").exists()


def test_the_message_is_the_services_own_in_the_callers_language(client, app):
    answer = client.put(URL, json={**LISBON, "timezone": "Mars/Olympus", "country": "XX"},
                        headers=bearer(service_token()[1], **{"Accept-Language": "pt-BR"}))
    assert answer.json["errors"] == {"timezone": "Escolha um fuso horário da lista.",
                                     "country": "Escolha um país da lista."}


def test_scopes(client, app):
    reader = bearer(service_token(("site:read",), name="reader")[1])
    assert client.get(URL, headers=reader).status_code == 200
    assert client.put(URL, json=LISBON, headers=reader).status_code == 403
    assert client.get(URL, headers=bearer(service_token(("users:read",), name="other")[1])).status_code == 403
    assert client.get(URL).status_code == 401
    users.create(users.UserInput("ana", "Not-An-Admin-User-1", role="user"), Actor.system("test"))
    assert "site:write" not in api_tokens.allowed_scopes("personal", users.find_user("ana"))
    admin = bearer(personal_token("admin")[1])
    assert client.put(URL, json=LISBON, headers=admin).status_code == 200
