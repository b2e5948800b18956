"""Time-zone rules in the form phones take them: a UTC offset and "the Nth weekday of a month" changes."""
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DstChange:
    """When daylight time starts or ends: month, week of month (5 = last), ISO weekday (7 = Sunday), local hour."""

    month: int
    week: int
    weekday: int
    hour: int


@dataclass(frozen=True)
class ZoneRules:
    """A zone's standard UTC offset and, when it keeps daylight time, its yearly rule."""

    offset_minutes: int
    dst_start: DstChange | None = None
    dst_end: DstChange | None = None
    dst_minutes: int = 0


def zone_rules(name, year=None):
    """Return the ZoneRules of IANA zone ``name`` in ``year`` (this year by default), read from zoneinfo."""
    return _zone_rules(name, year or date.today().year)


@functools.lru_cache(maxsize=64)
def _zone_rules(name, year):
    # A year's scan is ~9,000 conversions: once per zone and year, not once per phone request.
    zone = ZoneInfo(name)
    first = datetime(year, 1, 1, tzinfo=UTC)
    changes, previous = [], first.astimezone(zone).utcoffset()
    for hour in range(1, 366 * 24):  # hourly steps are fine: the phones' rules only keep the local hour
        instant = first + timedelta(hours=hour)
        offset = instant.astimezone(zone).utcoffset()
        if offset != previous:
            changes.append((instant + previous, offset))  # the wall-clock time at which clocks change
            previous = offset
    offsets = [first.astimezone(zone).utcoffset()] + [offset for _, offset in changes]
    standard, summer = min(offsets), max(offsets)
    if standard == summer:
        return ZoneRules(int(standard.total_seconds() // 60))
    start = next(wall for wall, offset in changes if offset == summer)
    end = next(wall for wall, offset in changes if offset == standard)
    return ZoneRules(int(standard.total_seconds() // 60), _dst_change(start), _dst_change(end),
                     int((summer - standard).total_seconds() // 60))


def _dst_change(wall):
    """Express ``wall`` as "the Nth (or last) weekday of the month", the form the phones' DST rules take."""
    days_in_month = ((wall.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    week = 5 if wall.day + 7 > days_in_month else (wall.day - 1) // 7 + 1
    return DstChange(wall.month, week, wall.isoweekday(), wall.hour)
