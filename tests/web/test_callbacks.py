"""The callbacks page: a request made by hand is stored pending; bad input is explained and changes nothing."""
import pytest

from appliance.models.callbacks import Callback
from appliance.models.users import AuditEntry
from appliance.services import Actor, callbacks, extensions

SYSTEM = Actor.system("test")
PATH = "/telephony/callbacks"


@pytest.fixture
def staff(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)


def _ask(client, auth, **fields):
    data = {"number": "(11) 3333-4444", "agent": "201", "reason": "Segunda via", "due_at": "",
            "schedule_id": "", "max_attempts": "3", "retry_seconds": "300", "csrf_token": auth.token(PATH)}
    data.update(fields)
    return client.post(PATH, data=data)


def test_admin_schedules_a_callback_and_sees_it_pending(auth, client, staff):
    auth.login()
    assert _ask(client, auth, due_at="2030-01-02T09:30").status_code == 302
    row = Callback.get()
    assert (row.number, row.agent, row.reason, row.status, row.source) == (
        "1133334444", "extension:201", "Segunda via", "pending", "web")
    assert row.due_at.year == 2030
    assert AuditEntry.get(AuditEntry.action == "callback.request").target_name == "1133334444"
    page = client.get(PATH).get_data(as_text=True)
    assert "1133334444" in page and "Segunda via" in page
    assert 'hx-trigger="every 2s"' in page  # refreshes itself while one is pending
    fragment = client.get(PATH, headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "1133334444" in fragment.get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"number": "abc"}, "Dial digits"),
    ({"agent": "999"}, "Pick an extension or a queue that exists."),
    ({"reason": 'Boleto "urgente"'}, "At most 40 letters"),
    ({"max_attempts": "50"}, "Between 1 and 10."),
    ({"retry_seconds": "1"}, "Between 5 and 86400."),
    ({"due_at": "amanhã"}, "Use the form"),
])
def test_bad_callbacks_are_explained_and_change_nothing(auth, client, staff, fields, message):
    auth.login()
    response = _ask(client, auth, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Callback.select().count() == 0


def test_a_pending_callback_can_be_cancelled(auth, client, staff):
    auth.login()
    row = callbacks.request(callbacks.CallbackInput("1133334444", "201"), SYSTEM)
    path = f"{PATH}/{row.id}/cancel"
    assert client.post(path, data={"csrf_token": auth.token(PATH)}).status_code == 302
    assert (Callback.get_by_id(row.id).status, Callback.get_by_id(row.id).failure) == ("failed", "cancelled")


def test_admin_authorises_a_disa_number_and_its_pin_never_comes_back(auth, client, staff):
    from appliance.models.callbacks import DisaNumber

    auth.login()
    path = "/telephony/disa"
    data = {"number": "(11) 98765-0000", "dial": "011987650000", "extension": "201", "pin": "246789",
            "max_per_day": "3", "enabled": "y", "csrf_token": auth.token(path)}
    assert client.post(path, data=data).status_code == 302
    row = DisaNumber.get()
    assert (row.number, row.dial, row.extension.number, row.max_per_day) == ("11987650000", "011987650000", "201", 3)
    page = client.get(f"{path}/{row.id}").get_data(as_text=True)
    assert "11987650000" in page and "246789" not in page
    bad = client.post(path, data={**data, "number": "21987650000", "pin": "123456",
                                  "csrf_token": auth.token(path)})
    assert bad.status_code == 422 and "not one repeated digit" in bad.get_data(as_text=True)
