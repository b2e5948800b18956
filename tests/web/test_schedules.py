"""Admin pages for business hours: a schedule's shifts, holidays, events and override; bad input explained."""
import pytest

from appliance.models.schedules import Schedule, ScheduleDate, ScheduleEvent, ScheduleShift
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, inbound_routes, schedules

SYSTEM = Actor.system("test")
PATH = "/telephony/schedules/new"


@pytest.fixture
def staff(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extensions.create(extensions.ExtensionInput("202", "Bia"), SYSTEM)


def _post(client, auth, path=PATH, **fields):
    data = {"name": "Suporte", "timezone": "America/Sao_Paulo", "country": "BR", "subdivision": "SP",
            "open_destination": "extension:201", "closed_destination": "voicemail:201",
            "holiday_destination": "hangup", "shifts_0": "08:00-12:00, 13:00-18:00", "shifts_4": "08:00-17:00",
            "custom_dates": "12-08 Aniversário\n2026-12-24 Véspera", "override_extensions": "202, 201",
            "csrf_token": auth.token(path)}
    data.update(fields)
    return client.post(path, data=data)


def test_a_schedule_is_saved_with_its_shifts_and_dates_and_listed_with_its_state(auth, client, staff):
    auth.login()
    assert _post(client, auth).status_code == 302
    schedule = Schedule.get()
    assert (schedule.name, schedule.subdivision, schedule.override_extensions) == ("Suporte", "SP", "201,202")
    assert sorted((s.weekday, s.start, s.end) for s in ScheduleShift.select()) == [
        (0, 480, 720), (0, 780, 1080), (4, 480, 1020)]
    assert sorted((str(d.day), d.yearly) for d in ScheduleDate.select()) == [("2000-12-08", True),
                                                                             ("2026-12-24", False)]
    assert AuditEntry.get(AuditEntry.action == "schedule.create").target_name == "Suporte"
    page = client.get("/telephony/schedules").get_data(as_text=True)
    assert "Suporte" in page and "Next change" in page
    form = client.get(f"/telephony/schedules/{schedule.id}").get_data(as_text=True)
    assert "08:00-12:00, 13:00-18:00" in form and "12-08 Aniversário" in form and f"*612{schedule.id}" in form


@pytest.mark.parametrize("fields, field, message", [
    ({"shifts_0": "8-12"}, "shifts_0", "Write times like 08:00-12:00"),
    ({"shifts_1": "13:00-12:00"}, "shifts_1", "Write times like 08:00-12:00"),
    ({"shifts_2": "08:00-12:00, 11:00-14:00"}, "shifts_2", "Write times like 08:00-12:00"),
    ({"custom_dates": "2026-02-30 Nada"}, "custom_dates", "Line 1: write 2026-12-24"),
    ({"override_extensions": "201;Hangup"}, "override_extensions", "List extension numbers"),
    ({"closed_destination": "extension:999"}, "closed_destination", "Choose where these calls go"),
    ({"name": ""}, "name", "Use 1 to 64 characters"),
])
def test_bad_input_is_explained_next_to_its_field_and_changes_nothing(auth, client, staff, fields, field, message):
    auth.login()
    response = _post(client, auth, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert Schedule.select().count() == 0


def test_events_and_the_override_from_the_page(auth, client, staff):
    auth.login()
    _post(client, auth)
    schedule = Schedule.get()
    path = f"/telephony/schedules/{schedule.id}"
    response = client.post(f"{path}/events", data={
        "event_name": "Inventário", "starts": "2026-12-28T08:00", "ends": "2026-12-28T12:00",
        "event_destination": "extension:202", "csrf_token": auth.token(path)})
    assert response.status_code == 302
    assert ScheduleEvent.get().destination == "extension:202"
    bad = client.post(f"{path}/events", data={"event_name": "X", "starts": "2026-12-28T08:00",
                                              "ends": "2026-12-28T07:00", "event_destination": "hangup",
                                              "csrf_token": auth.token(path)})
    assert bad.status_code == 422 and "The end must come after the start." in bad.get_data(as_text=True)

    response = client.post(f"{path}/override", data={"mode": "closed", "until": "", "csrf_token": auth.token(path)})
    assert response.status_code == 302
    schedule = Schedule.get()
    assert (schedule.override_mode, schedule.override_until) == ("closed", None)
    assert schedule.override_by
    assert "Closed" in client.get("/telephony/schedules").get_data(as_text=True)


def test_a_schedule_a_route_sends_calls_to_cannot_be_deleted(auth, client, staff):
    auth.login()
    _post(client, auth)
    schedule = Schedule.get()
    inbound_routes.save_route(inbound_routes.InboundRouteInput(did="+551130001000",
                                                               destination=f"schedule:{schedule.id}"), SYSTEM)
    path = f"/telephony/schedules/{schedule.id}"
    client.post(f"{path}/delete", data={"csrf_token": auth.token(path)})
    assert Schedule.select().count() == 1
    inbound_routes.delete_route(inbound_routes.list_routes().get().id, SYSTEM)
    schedules.delete_schedule(schedule.id, SYSTEM)
    assert Schedule.select().count() == 0


def test_deleting_an_extension_a_schedule_sends_calls_to_hangs_those_calls_up_and_says_so(auth, client, staff):
    auth.login()
    _post(client, auth)
    rerouted = extensions.delete(extensions.find_extension("201").id, SYSTEM)
    assert sorted(r.holder.field for r in rerouted) == ["closed_destination", "open_destination"]
    schedule = Schedule.get()
    assert (schedule.open_destination, schedule.closed_destination) == ("hangup", "hangup")
