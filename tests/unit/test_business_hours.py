"""Business hours computed: the state at an instant and the next change (a fake clock: instants passed in)."""
import datetime
import zoneinfo

import pytest

from appliance import business_hours as bh
from appliance.asterisk.confgen.schedules import ScheduleRow, contexts, time_condition
from appliance.destinations import Destination

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
WEEKDAYS_9_TO_6 = tuple(bh.Shift(day, start, end) for day in range(5) for start, end in ((480, 720), (780, 1080)))


def _plan(timezone="America/Sao_Paulo", years=(2026, 2027), **kwargs):
    kwargs.setdefault("holidays", bh.holiday_dates("BR", "SP", years))
    return bh.Plan(timezone, shifts=WEEKDAYS_9_TO_6, **kwargs)


@pytest.mark.parametrize(("local", "state"), [
    ((2026, 12, 7, 9, 0), "open"),  # Monday morning
    ((2026, 12, 7, 12, 30), "closed"),  # lunch
    ((2026, 12, 7, 18, 0), "closed"),  # the end minute is excluded
    ((2026, 12, 5, 10, 0), "closed"),  # Saturday
    ((2026, 12, 25, 10, 0), "holiday"),  # Christmas, a Friday
    ((2026, 7, 9, 10, 0), "holiday"),  # São Paulo's own holiday
])
def test_state_in_sao_paulo(local, state):
    assert bh.state_at(_plan(), datetime.datetime(*local, tzinfo=SP)).state == state


def test_the_next_change_of_an_open_morning_is_lunch():
    moment, state = bh.next_change(_plan(), datetime.datetime(2026, 12, 7, 9, 0, tzinfo=SP))
    assert moment == datetime.datetime(2026, 12, 7, 12, 0, tzinfo=SP) and state.state == "closed"


def test_friday_evening_reopens_on_monday():
    moment, state = bh.next_change(_plan(), datetime.datetime(2026, 12, 4, 19, 0, tzinfo=SP))
    assert moment == datetime.datetime(2026, 12, 7, 8, 0, tzinfo=SP) and state.state == "open"


def test_new_years_eve_turns_into_next_years_holiday():
    plan = _plan()
    moment, state = bh.next_change(plan, datetime.datetime(2026, 12, 31, 19, 0, tzinfo=SP))
    assert moment == datetime.datetime(2027, 1, 1, 0, 0, tzinfo=SP)
    assert state.state == "holiday" and state.holiday


def test_the_compiled_years_are_this_one_and_the_next_in_the_schedules_zone():
    # 02:00 UTC on 1 January is still 31 December in São Paulo.
    now = datetime.datetime(2027, 1, 1, 2, 0, tzinfo=datetime.UTC)
    assert bh.calendar_years(now, "America/Sao_Paulo") == (2026, 2027)
    assert bh.calendar_years(now, "Asia/Tokyo") == (2027, 2028)


def test_a_dst_free_zone_far_from_utc():
    plan = _plan("Asia/Tokyo", holidays={})
    now = datetime.datetime(2026, 12, 7, 0, 30, tzinfo=datetime.UTC)  # 09:30 Monday in Tokyo
    assert bh.state_at(plan, now).state == "open"
    assert bh.next_change(plan, now)[0] == datetime.datetime(2026, 12, 7, 12, 0, tzinfo=TOKYO)


def test_an_event_wins_over_the_shifts_and_ends_when_it_says():
    event = bh.Event(datetime.datetime(2026, 12, 28, 8, 0), datetime.datetime(2026, 12, 28, 12, 0),
                     "extension:201", "Inventário")
    plan = _plan(events=(event,))
    now = datetime.datetime(2026, 12, 28, 9, 0, tzinfo=SP)
    assert bh.state_at(plan, now) == bh.State("event", event=event)
    moment, state = bh.next_change(plan, now)
    assert moment == datetime.datetime(2026, 12, 28, 12, 0, tzinfo=SP) and state.state == "closed"


def test_an_override_holds_until_it_expires():
    until = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SP)
    plan = _plan(override=bh.Override("closed", until))
    assert bh.state_at(plan, datetime.datetime(2026, 12, 7, 9, 0, tzinfo=SP)) == bh.State("closed", overridden=True)
    assert bh.next_change(plan, datetime.datetime(2026, 12, 7, 9, 0, tzinfo=SP)) == (until, bh.State("open"))
    assert bh.state_at(plan, until).state == "open"


def test_custom_dates_once_and_every_year():
    days = bh.holiday_dates("", "", (2026, 2027), [(datetime.date(2000, 3, 19), True, "Cidade"),
                                                    (datetime.date(2026, 12, 24), False, "Véspera")])
    assert set(days) == {datetime.date(2026, 3, 19), datetime.date(2027, 3, 19), datetime.date(2026, 12, 24)}


def test_a_shift_compiles_to_gotoiftime_with_its_end_minute_excluded():
    assert time_condition(bh.Shift(0, 480, 720), "America/Sao_Paulo") == "08:00-11:59,mon,*,*,America/Sao_Paulo"
    assert time_condition(bh.Shift(6, 0, 1440), "UTC") == "00:00-23:59,sun,*,*,UTC"


def test_the_dialplan_holds_no_unvalidated_input():
    class Source:
        schedules = (ScheduleRow(3, "Suporte", "America/Sao_Paulo", Destination("extension", "201"),
                                 Destination("hangup"), Destination("voicemail", "201"),
                                 shifts=WEEKDAYS_9_TO_6[:1], days=(datetime.date(2026, 12, 25),), allowed=("201",)),)
    text = "\n".join(line for context in contexts(Source, "*61") for line in context.lines())
    assert "GotoIfTime(08:00-11:59,mon,*,*,America/Sao_Paulo?open)" in text
    assert "exten => 3d20261225,1,NoOp()" in text and "exten => 3x201,1,NoOp()" in text
    with pytest.raises(ValueError):
        ScheduleRow(3, "x", "America/Sao_Paulo;", Destination("hangup"), Destination("hangup"), Destination("hangup"))
    with pytest.raises(ValueError):
        ScheduleRow(3, "x", "UTC", Destination("hangup"), Destination("hangup"), Destination("hangup"),
                    allowed=("201,1",))
