"""The manual override of a schedule (day / night / holiday switch), live through AstDB.

The row in ``schedules`` is the record (who set it, when, until when); AstDB (family ``CNS``) is
what the dialplan reads on every call. The page and the API write both (AstDB after commit);
the feature code writes AstDB and the daemon mirrors it here (``mirror_from_engine``). An expired
override is ignored by the dialplan at once (it compares ``until`` with ``${EPOCH}``) and cleared
from both by the daemon's job (``expire``). docs/decisions/020.
"""
import datetime
import logging

from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.confgen.schedules import OVERRIDE_FAMILY
from appliance.business_hours import OVERRIDE_MODES
from appliance.db import database
from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.models.schedules import Schedule
from appliance.services import Actor, audit
from appliance.services.schedules import get_schedule

log = logging.getLogger(__name__)


def _utcnow():
    return datetime.datetime.now(datetime.UTC)


def _naive_utc(value):
    return value.astimezone(datetime.UTC).replace(tzinfo=None) if value is not None else None


def _astdb_values(schedule):
    """Return the AstDB keys of ``schedule``'s override as stored now ("" deletes a key)."""
    sid = schedule.id
    if not schedule.override_mode:
        return {f"{sid}/mode": "", f"{sid}/until": "", f"{sid}/by": "", f"{sid}/at": ""}

    def epoch(value):
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        return str(int(value.replace(tzinfo=datetime.UTC).timestamp()))
    return {f"{sid}/mode": schedule.override_mode, f"{sid}/until": epoch(schedule.override_until),
            f"{sid}/by": schedule.override_by, f"{sid}/at": epoch(schedule.override_at)}


def _push(schedules):
    """Write the overrides of ``schedules`` to AstDB; return whether the engine took them."""
    engine = control.current()
    if engine is None:
        return True
    values = {}
    for schedule in schedules:
        values.update(_astdb_values(schedule))
    try:
        engine.put_schedule_overrides(OVERRIDE_FAMILY, values)
    except AmiError as error:
        log.warning("schedule overrides not pushed yet: %s", error)
        return False
    return True


def _public(schedule):
    return {"mode": schedule.override_mode, "until": str(schedule.override_until or ""),
            "by": schedule.override_by}


def set_override(schedule_id, mode, actor, until=None, now=None):
    """Set (``mode`` in OVERRIDE_MODES) or clear (``mode`` "") a schedule's override, optionally until
    aware ``until``; return whether the engine has it already (else the daemon pushes it when it is back)."""
    now = now or _utcnow()
    with database.atomic():
        schedule = get_schedule(schedule_id)
        if mode not in ("", *OVERRIDE_MODES):
            raise ValidationError.one("mode", N_("Choose an option from the list."))
        if mode and until is not None and until <= now:
            raise ValidationError.one("until", N_("Choose a moment in the future."))
        before = _public(schedule)
        schedule.override_mode = mode
        schedule.override_until = _naive_utc(until) if mode else None
        schedule.override_by = actor.username if mode else ""
        schedule.override_at = _naive_utc(now) if mode else None
        schedule.save()
        audit.record(actor, "schedule.override", "schedule", schedule.id, schedule.name, before=before,
                     after=_public(schedule))
    return _push([schedule])


def mirror_from_engine(schedule_id, mode, extension, now=None):
    """Record an override a phone set by feature code (the daemon hears its UserEvent)."""
    if not str(schedule_id).isdigit() or mode not in ("", *OVERRIDE_MODES):
        return
    now = now or _utcnow()
    with database.atomic():
        schedule = Schedule.get_or_none(Schedule.id == int(schedule_id))
        if schedule is None:
            return
        before = _public(schedule)
        schedule.override_mode = mode
        schedule.override_until = None
        schedule.override_by = f"{extension}" if mode else ""
        schedule.override_at = _naive_utc(now) if mode else None
        schedule.save()
        audit.record(Actor.system(f"extension {extension}"), "schedule.override", "schedule", schedule.id,
                     schedule.name, before=before, after=_public(schedule))


def expire(now=None):
    """Clear every override whose time has passed, in the database and AstDB; return how many."""
    now = now or _utcnow()
    with database.atomic():
        lapsed = list(Schedule.select().where(Schedule.override_mode != "", Schedule.override_until.is_null(False),
                                              Schedule.override_until <= _naive_utc(now)))
        for schedule in lapsed:
            before = _public(schedule)
            schedule.override_mode, schedule.override_until, schedule.override_by = "", None, ""
            schedule.override_at = None
            schedule.save()
            audit.record(Actor.system("daemon"), "schedule.override_expired", "schedule", schedule.id,
                         schedule.name, before=before, after=_public(schedule))
    if lapsed:
        _push(lapsed)
    return len(lapsed)


def push_all():
    """Write every schedule's override to AstDB (the daemon, on every connection to Asterisk)."""
    return _push(list(Schedule.select()))
