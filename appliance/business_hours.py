"""Business hours, computed: which state a schedule is in at an instant, and when that next changes.

Pure: a ``Plan`` (shifts, holiday dates, events, override) and an aware instant in, a state out;
no database, no clock of its own (callers pass ``now``), so the page, the API and the tests
agree with one function. The dialplan (confgen/schedules.py) compiles the same rules; the
precedence is the same in both: an override in force, then an event, then a holiday, then the
weekly shifts (open), else closed.
"""
import datetime
import zoneinfo
from dataclasses import dataclass, field

import holidays as holiday_calendars

#: States a schedule can be in; "event" sends calls to the event's own destination.
STATES = ("open", "closed", "holiday", "event")
#: Modes of the manual override (day switch, night switch, holiday).
OVERRIDE_MODES = ("open", "closed", "holiday")
#: Weekday names as Asterisk's GotoIfTime spells them, Monday first (datetime.weekday()).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
#: How far ahead the next change is looked for (a schedule with no shifts changes only on holidays).
HORIZON_DAYS = 400


@dataclass(frozen=True)
class Shift:
    """Open on ``weekday`` (0 Monday) from ``start`` to ``end``, minutes after local midnight (end excluded)."""

    weekday: int
    start: int
    end: int

    def __post_init__(self):
        if not (0 <= self.weekday <= 6 and 0 <= self.start < self.end <= DAY_MINUTES):
            raise ValueError(f"invalid shift {self.weekday} {self.start}-{self.end}")


@dataclass(frozen=True)
class Event:
    """From ``starts`` to ``ends`` (naive, local to the schedule) calls go to ``destination``."""

    starts: datetime.datetime
    ends: datetime.datetime
    destination: str = "hangup"
    name: str = ""


@dataclass(frozen=True)
class Override:
    """A manual override: ``mode`` (OVERRIDE_MODES) until ``until`` (aware; None: until cleared)."""

    mode: str
    until: datetime.datetime | None = None

    def in_force(self, now):
        """Tell whether the override still holds at ``now``."""
        return self.mode in OVERRIDE_MODES and (self.until is None or now < self.until)


@dataclass(frozen=True)
class Plan:
    """One schedule's rules: its zone, shifts, holiday dates ({date: name}), events and override."""

    timezone: str
    shifts: tuple = ()
    holidays: dict = field(default_factory=dict)
    events: tuple = ()
    override: Override | None = None

    @property
    def zone(self):
        """Return the schedule's ZoneInfo."""
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class State:
    """A schedule's state at an instant: ``state`` (STATES), the event in force, whether an override set it."""

    state: str
    event: Event | None = None
    overridden: bool = False
    #: The holiday's name when ``state`` is "holiday" by the calendar.
    holiday: str = ""


def valid_timezone(name):
    """Tell whether ``name`` is an IANA time zone this system (and Asterisk, same tzdata) knows."""
    try:
        zoneinfo.ZoneInfo(name or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def countries():
    """Return ``{code: [subdivision codes]}`` of every country the holidays library knows."""
    return holiday_calendars.list_supported_countries()


def holiday_dates(country, subdivision, years, custom=()):
    """Return ``{date: name}``: the public holidays of ``country`` (and ``subdivision``) in ``years``,
    and ``custom`` dates (``(date, yearly, name)``; a yearly one repeats on its day and month)."""
    found = {}
    if country:
        calendar = holiday_calendars.country_holidays(country, subdiv=subdivision or None, years=list(years))
        found.update({day: name for day, name in calendar.items() if day.year in years})
    for day, yearly, name in custom:
        if not yearly:
            found[day] = name
            continue
        for year in years:
            try:
                found[day.replace(year=year)] = name
            except ValueError:  # 29 February in a common year
                continue
    return found


def calendar_years(now, timezone):
    """Return the years compiled into the dialplan at ``now``: this year in ``timezone`` and the next.

    The next year is there so the list never runs out while the year turns (the daemon recompiles
    in the first days of January; decision 020).
    """
    year = now.astimezone(zoneinfo.ZoneInfo(timezone)).year
    return (year, year + 1)


def state_at(plan, now):
    """Return the State of ``plan`` at aware instant ``now``."""
    if plan.override is not None and plan.override.in_force(now):
        mode = plan.override.mode
        return State(mode, overridden=True)
    local = now.astimezone(plan.zone).replace(tzinfo=None)
    for event in plan.events:
        if event.starts <= local < event.ends:
            return State("event", event=event)
    if local.date() in plan.holidays:
        return State("holiday", holiday=plan.holidays[local.date()])
    minute = local.hour * 60 + local.minute
    for shift in plan.shifts:
        if shift.weekday == local.weekday() and shift.start <= minute < shift.end:
            return State("open")
    return State("closed")


def _local(day, minute, zone):
    """Return the aware instant of ``minute`` after local midnight of ``day`` in ``zone``."""
    base = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return (base.replace(tzinfo=None) + datetime.timedelta(minutes=minute)).replace(tzinfo=zone)


def _candidates(plan, now):
    """Yield instants after ``now`` where the state may change, in order, up to HORIZON_DAYS ahead."""
    zone = plan.zone
    fixed = [event.starts.replace(tzinfo=zone) for event in plan.events] + \
        [event.ends.replace(tzinfo=zone) for event in plan.events]
    if plan.override is not None and plan.override.until is not None:
        fixed.append(plan.override.until)
    fixed = sorted(moment for moment in fixed if moment > now)
    today = now.astimezone(zone).date()
    for offset in range(HORIZON_DAYS + 1):
        day = today + datetime.timedelta(days=offset)
        minutes = {0} | {m for shift in plan.shifts if shift.weekday == day.weekday()
                         for m in (shift.start, shift.end) if m < DAY_MINUTES}
        daily = sorted(moment for moment in (_local(day, m, zone) for m in minutes) if moment > now)
        end_of_day = _local(day + datetime.timedelta(days=1), 0, zone)
        todays = sorted([moment for moment in fixed if moment < end_of_day] + daily)
        fixed = [moment for moment in fixed if moment >= end_of_day]
        yield from todays


def next_change(plan, now):
    """Return ``(instant, State)`` of the first change after ``now``, or None within HORIZON_DAYS."""
    current = state_at(plan, now)
    for moment in _candidates(plan, now):
        state = state_at(plan, moment)
        if state != current:
            return moment, state
    return None
