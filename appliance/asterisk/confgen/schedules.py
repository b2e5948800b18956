"""Render business hours: one extension per schedule in ``cn-schedule``, no AGI and no lookup per call.

A call sent to a schedule (destination ``schedule:<id>``) runs, in order: the manual override in
AstDB (``CNS/<id>/mode``, ignored once ``CNS/<id>/until`` — an epoch — has passed, even before the
daemon clears it); the events (epoch ranges, exact to the second whatever the zone); the holiday
list (``${STRFTIME(${EPOCH},<zone>,%Y%m%d)}`` looked up in ``cn-schedule-days``, compiled from the
``holidays`` library for this year and the next); the weekly shifts (``GotoIfTime`` in the schedule's
zone); else closed. The same precedence as appliance/business_hours.py. The override feature code
(``*61`` + mode digit + schedule id) lives in ``cn-schedule-codes``, included by the feature codes;
callers allowed per schedule are extensions in ``cn-schedule-allow``. docs/decisions/020.
"""
import datetime
import re
from dataclasses import dataclass

from appliance.asterisk.names import SCHEDULE_CODES_CONTEXT
from appliance.business_hours import DAY_MINUTES, OVERRIDE_MODES, WEEKDAYS, Shift, valid_timezone
from appliance.destinations import Destination, parse
from appliance.destinations.schedule import SCHEDULE_CONTEXT

from .dialplan import Context, Note, at

DAYS_CONTEXT = "cn-schedule-days"
ALLOW_CONTEXT = "cn-schedule-allow"
CODES_CONTEXT = SCHEDULE_CODES_CONTEXT
#: AstDB family of overrides: CNS/<id>/mode (open/closed/holiday), until (epoch, absent: none), by, at.
OVERRIDE_FAMILY = "CNS"
#: The UserEvent a feature code raises; the daemon mirrors the override into the database.
OVERRIDE_EVENT = "CentralinaSchedule"
#: The digit after the code, and the mode it sets ("" clears the override: automatic again).
MODE_DIGITS = {"0": "", "1": "open", "2": "closed", "3": "holiday"}
_EXTENSION = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True)
class EventRow:
    """An event as compiled: epochs (UTC seconds) from and until, and where calls go meanwhile."""

    starts: int
    ends: int
    destination: Destination

    def __post_init__(self):
        if not isinstance(self.destination, Destination):
            object.__setattr__(self, "destination", parse(self.destination))
        if not (0 <= int(self.starts) < int(self.ends)):
            raise ValueError(f"invalid event range {self.starts}-{self.ends}")


@dataclass(frozen=True)
class ScheduleRow:
    """One schedule as the dialplan needs it."""

    id: int
    name: str
    timezone: str
    open: Destination
    closed: Destination
    holiday: Destination
    shifts: tuple = ()  # business_hours.Shift
    days: tuple = ()  # datetime.date: holidays of this year and the next, custom dates included
    events: tuple = ()  # EventRow
    allowed: tuple = ()  # extension numbers that may flip the override

    def __post_init__(self):
        if int(self.id) <= 0:
            raise ValueError(f"invalid schedule id {self.id!r}")
        if not valid_timezone(self.timezone) or not re.fullmatch(r"[A-Za-z0-9/_+-]{1,64}", self.timezone):
            raise ValueError(f"invalid time zone {self.timezone!r}")
        for name in ("open", "closed", "holiday"):
            if not isinstance(getattr(self, name), Destination):
                object.__setattr__(self, name, parse(getattr(self, name)))
        if not all(isinstance(shift, Shift) for shift in self.shifts):
            raise ValueError("shifts must be business_hours.Shift")
        if not all(isinstance(day, datetime.date) for day in self.days):
            raise ValueError("days must be dates")
        if not all(_EXTENSION.fullmatch(number) for number in self.allowed):
            raise ValueError(f"invalid extension in {self.allowed!r}")


def _clock(minute):
    return f"{minute // 60:02d}:{minute % 60:02d}"


def time_condition(shift, timezone):
    """Return GotoIfTime's condition for ``shift``: its end minute excluded (Asterisk's range includes it)."""
    return f"{_clock(shift.start)}-{_clock(min(shift.end, DAY_MINUTES) - 1)},{WEEKDAYS[shift.weekday]},*,*,{timezone}"


def _db(schedule_id, key):
    return f"DB({OVERRIDE_FAMILY}/{int(schedule_id)}/{key})"


