"""The manual override: recorded with who and when, pushed to AstDB, mirrored from phones, expired by the daemon."""
import datetime

import pytest

from appliance.errors import ValidationError
from appliance.models.schedules import Schedule
from appliance.models.users import AuditEntry
from appliance.services import Actor, schedule_override, schedules
from tests.fakes import RecordingControl, installed

ADMIN = Actor.system("ana")
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def engine(database):
    fake = RecordingControl()
    restore = installed(fake)
    yield fake
    restore()


@pytest.fixture
def schedule(database):
    return schedules.save_schedule(schedules.ScheduleInput(name="Suporte", shifts={0: "08:00-18:00"}), ADMIN)


def test_an_override_with_an_end_is_recorded_and_pushed_then_expired(engine, schedule):
    until = NOW + datetime.timedelta(hours=2)
    assert schedule_override.set_override(schedule.id, "closed", ADMIN, until=until, now=NOW)
    row = Schedule.get_by_id(schedule.id)
    assert (row.override_mode, row.override_by) == ("closed", "ana")
    assert engine.astdb["CNS"] == {f"{schedule.id}/mode": "closed", f"{schedule.id}/until": str(int(until.timestamp())),
                                   f"{schedule.id}/by": "ana", f"{schedule.id}/at": str(int(NOW.timestamp()))}

    assert schedule_override.expire(now=until - datetime.timedelta(seconds=1)) == 0
    assert schedule_override.expire(now=until) == 1
    assert Schedule.get_by_id(schedule.id).override_mode == ""
    assert engine.astdb["CNS"] == {}
    assert AuditEntry.select().where(AuditEntry.action == "schedule.override_expired").count() == 1


def test_an_override_ending_in_the_past_or_an_unknown_mode_is_refused(engine, schedule):
    with pytest.raises(ValidationError):
        schedule_override.set_override(schedule.id, "closed", ADMIN, until=NOW, now=NOW)
    with pytest.raises(ValidationError):
        schedule_override.set_override(schedule.id, "lunch", ADMIN, now=NOW)
    assert Schedule.get_by_id(schedule.id).override_mode == "" and engine.calls == []


def test_with_asterisk_down_the_override_is_kept_and_pushed_when_it_is_back(engine, schedule):
    engine.fail = True
    assert schedule_override.set_override(schedule.id, "holiday", ADMIN, now=NOW) is False
    assert Schedule.get_by_id(schedule.id).override_mode == "holiday"
    engine.fail = False
    assert schedule_override.push_all()
    assert engine.astdb["CNS"][f"{schedule.id}/mode"] == "holiday"


def test_a_phones_override_is_mirrored_with_its_extension_and_junk_is_ignored(engine, schedule):
    schedule_override.mirror_from_engine(str(schedule.id), "closed", "201", now=NOW)
    row = Schedule.get_by_id(schedule.id)
    assert (row.override_mode, row.override_by, row.override_until) == ("closed", "201", None)
    schedule_override.mirror_from_engine("1,2", "open", "201")
    schedule_override.mirror_from_engine(str(schedule.id), "party", "201")
    assert Schedule.get_by_id(schedule.id).override_mode == "closed"
    state, _ = schedules.state_now(Schedule.get_by_id(schedule.id), NOW)
    assert state.state == "closed" and state.overridden


def test_schedules_sending_calls_to_each_other_in_a_loop_are_refused(engine, schedule):
    other = schedules.save_schedule(schedules.ScheduleInput(name="Vendas", open_destination=f"schedule:{schedule.id}"),
                                    ADMIN)
    data = schedules.input_of(schedule)
    data.closed_destination = f"schedule:{other.id}"
    with pytest.raises(ValidationError) as refused:
        schedules.save_schedule(data, ADMIN, schedule.id)
    assert "closed_destination" in refused.value.fields
    with pytest.raises(ValidationError):
        schedules.add_event(schedule.id, schedules.EventInput("Loop", "2026-12-28T08:00", "2026-12-28T09:00",
                                                              f"schedule:{other.id}"), ADMIN)
    assert schedules.destinations.parse(f"schedule:{other.id}").dialplan() == f"Goto(cn-schedule,{other.id},1)"
