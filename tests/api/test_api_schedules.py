"""Business hours through the API: the pages' services, the state now, events and the override."""
import pytest

from appliance.models.schedules import Schedule
from appliance.services import Actor, extensions
from tests.api.conftest import bearer, service_token

SYSTEM = Actor.system("test")
PROBLEM = "application/problem+json"
BODY = {"name": "Suporte", "timezone": "America/Sao_Paulo", "country": "BR", "subdivision": "SP",
        "open_destination": "extension:201", "closed_destination": "voicemail:201",
        "shifts": {"mon": "08:00-12:00, 13:00-18:00", "fri": "08:00-17:00"},
        "custom_dates": ["12-08 Aniversário", "2026-12-24 Véspera"], "override_extensions": ["201"]}


@pytest.fixture
def headers(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    return bearer(service_token()[1])


def test_a_schedule_round_trips_with_its_state_now(client, headers):
    made = client.post("/api/v1/schedules", json=BODY, headers=headers)
    assert made.status_code == 201, made.json
    assert made.json["shifts"]["mon"] == "08:00-12:00, 13:00-18:00" and made.json["shifts"]["sun"] == ""
    assert made.json["custom_dates"] == ["12-08 Aniversário", "2026-12-24 Véspera"]
    assert made.json["state"] in ("open", "closed", "holiday") and made.json["next_change"]
    one = client.get(made.headers["Location"], headers=headers)
    changed = client.put(made.headers["Location"], json={**BODY, "name": "Suporte N1"},
                         headers={**headers, "If-Match": one.headers["ETag"]})
    assert changed.status_code == 200 and Schedule.get().name == "Suporte N1"


def test_bad_shifts_are_a_problem_naming_the_field(client, headers):
    response = client.post("/api/v1/schedules", json={**BODY, "shifts": {"tue": "9 to 5"}}, headers=headers)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "shifts_1" in str(response.json)
    assert Schedule.select().count() == 0


def test_events_and_the_override(client, headers):
    schedule_id = client.post("/api/v1/schedules", json=BODY, headers=headers).json["id"]
    event = client.post(f"/api/v1/schedules/{schedule_id}/events", headers=headers, json={
        "name": "Inventário", "starts": "2026-12-28T08:00:00", "ends": "2026-12-28T12:00:00",
        "destination": "hangup"})
    assert event.status_code == 201, event.json
    switched = client.put(f"/api/v1/schedules/{schedule_id}/override", headers=headers,
                          json={"mode": "holiday", "until": "2099-01-01T00:00:00Z"})
    assert switched.status_code == 200 and switched.json["mode"] == "holiday"
    read = client.get(f"/api/v1/schedules/{schedule_id}", headers=headers).json
    assert read["state"] == "holiday" and read["override"]["mode"] == "holiday"
    assert read["events"][0]["name"] == "Inventário"
    past = client.put(f"/api/v1/schedules/{schedule_id}/override", headers=headers,
                      json={"mode": "closed", "until": "2000-01-01T00:00:00Z"})
    assert past.status_code == 422
    gone = client.delete(f"/api/v1/schedules/{schedule_id}/events/{event.json['id']}", headers=headers)
    assert gone.status_code == 204
