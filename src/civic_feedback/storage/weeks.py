"""ISO weeks in a time zone: ``2026-W47`` as the UTC interval that summaries count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)


def _weeks_in(year: int) -> int:
    # 28 December is always in the last ISO week of its year.
    return date(year, 12, 28).isocalendar().week


def parse_iso_week(text: str) -> tuple[int, int]:
    """``2026-W47`` (or ``2026W47``) as (2026, 47); anything else is a ValueError saying why."""
    match = _WEEK.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an ISO week; write it like 2026-W47")
    year, week = int(match[1]), int(match[2])
    if not 1 <= year <= 9998:
        raise ValueError(f"{text!r}: the year must be between 1 and 9998")
    if not 1 <= week <= _weeks_in(year):
        raise ValueError(f"{text!r}: {year} has weeks 1 to {_weeks_in(year)}")
    return year, week


def iso_week_bounds(week: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of the week in ``zone``, as UTC-aware datetimes.

    The interval is 167 or 169 hours long in a week where daylight saving time changes.
    """
    year, number = parse_iso_week(week)
    monday = date.fromisocalendar(year, number, 1)
    start = datetime.combine(monday, time(), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_complete_week(now: datetime, zone: ZoneInfo) -> str:
    """The latest week that has ended in ``zone`` at ``now``: the week before the current one."""
    calendar = (now.astimezone(zone).date() - timedelta(days=7)).isocalendar()
    return f"{calendar.year}-W{calendar.week:02d}"
