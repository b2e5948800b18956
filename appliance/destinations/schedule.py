"""A schedule (business hours): the call goes on to the schedule's open, closed, holiday or event destination."""
import re

from appliance.destinations.base import Choice, Kind
from appliance.i18n import N_
from appliance.models.schedules import Schedule

#: The dialplan context holding one extension per schedule id (confgen/schedules.py).
SCHEDULE_CONTEXT = "cn-schedule"
_ID = re.compile(r"[1-9][0-9]{0,8}")


class ScheduleKind(Kind):
    """Branch on a schedule's state now; the target is the schedule's id (not a number anyone dials)."""

    name = "schedule"
    title = N_("Business hours")
    internal = False

    def target_valid(self, target):
        """A schedule id."""
        return bool(_ID.fullmatch(target or ""))

    def dialplan(self, target):
        """Jump to the schedule's extension, which picks the destination by the time and the override."""
        return f"Goto({SCHEDULE_CONTEXT},{int(target)},1)"

    def exists(self, target):
        """Tell whether the schedule exists."""
        return Schedule.select().where(Schedule.id == int(target)).exists()

    def describe(self, target):
        """Name it by the schedule's name."""
        row = Schedule.get_or_none(Schedule.id == int(target))
        return N_("Business hours %(label)s"), {"label": row.name if row else target}

    def choices(self, search, limit):
        """Offer schedules by name."""
        query = Schedule.select(Schedule.id, Schedule.name).order_by(Schedule.name)
        if search:
            query = query.where(Schedule.name.contains(search))
        return [Choice(str(row.id), row.name) for row in query.limit(limit)]
