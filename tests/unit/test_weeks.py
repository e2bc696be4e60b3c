"""ISO weeks and local days in TIMEZONE, as UTC bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civic_feedback.core.weeks import (
    iso_week_bounds,
    last_complete_week,
    local_midnight,
    parse_iso_week,
)

SOFIA = ZoneInfo("Europe/Sofia")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("2026-W47", (2026, 47)), (" 2026-w01 ", (2026, 1)), ("2020-W53", (2020, 53))],
)
def test_an_iso_week_is_read_as_year_and_number(text: str, parsed: tuple[int, int]) -> None:
    assert parse_iso_week(text) == parsed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-47", "e.g. 2026-W47"),
        ("W47", "e.g. 2026-W47"),
        ("2026-W7", "e.g. 2026-W47"),
        ("", "e.g. 2026-W47"),
        ("2026-W00", "2026 has weeks 01 to 53, not 00"),
        ("2025-W53", "2025 has weeks 01 to 52, not 53: e.g. 2025-W52"),
    ],
)
def test_a_wrong_week_is_refused_saying_how_to_write_it(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_iso_week(text)


def test_a_summer_week_starts_on_monday_midnight_in_sofia_at_utc_plus_3() -> None:
    assert iso_week_bounds("2026-W47", SOFIA) == (utc(2026, 11, 15, 22), utc(2026, 11, 22, 22))
    assert iso_week_bounds("2026-W30", SOFIA) == (utc(2026, 7, 19, 21), utc(2026, 7, 26, 21))


def test_the_week_clocks_go_forward_is_an_hour_short() -> None:
    # Sunday 29 March 2026, 03:00 in Sofia became 04:00.
    start, end = iso_week_bounds("2026-W13", SOFIA)

    assert (start, end) == (utc(2026, 3, 22, 22), utc(2026, 3, 29, 21))
    assert end - start == timedelta(days=7, hours=-1)


def test_the_week_clocks_go_back_is_an_hour_long() -> None:
    # Sunday 25 October 2026, 04:00 in Sofia became 03:00.
    start, end = iso_week_bounds("2026-W43", SOFIA)

    assert (start, end) == (utc(2026, 10, 18, 21), utc(2026, 10, 25, 22))
    assert end - start == timedelta(days=7, hours=1)


def test_week_53_and_week_1_cross_the_new_year() -> None:
    # 2020 had 53 weeks; its week 53 ends on Sunday 3 January 2021, when 2021-W01 begins.
    assert iso_week_bounds("2020-W53", SOFIA) == (utc(2020, 12, 27, 22), utc(2021, 1, 3, 22))
    assert iso_week_bounds("2021-W01", SOFIA)[0] == utc(2021, 1, 3, 22)
    # 2026-W01 begins on Monday 29 December 2025.
    assert iso_week_bounds("2026-W01", SOFIA)[0] == utc(2025, 12, 28, 22)


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (utc(2026, 11, 18, 12), "2026-W46"),  # a Wednesday in W47
        (utc(2026, 11, 22, 21, 59), "2026-W46"),  # Sunday 23:59 in Sofia: W47 not over
        (utc(2026, 11, 22, 22), "2026-W47"),  # Monday 00:00 in Sofia: W47 just ended
        (utc(2021, 1, 5), "2020-W53"),
        (utc(2026, 1, 1), "2025-W52"),  # 1 January 2026 is in 2026-W01
    ],
)
def test_the_last_complete_week_is_the_one_before_now_in_the_zone(now: datetime, week: str) -> None:
    assert last_complete_week(now, SOFIA) == week


def test_a_local_day_begins_at_midnight_in_the_zone() -> None:
    assert local_midnight(date(2026, 3, 29), SOFIA) == utc(2026, 3, 28, 22)
    assert local_midnight(date(2026, 3, 30), SOFIA) == utc(2026, 3, 29, 21)
