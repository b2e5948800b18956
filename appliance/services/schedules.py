"""Business hours: schedules (shifts, holidays, custom dates) and their events. Live after commit (one dialplan reload).

The override (day / night / holiday switch) is in services/schedule_override.py; the rules as
computed for the page in appliance/business_hours.py; the dialplan in confgen/schedules.py.
"""
import datetime
import re
from dataclasses import dataclass, field

from appliance import business_hours, destinations
from appliance.asterisk.confgen.schedules import EventRow, ScheduleRow
from appliance.db import database
from appliance.destinations import referrers
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.schedules import Schedule, ScheduleDate, ScheduleEvent, ScheduleShift
from appliance.services import audit, engine_sync
from appliance.services.extensions import NAME_FORBIDDEN

_RANGE = re.compile(r"([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})")
_DATE_LINE = re.compile(r"(?:([0-9]{4})-)?([0-9]{2})-([0-9]{2})(?:\s+(.*))?")
_EXTENSION = re.compile(r"[1-9][0-9]{1,7}")
#: Most shifts in one day, custom dates and events per schedule: a page, not a database.
MAX_SHIFTS_PER_DAY = 6
MAX_DATES = 200
MAX_EVENTS = 100
LOOP = N_("A schedule cannot send calls back to itself, directly or through another schedule.")


@dataclass
class ScheduleInput:
    """What an admin types: names, zone, calendar, destinations, per weekday its shifts as text."""

    name: str = ""
    timezone: str = "America/Sao_Paulo"
    country: str = "BR"
    subdivision: str = ""
    open_destination: str = "hangup"
    closed_destination: str = "hangup"
    holiday_destination: str = ""
    #: weekday (0 Monday … 6 Sunday) -> "08:00-12:00, 13:00-18:00"
    shifts: dict = field(default_factory=dict)
    #: One a line: "2026-12-24 Véspera" (that date) or "12-08 Aniversário" (every year).
    custom_dates: str = ""
    #: Extension numbers allowed to flip the override by feature code, separated by commas or spaces.
    override_extensions: str = ""


@dataclass
class EventInput:
    """A one-off event: local start and end ("2026-12-28T08:00") and where calls go meanwhile."""

    name: str = ""
    starts: str = ""
    ends: str = ""
    destination: str = "hangup"


def get_schedule(schedule_id):
    """Return the schedule with ``schedule_id`` or raise NotFound."""
    schedule = Schedule.get_or_none(Schedule.id == schedule_id)
    if schedule is None:
        raise NotFound(N_("Schedule not found."))
    return schedule


def list_schedules():
    """Return every schedule, by name."""
    return Schedule.select().order_by(Schedule.name)


def parse_shifts(text):
    """Return ``[(start, end)]`` minutes from "08:00-12:00, 13:00-18:00"; None when it is not that."""
    parts = [part.strip() for part in re.split(r"[,;]", text or "") if part.strip()]
    found = []
    for part in parts:
        match = _RANGE.fullmatch(part)
        if not match:
            return None
        h1, m1, h2, m2 = (int(value) for value in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or not (h2 < 24 or (h2 == 24 and m2 == 0)) or start >= end:
            return None
        found.append((start, end))
    found.sort()
    if any(a[1] > b[0] for a, b in zip(found, found[1:], strict=False)) or len(found) > MAX_SHIFTS_PER_DAY:
        return None
    return found


def format_shifts(pairs):
    """Return "08:00-12:00, 13:00-18:00" for ``[(start, end)]`` minutes."""
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in pairs)


