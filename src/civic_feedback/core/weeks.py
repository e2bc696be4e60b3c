"""Local days and ISO weeks (``2026-W47``) in TIMEZONE, as the UTC bounds the tables store."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.IGNORECASE)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The moment ``day`` begins in ``zone``, in UTC (DST changes in Sofia happen at 3-4 am)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def parse_iso_week(text: str) -> tuple[int, int]:
    """``2026-W47`` as (2026, 47); a ValueError that says how to write it otherwise."""
    match = _ISO_WEEK.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an ISO week: write the year and week, e.g. 2026-W47")
    year, week = int(match[1]), int(match[2])
    last = date(year, 12, 28).isocalendar().week  # 28 December is always in the last week
    if not 1 <= week <= last:
        raise ValueError(f"{year} has weeks 01 to {last}, not {week:02d}: e.g. {year}-W{last}")
    return year, week


def iso_week_bounds(week: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of an ISO week, from Monday 00:00 in ``zone`` to the next Monday."""
    year, number = parse_iso_week(week)
    monday = date.fromisocalendar(year, number, 1)
    return local_midnight(monday, zone), local_midnight(monday + timedelta(days=7), zone)


def last_complete_week(now: datetime, zone: ZoneInfo) -> str:
    """The ISO week before the one ``now`` falls in (in ``zone``), e.g. ``2026-W46``."""
    year, week, _ = (now.astimezone(zone).date() - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"
