"""When a form takes answers: the one rule the bot, the admin CLI and the services share.

Times are stored in UTC; ``TIMEZONE`` (Europe/Sofia here, UTC+2 in winter) only matters for
how organizers write a bound and how citizens read it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from civic_feedback.core.form_windows import (
    ALWAYS_OPEN,
    FormWindow,
    WindowState,
    WindowStatus,
    on_the_clock,
    read_window_time,
    window_bound,
)
from tests.support.clock import SOFIA

OPENS = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 18:00 in Sofia
CLOSES = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 12:00 in Sofia
WINDOW = FormWindow(OPENS, CLOSES)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (OPENS - SECOND, WindowStatus(WindowState.NOT_YET_OPEN, OPENS)),
        (OPENS, WindowStatus(WindowState.OPEN, CLOSES)),  # open from its opening on
        (CLOSES - SECOND, WindowStatus(WindowState.OPEN, CLOSES)),
        (CLOSES, WindowStatus(WindowState.CLOSED, CLOSES)),  # closed from its closing on
        (CLOSES + timedelta(days=400), WindowStatus(WindowState.CLOSED, CLOSES)),
    ],
)
def test_a_moment_falls_before_inside_or_after_the_window(
    now: datetime, status: WindowStatus
) -> None:
    assert WINDOW.status(now) == status
    assert WINDOW.is_open(now) is (status.state is WindowState.OPEN)


def test_a_form_without_a_window_is_always_open_and_never_closes() -> None:
    assert ALWAYS_OPEN.status(OPENS) == WindowStatus(WindowState.OPEN, None)
    assert FormWindow(opens_at=OPENS).status(CLOSES + timedelta(days=999)).at is None
    assert FormWindow(closes_at=CLOSES).status(datetime(2000, 1, 1, tzinfo=UTC)).state == "open"


def test_a_closing_at_or_before_the_opening_wins_once_it_has_passed() -> None:
    # `flows close` on a form that was to open later: it is closed, and says since when.
    window = FormWindow(OPENS, OPENS - timedelta(hours=1))

    assert window.status(OPENS) == WindowStatus(WindowState.CLOSED, OPENS - timedelta(hours=1))


@pytest.mark.parametrize(
    ("window", "opened"),
    [
        (FormWindow(OPENS, CLOSES), FormWindow(OPENS, CLOSES)),  # open already: unchanged
        (FormWindow(None, OPENS - SECOND), ALWAYS_OPEN),  # closed: the closing goes
        (FormWindow(CLOSES + SECOND, None), ALWAYS_OPEN),  # not yet: the opening goes
        (FormWindow(CLOSES + SECOND, CLOSES + 2 * SECOND), FormWindow(None, CLOSES + 2 * SECOND)),
        (FormWindow(OPENS - 2 * SECOND, OPENS - SECOND), FormWindow(OPENS - 2 * SECOND, None)),
    ],
)
def test_opening_now_drops_a_past_closing_and_a_future_opening(
    window: FormWindow, opened: FormWindow
) -> None:
    now = OPENS + timedelta(hours=1)

    assert window.open_now(now) == opened
    assert window.open_now(now).is_open(now)


@pytest.mark.parametrize(
    ("written", "closing", "moment"),
    [
        ("2026-12-03 18:00", False, OPENS),
        ("2026-12-03T18:00", False, OPENS),
        ("2026-12-03 18:00:00", False, OPENS),
        ("2026-12-03T17:00+01:00", False, OPENS),  # an offset of its own wins over TIMEZONE
        ("2026-12-03T16:00:00Z", True, OPENS),
        ("2026-12-03", False, datetime(2026, 12, 2, 22, 0, tzinfo=UTC)),  # the day's start
        ("2026-12-03", True, datetime(2026, 12, 3, 22, 0, tzinfo=UTC)),  # the next midnight
        (date(2026, 12, 3), True, datetime(2026, 12, 3, 22, 0, tzinfo=UTC)),  # as YAML reads it
        (datetime(2026, 12, 3, 18, 0), True, OPENS),  # YAML's naive datetime: TIMEZONE
    ],
)
def test_a_bound_is_read_in_timezone_and_a_date_alone_means_the_whole_day(
    written: object, closing: bool, moment: datetime
) -> None:
    assert window_bound(read_window_time(written), SOFIA, closing=closing) == moment


def test_a_closing_day_ends_at_midnight_even_on_the_day_the_clocks_change() -> None:
    # 25 October 2026: Sofia goes from UTC+3 back to UTC+2; the day lasts 25 hours.
    opens = window_bound(date(2026, 10, 25), SOFIA, closing=False)
    closes = window_bound(date(2026, 10, 25), SOFIA, closing=True)

    assert closes - opens == timedelta(hours=25)
    assert closes == datetime(2026, 10, 25, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize("written", ["next tuesday", "", "  ", "03.12.2026", 1080, None, True])
def test_what_is_not_a_date_is_refused_with_an_example(written: object) -> None:
    with pytest.raises(ValueError, match=r"is not a date and time; write e\.g\. 2026-12-03 18:00"):
        read_window_time(written)


@pytest.mark.parametrize(
    ("moment", "closing", "reads"),
    [
        (OPENS, False, (date(2026, 12, 3), "18:00")),
        (CLOSES, True, (date(2026, 12, 5), "12:00")),
        # The end of a day reads as its 24:00, not as 00:00 of the next one...
        (datetime(2026, 12, 5, 22, 0, tzinfo=UTC), True, (date(2026, 12, 5), "24:00")),
        # ... but an opening at midnight is the start of its own day.
        (datetime(2026, 12, 5, 22, 0, tzinfo=UTC), False, (date(2026, 12, 6), "00:00")),
    ],
)
def test_a_bound_reads_on_the_local_clock(
    moment: datetime, closing: bool, reads: tuple[date, str]
) -> None:
    assert on_the_clock(moment, SOFIA, closing=closing) == reads


def test_a_window_in_utc_is_the_same_window() -> None:
    local = FormWindow(OPENS.astimezone(SOFIA), None)

    stored = local.in_utc()

    assert stored == local
    assert stored.opens_at is not None
    assert stored.opens_at.tzinfo is UTC
