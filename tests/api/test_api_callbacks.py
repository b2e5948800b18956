"""Callbacks through the API: the page's service, states read back, bad input a problem, cancelling."""
import pytest

from appliance.models.callbacks import Callback
from appliance.services import Actor, extensions
from tests.api.conftest import bearer, service_token

SYSTEM = Actor.system("test")
PROBLEM = "application/problem+json"


@pytest.fixture
def headers(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    return bearer(service_token()[1])


def test_a_callback_asked_through_the_api_is_pending_then_cancelled(client, headers):
    made = client.post("/api/v1/callbacks", json={"number": "1133334444", "agent": "201", "reason": "CRM 42",
                                                  "due_at": "2030-01-02T09:30:00-03:00"}, headers=headers)
    assert made.status_code == 201, made.json
    assert (made.json["status"], made.json["agent"], made.json["source"]) == ("pending", "201", "api")
    assert Callback.get().due_at.hour == 12  # stored in UTC
    listed = client.get("/api/v1/callbacks?status=pending", headers=headers).json["items"]
    assert [item["number"] for item in listed] == ["1133334444"]
    cancelled = client.post(f"{made.headers['Location']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json["failure"] == "cancelled"
    again = client.post(f"{made.headers['Location']}/cancel", headers=headers)
    assert again.status_code == 422 and again.mimetype == PROBLEM


def test_a_callback_to_nobody_is_a_problem_and_changes_nothing(client, headers):
    response = client.post("/api/v1/callbacks", json={"number": "1133334444", "agent": "999"}, headers=headers)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "agent" in str(response.json)
    assert Callback.select().count() == 0


def test_reading_callbacks_needs_its_scope(client, app):
    other = bearer(service_token(scopes=["queues:read"])[1])
    assert client.get("/api/v1/callbacks", headers=other).status_code == 403
