"""The legal term of a consultation (30 days, or 14 with the reason stated), its phase and the
days left, as staff and citizens are shown them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civic_feedback.core.consultation_terms import Phase, check_term, days_left, phase

OPENS = datetime(2031, 1, 10, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SOFIA = ZoneInfo("Europe/Sofia")


# --- check_term -----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "Спешна промяна"])
def test_thirty_days_exactly_is_lawful_with_or_without_a_reason(reason: str | None) -> None:
    assert check_term(OPENS, OPENS + 30 * DAY, reason, zone=UTC) is None


def test_a_longer_term_is_lawful() -> None:
    assert check_term(OPENS, OPENS + 90 * DAY, None, zone=UTC) is None


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_just_under_thirty_days_without_a_reason_asks_for_the_reason(reason: str | None) -> None:
    problem = check_term(OPENS, OPENS + 29.9 * DAY, reason, zone=UTC)

    assert problem is not None
    assert "--short-term-reason" in problem.message
    assert "29.9" in problem.message


@pytest.mark.parametrize("days", [29.9, 20, 14])
def test_fourteen_to_thirty_days_is_lawful_with_the_reason(days: float) -> None:
    assert check_term(OPENS, OPENS + days * DAY, "Промяна в закона влиза в сила", zone=UTC) is None


def test_fourteen_days_exactly_still_needs_the_reason() -> None:
    problem = check_term(OPENS, OPENS + 14 * DAY, None, zone=UTC)

    assert problem is not None
    assert "--short-term-reason" in problem.message


@pytest.mark.parametrize("reason", [None, "Спешно"])
def test_under_fourteen_days_is_refused_whatever_the_reason(reason: str | None) -> None:
    problem = check_term(OPENS, OPENS + 13.9 * DAY, reason, zone=UTC)

    assert problem is not None
    assert "at least 14 days" in problem.message
    assert "13.9" in problem.message


@pytest.mark.parametrize("closes", [OPENS, OPENS - timedelta(minutes=1)], ids=["same", "before"])
def test_a_close_not_after_the_opening_is_refused(closes: datetime) -> None:
    problem = check_term(OPENS, closes, "any reason", zone=UTC)

    assert problem is not None
    assert problem.message == "--closes must be after --opens"


def test_thirty_calendar_days_across_the_change_to_summer_time_are_lawful() -> None:
    # Staff write both times on the wall clock of the deployment (the CLI reads them so).
    opens = datetime(2031, 3, 10, 0, 0, tzinfo=SOFIA)
    closes = datetime(2031, 4, 9, 0, 0, tzinfo=SOFIA)  # clocks moved on 30 March

    assert check_term(opens, closes, None, zone=SOFIA) is None


def test_the_days_are_counted_on_the_wall_clock_whatever_zone_the_times_come_in() -> None:
    opens = datetime(2031, 3, 10, 0, 0, tzinfo=SOFIA).astimezone(UTC)  # "now", as the CLI has it
    closes = datetime(2031, 4, 9, 0, 0, tzinfo=SOFIA)

    assert closes - opens < 30 * DAY  # in real time, an hour short
    assert check_term(opens, closes, None, zone=SOFIA) is None


# --- phase ----------------------------------------------------------------------------------

CLOSES = OPENS + 30 * DAY


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (OPENS - timedelta(seconds=1), Phase.NOT_YET),
        (OPENS, Phase.OPEN),
        (CLOSES - timedelta(seconds=1), Phase.OPEN),
        (CLOSES, Phase.CLOSED),
        (CLOSES + 400 * DAY, Phase.CLOSED),
    ],
    ids=["before", "at-opening", "last-second", "at-close", "long-after"],
)
def test_phase_is_open_from_the_opening_until_the_close(now: datetime, expected: Phase) -> None:
    assert phase(OPENS, CLOSES, now) is expected


def test_a_consultation_closed_early_before_it_opened_is_closed_not_upcoming() -> None:
    closed_at = OPENS - 5 * DAY  # staff withdrew the draft before its term began

    assert phase(OPENS, closed_at, closed_at) is Phase.CLOSED
    assert phase(OPENS, closed_at, OPENS - DAY) is Phase.CLOSED
    assert phase(OPENS, closed_at, OPENS + DAY) is Phase.CLOSED


# --- days_left ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "days"),
    [
        (30 * DAY, 30),
        (29 * DAY + timedelta(hours=1), 30),  # a started day counts
        (DAY, 1),
        (timedelta(seconds=1), 1),
        (timedelta(0), 0),
        (-timedelta(seconds=1), 0),
        (-5 * DAY, 0),
    ],
    ids=["thirty", "started-day", "one", "last-second", "at-close", "just-after", "long-after"],
)
def test_days_left_counts_a_started_day_and_is_zero_once_closed(left: timedelta, days: int) -> None:
    now = datetime(2031, 2, 1, 12, 0, tzinfo=UTC)

    assert days_left(now + left, now) == days
