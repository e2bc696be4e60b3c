"""ISO weeks in a time zone: parsing, bounds across daylight saving time, the last full week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civic_feedback.storage.weeks import iso_week_bounds, last_complete_week, parse_iso_week

SOFIA = ZoneInfo("Europe/Sofia")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2026-W47", (2026, 47)),
        ("2026W05", (2026, 5)),
        (" 2026-w1 ", (2026, 1)),
        ("2026-W53", (2026, 53)),
    ],
)
def test_iso_weeks_parse_as_year_and_week(text: str, parsed: tuple[int, int]) -> None:
    assert parse_iso_week(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-W53", "2027 has weeks 1 to 52"),
        ("2026-W00", "2026 has weeks 1 to 53"),
        ("2026-47", "write it like 2026-W47"),
        ("last week", "write it like 2026-W47"),
        ("", "write it like 2026-W47"),
    ],
)
def test_a_week_that_does_not_exist_says_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_iso_week(text)


def test_a_week_runs_from_monday_midnight_to_the_next_in_the_zone() -> None:
    start, end = iso_week_bounds("2026-W47", SOFIA)

    assert start == datetime(2026, 11, 15, 22, tzinfo=UTC)  # Monday 00:00 at UTC+2
    assert end == datetime(2026, 11, 22, 22, tzinfo=UTC)
    assert start.tzinfo is UTC
    assert end.tzinfo is UTC


def test_the_week_summer_time_ends_has_169_hours() -> None:
    start, end = iso_week_bounds("2026-W43", SOFIA)  # clocks go back on Sunday 25 October

    assert start == datetime(2026, 10, 18, 21, tzinfo=UTC)  # Monday 00:00 at UTC+3
    assert end == datetime(2026, 10, 25, 22, tzinfo=UTC)  # next Monday 00:00 at UTC+2
    assert end - start == timedelta(hours=169)


def test_the_week_summer_time_starts_has_167_hours() -> None:
    start, end = iso_week_bounds("2026-W13", SOFIA)  # clocks go forward on Sunday 29 March

    assert end - start == timedelta(hours=167)
    assert end.astimezone(SOFIA).hour == 0


def test_week_53_crosses_into_the_next_year() -> None:
    start, end = iso_week_bounds("2026-W53", SOFIA)

    assert start.astimezone(SOFIA).date().isoformat() == "2026-12-28"
    assert end.astimezone(SOFIA).date().isoformat() == "2027-01-04"
    assert iso_week_bounds("2027-W01", SOFIA)[0] == end


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (datetime(2026, 11, 25, 10, tzinfo=UTC), "2026-W47"),  # a Wednesday
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "2026-W47"),  # Monday morning
        (datetime(2026, 11, 22, 21, 30, tzinfo=UTC), "2026-W46"),  # Sunday 23:30 in Sofia
        (datetime(2027, 1, 5, 8, tzinfo=UTC), "2026-W53"),
        (datetime(2026, 1, 2, 8, tzinfo=UTC), "2025-W52"),  # W01 began on 29 December
    ],
)
def test_the_last_complete_week_is_the_one_before_the_current(now: datetime, week: str) -> None:
    assert last_complete_week(now, SOFIA) == week


def test_the_last_complete_week_follows_the_zone_not_utc() -> None:
    monday_in_sofia = datetime(2027, 1, 3, 22, 30, tzinfo=UTC)  # Monday 00:30 in Sofia

    assert last_complete_week(monday_in_sofia, SOFIA) == "2026-W53"
    assert last_complete_week(monday_in_sofia, ZoneInfo("UTC")) == "2026-W52"