def parse_dates(text):
    """Return ``([(date, yearly, name)], bad line number or None)`` from custom date lines."""
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _DATE_LINE.fullmatch(line)
        name = (match.group(4) or "").strip() if match else ""
        if not match or len(name) > 64 or NAME_FORBIDDEN.search(name):
            return found, number
        try:
            day = datetime.date(int(match.group(1) or 2000), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return found, number
        found.append((day, match.group(1) is None, name))
    return found, None


def format_dates(rows):
    """Return the custom date lines of ``rows`` (ScheduleDate)."""
    lines = []
    for row in rows:
        day = f"{row.day:%m-%d}" if row.yearly else f"{row.day:%Y-%m-%d}"
        lines.append(f"{day} {row.name}" if row.name else day)
    return "\n".join(lines)


def shifts_text(schedule):
    """Return ``{weekday: "08:00-12:00, …"}`` of ``schedule``'s shifts (every weekday present)."""
    pairs = {day: [] for day in range(7)}
    for shift in schedule.shifts.order_by(ScheduleShift.weekday, ScheduleShift.start):
        pairs[shift.weekday].append((shift.start, shift.end))
    return {day: format_shifts(value) for day, value in pairs.items()}


def input_of(schedule):
    """Return the ScheduleInput that reproduces ``schedule`` (the edit form's values)."""
    return ScheduleInput(
        name=schedule.name, timezone=schedule.timezone, country=schedule.country, subdivision=schedule.subdivision,
        open_destination=schedule.open_destination, closed_destination=schedule.closed_destination,
        holiday_destination=schedule.holiday_destination, shifts=shifts_text(schedule),
        custom_dates=format_dates(schedule.dates.order_by(ScheduleDate.day)),
        override_extensions=schedule.override_extensions)


def _destination(text, field_name, errors, optional=False):
    if optional and not (text or "").strip():
        return ""
    destination = destinations.find(text or "")
    if destination is None or not destination.exists():
        errors[field_name] = (N_("Choose where these calls go from the list."), {})
        return ""
    return str(destination)


def _schedule_targets(texts):
    """Return the ids of the schedules among destination ``texts``."""
    found = set()
    for text in texts:
        destination = destinations.find(text or "")
        if destination is not None and destination.kind == "schedule":
            found.add(int(destination.target))
    return found


def _reaches(start_ids, wanted):
    """Tell whether following schedules' destinations from ``start_ids`` reaches schedule ``wanted``.

    One schedule sending calls to another that sends them back would loop in the dialplan without
    ever waiting (Goto after Goto): refused when saved.
    """
    seen, todo = set(), set(start_ids)
    while todo:
        current = todo.pop()
        if current == wanted:
            return True
        if current in seen:
            continue
        seen.add(current)
        row = Schedule.get_or_none(Schedule.id == current)
        if row is not None:
            texts = [row.open_destination, row.closed_destination, row.holiday_destination]
            texts += [event.destination for event in row.events]
            todo |= _schedule_targets(texts)
    return False


def _validate(data, schedule_id, errors):
    clean = {}
    name = (data.name or "").strip()
    if not name or len(name) > 64 or NAME_FORBIDDEN.search(name):
        errors["name"] = (N_("Use 1 to %(max)d characters, without quotes, < > \\ or ;."), {"max": 64})
    elif Schedule.select().where(Schedule.name == name, Schedule.id != (schedule_id or 0)).exists():
        errors["name"] = (N_("Another schedule already has this name."), {})
    clean["name"] = name
    timezone = (data.timezone or "").strip()
    if not business_hours.valid_timezone(timezone) or not re.fullmatch(r"[A-Za-z0-9/_+-]{1,64}", timezone):
        errors["timezone"] = (N_("Choose a time zone from the list."), {})
    clean["timezone"] = timezone
    country, subdivision = (data.country or "").strip().upper(), (data.subdivision or "").strip()
    known = business_hours.countries()
    if country and country not in known:
        errors["country"] = (N_("Choose a country from the list."), {})
    elif subdivision and subdivision not in known.get(country, ()):
        errors["subdivision"] = (N_("Choose a state or region of the chosen country."), {})
    clean["country"], clean["subdivision"] = country, subdivision if country else ""
    for key in ("open_destination", "closed_destination"):
        clean[key] = _destination(getattr(data, key), key, errors)
    clean["holiday_destination"] = _destination(data.holiday_destination, "holiday_destination", errors, True)
    if schedule_id is not None:
        for key in ("open_destination", "closed_destination", "holiday_destination"):
            if key not in errors and _reaches(_schedule_targets([clean[key]]), int(schedule_id)):
                errors[key] = (LOOP, {})
    shifts = []
    for day in range(7):
        pairs = parse_shifts((data.shifts or {}).get(day, ""))
        if pairs is None:
            errors[f"shifts_{day}"] = (
                N_("Write times like 08:00-12:00, 13:00-18:00 (up to %(max)d, not overlapping)."),
                {"max": MAX_SHIFTS_PER_DAY})
            continue
        shifts += [(day, start, end) for start, end in pairs]
    clean["shifts"] = shifts
    dates, bad = parse_dates(data.custom_dates)
    if bad is not None:
        errors["custom_dates"] = (N_("Line %(line)d: write 2026-12-24 (that date) or 12-08 (every year), then a name."),
                                  {"line": bad})
    elif len(dates) > MAX_DATES:
        errors["custom_dates"] = (N_("At most %(max)d dates."), {"max": MAX_DATES})
    clean["dates"] = dates
    numbers = sorted(set(re.split(r"[\s,;]+", (data.override_extensions or "").strip())) - {""})
    if any(not _EXTENSION.fullmatch(number) for number in numbers) or len(",".join(numbers)) > 400:
        errors["override_extensions"] = (N_("List extension numbers separated by commas."), {})
    clean["override_extensions"] = ",".join(numbers)
    return clean


def _public(schedule):
    return {"name": schedule.name, "timezone": schedule.timezone, "country": schedule.country,
            "subdivision": schedule.subdivision, "open_destination": schedule.open_destination,
            "closed_destination": schedule.closed_destination, "holiday_destination": schedule.holiday_destination,
            "shifts": shifts_text(schedule), "custom_dates": format_dates(schedule.dates.order_by(ScheduleDate.day)),
            "override_extensions": schedule.override_extensions}


def save_schedule(data, actor, schedule_id=None):
    """Create (``schedule_id`` None) or replace a schedule; the dialplan follows after commit."""
    with database.atomic():
        schedule = get_schedule(schedule_id) if schedule_id is not None else None
        errors = {}
        clean = _validate(data, schedule_id, errors)
        if errors:
            raise ValidationError(errors)
        before = _public(schedule) if schedule else None
        shifts, dates = clean.pop("shifts"), clean.pop("dates")
        if schedule is None:
            schedule = Schedule.create(**clean)
        else:
            for key, value in clean.items():
                setattr(schedule, key, value)
            schedule.save()
            ScheduleShift.delete().where(ScheduleShift.schedule == schedule).execute()
            ScheduleDate.delete().where(ScheduleDate.schedule == schedule).execute()
        for day, start, end in shifts:
            ScheduleShift.create(schedule=schedule, weekday=day, start=start, end=end)
        for day, yearly, name in dates:
            ScheduleDate.create(schedule=schedule, day=day, yearly=yearly, name=name)
        audit.record(actor, "schedule.update" if before else "schedule.create", "schedule", schedule.id,
                     schedule.name, before=before, after=_public(schedule))
        engine_sync.request([], files=True)
    return schedule


def delete_schedule(schedule_id, actor):
    """Delete a schedule; refused while a route or another feature still sends calls to it."""
    with database.atomic():
        schedule = get_schedule(schedule_id)
        referrers.refuse_if_used([destinations.Destination("schedule", str(schedule.id))], "name")
        audit.record(actor, "schedule.delete", "schedule", schedule.id, schedule.name, before=_public(schedule))
        schedule.delete_instance(recursive=True)
        engine_sync.request([], files=True)


def _local_time(text):
    try:
        value = datetime.datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return value.replace(tzinfo=None, second=0, microsecond=0)


def add_event(schedule_id, data, actor):
    """Add a one-off event to a schedule (its own destination from ``starts`` to ``ends``, local times)."""
    with database.atomic():
        schedule = get_schedule(schedule_id)
        errors = {}
        name = (data.name or "").strip()
        if not name or len(name) > 64 or NAME_FORBIDDEN.search(name):
            errors["event_name"] = (N_("Use 1 to %(max)d characters, without quotes, < > \\ or ;."), {"max": 64})
        starts, ends = _local_time(data.starts), _local_time(data.ends)
        if starts is None:
            errors["starts"] = (N_("Enter a date and time."), {})
        if ends is None:
            errors["ends"] = (N_("Enter a date and time."), {})
        elif starts is not None and ends <= starts:
            errors["ends"] = (N_("The end must come after the start."), {})
        destination = _destination(data.destination, "event_destination", errors)
        if destination and _reaches(_schedule_targets([destination]), schedule.id):
            errors["event_destination"] = (LOOP, {})
        if schedule.events.count() >= MAX_EVENTS:
            errors["event_name"] = (N_("At most %(max)d events."), {"max": MAX_EVENTS})
        if errors:
            raise ValidationError(errors)
        event = ScheduleEvent.create(schedule=schedule, name=name, starts=starts, ends=ends, destination=destination)
        audit.record(actor, "schedule.event_add", "schedule", schedule.id, schedule.name,
                     after={"event": name, "starts": starts.isoformat(), "ends": ends.isoformat(),
                            "destination": destination})
        engine_sync.request([], files=True)
    return event


def get_event(schedule_id, event_id):
    """Return event ``event_id`` of schedule ``schedule_id`` or raise NotFound."""
    event = ScheduleEvent.get_or_none(ScheduleEvent.id == event_id, ScheduleEvent.schedule == schedule_id)
    if event is None:
        raise NotFound(N_("Event not found."))
    return event


def delete_event(schedule_id, event_id, actor):
    """Delete one event of a schedule."""
    with database.atomic():
        event = get_event(schedule_id, event_id)
        audit.record(actor, "schedule.event_delete", "schedule", event.schedule_id, event.schedule.name,
                     before={"event": event.name, "starts": event.starts.isoformat(),
                             "ends": event.ends.isoformat(), "destination": event.destination})
        event.delete_instance()
        engine_sync.request([], files=True)


# -- computed state ------------------------------------------------------------------------------


def _as_datetime(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value


def plan_of(schedule, now):
    """Return the business_hours.Plan of ``schedule`` at aware ``now`` (holidays of this year and the next)."""
    years = business_hours.calendar_years(now, schedule.timezone)
    custom = [(row.day if isinstance(row.day, datetime.date) else datetime.date.fromisoformat(row.day),
               row.yearly, row.name) for row in schedule.dates]
    days = business_hours.holiday_dates(schedule.country, schedule.subdivision, years, custom)
    override = None
    if schedule.override_mode:
        until = _as_datetime(schedule.override_until)
        override = business_hours.Override(schedule.override_mode,
                                           until.replace(tzinfo=datetime.UTC) if until else None)
    return business_hours.Plan(
        schedule.timezone,
        shifts=tuple(business_hours.Shift(s.weekday, s.start, s.end) for s in schedule.shifts),
        holidays=days,
        events=tuple(business_hours.Event(_as_datetime(e.starts), _as_datetime(e.ends), e.destination, e.name)
                     for e in schedule.events.order_by(ScheduleEvent.starts)),
        override=override)


def state_now(schedule, now=None):
    """Return ``(business_hours.State, (instant, State) of the next change or None)`` of ``schedule``."""
    now = now or datetime.datetime.now(datetime.UTC)
    plan = plan_of(schedule, now)
    return business_hours.state_at(plan, now), business_hours.next_change(plan, now)


def engine_schedules(now=None):
    """Return every schedule as a ScheduleRow for the dialplan (events that already ended left out)."""
    now = now or datetime.datetime.now(datetime.UTC)
    rows = []
    for schedule in list_schedules():
        plan = plan_of(schedule, now)
        zone = plan.zone
        events = tuple(EventRow(int(e.starts.replace(tzinfo=zone).timestamp()),
                                int(e.ends.replace(tzinfo=zone).timestamp()),
                                destinations.find(e.destination) or destinations.HANGUP)
                       for e in plan.events if e.ends.replace(tzinfo=zone) > now)
        closed = destinations.find(schedule.closed_destination) or destinations.HANGUP
        rows.append(ScheduleRow(
            id=schedule.id, name=schedule.name, timezone=schedule.timezone,
            open=destinations.find(schedule.open_destination) or destinations.HANGUP, closed=closed,
            holiday=destinations.find(schedule.holiday_destination) or closed,
            shifts=plan.shifts, days=tuple(sorted(plan.holidays)), events=events,
            allowed=tuple(n for n in schedule.override_extensions.split(",") if n)))
    return rows


def roll_calendar():
    """Recompile the dialplan so holiday lists cover this year and the next (the daemon, in January)."""
    if Schedule.select().exists():
        with database.atomic():
            engine_sync.request([], files=True)