def _schedule(context, row):
    sid = int(row.id)
    until = f"0${{{_db(sid, 'until')}}}"
    steps = [
        Note(f"schedule {sid}: the override in force first (an expired one is ignored before the daemon clears it)."),
        f"Set(CN_SO=${{{_db(sid, 'mode')}}})",
        f'GotoIf($["${{CN_SO}}" = "" | ({until} != 0 & {until} <= ${{EPOCH}})]?auto)',
        *[f'GotoIf($["${{CN_SO}}" = "{mode}"]?{mode})' for mode in OVERRIDE_MODES],
        at("auto", "Set(CN_SCHEDULE_STATE=)"),
    ]
    for index, event in enumerate(row.events):
        steps.append(f"GotoIf($[${{EPOCH}} >= {int(event.starts)} & ${{EPOCH}} < {int(event.ends)}]?event{index})")
    if row.days:
        steps += [f"Set(CN_SD=${{STRFTIME(${{EPOCH}},{row.timezone},%Y%m%d)}})",
                  f"GotoIf(${{DIALPLAN_EXISTS({DAYS_CONTEXT},{sid}d${{CN_SD}},1)}}?holiday)"]
    for shift in sorted(row.shifts, key=lambda s: (s.weekday, s.start)):
        steps.append(f"GotoIfTime({time_condition(shift, row.timezone)}?open)")
    steps += [
        at("closed", "Set(CN_SCHEDULE_STATE=closed)"), row.closed.dialplan(),
        at("open", "Set(CN_SCHEDULE_STATE=open)"), row.open.dialplan(),
        at("holiday", "Set(CN_SCHEDULE_STATE=holiday)"), row.holiday.dialplan(),
    ]
    for index, event in enumerate(row.events):
        steps += [at(f"event{index}", "Set(CN_SCHEDULE_STATE=event)"), event.destination.dialplan()]
    context.note(f"schedule {sid}")
    context.exten(str(sid), *steps)


def _codes(code):
    """Return ``cn-schedule-codes``: ``code`` + mode digit + schedule id, for the extensions allowed."""
    context = Context(CODES_CONTEXT, f"{code}<mode><schedule>: 1 open (day), 2 closed (night), 3 holiday,",
                      "0 automatic again. Only extensions listed on the schedule (cn-schedule-allow).")
    caller = "${GROUP(cn-calls)}"
    word = "${IF($[${CN_MODE} = 1]?open:${IF($[${CN_MODE} = 2]?closed:${IF($[${CN_MODE} = 3]?holiday:)})})}"
    family = f"{OVERRIDE_FAMILY}/${{CN_SCHED}}"
    context.exten(
        f"_{code}[0-3]X!",
        f"Set(CN_MODE=${{EXTEN:{len(code)}:1}})",
        f"Set(CN_SCHED=${{EXTEN:{len(code) + 1}}})",
        Note("Digits only, before the id reaches AstDB keys and the UserEvent (a comma would add a field)."),
        "GotoIf($[${LEN(${CN_SCHED})} > 9 | ${LEN(${FILTER(0123456789,${CN_SCHED})})} != ${LEN(${CN_SCHED})}]"
        "?denied)",
        f"GotoIf(${{DIALPLAN_EXISTS({ALLOW_CONTEXT},${{CN_SCHED}}x{caller},1)}}?allowed)",
        Note("Cause 21 (call rejected): 403 to the phone; not an allowed extension, or no such schedule."),
        at("denied", "Hangup(21)"),
        Note("Written before Answer(): a phone hanging up during the answer still switches the schedule."),
        at("allowed", f"Set(CN_WORD={word})"),
        'GotoIf($["${CN_WORD}" = ""]?clear)',
        f"Set(DB({family}/mode)=${{CN_WORD}})",
        f"NoOp(${{DB_DELETE({family}/until)}})",
        f"Set(DB({family}/by)={caller})",
        f"Set(DB({family}/at)=${{EPOCH}})",
        f"UserEvent({OVERRIDE_EVENT},Schedule: ${{CN_SCHED}},Mode: ${{CN_WORD}},By: {caller})",
        "Answer()",
        "Playback(activated)",
        "Hangup()",
        at("clear", f"NoOp(${{DB_DELETE({family}/mode)}})"),
        f"NoOp(${{DB_DELETE({family}/until)}})",
        f"UserEvent({OVERRIDE_EVENT},Schedule: ${{CN_SCHED}},Mode: ,By: {caller})",
        "Answer()",
        "Playback(de-activated)",
        "Hangup()",
    )
    return context


def contexts(source, code):
    """Return the business-hours contexts for ``source.schedules`` (ScheduleRow) and the override ``code``."""
    rows = sorted(getattr(source, "schedules", ()), key=lambda row: int(row.id))
    main = Context(SCHEDULE_CONTEXT, "One extension per schedule (its id): override, events, holidays, shifts.")
    days = Context(DAYS_CONTEXT, "<schedule>d<YYYYMMDD>: a holiday of that schedule (this year and the next).")
    allow = Context(ALLOW_CONTEXT, "<schedule>x<extension>: may flip that schedule's override by feature code.")
    for row in rows:
        _schedule(main, row)
        for day in sorted(set(row.days)):
            days.exten(f"{int(row.id)}d{day:%Y%m%d}", "NoOp()")
        for number in sorted(set(row.allowed)):
            allow.exten(f"{int(row.id)}x{number}", "NoOp()")
    return main, days, allow, _codes(code)
