"""When an event's messages are due: pure computation, times in UTC, offsets in real time.

Event times are stored in UTC; ``TIMEZONE`` (Europe/Sofia here) only matters for what the
wall clock reads. A reminder "24h before" is 24 elapsed hours before the start, so across
a clock change it reads 25 (spring) or 23 (autumn) hours earlier on the wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civic_feedback.core.durations import format_duration, parse_duration
from civic_feedback.core.event_schedule import (
    DEFAULT_REMINDERS,
    FollowUpPolicy,
    followup_time,
    invitation_time,
    reminder_is_late,
    reminder_times,
)

SOFIA = ZoneInfo("Europe/Sofia")
HOUR = 3600
DAY = 24 * HOUR

START = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 18:00 in Sofia
LONG_BEFORE = START - timedelta(days=30)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in Sofia, as the UTC instant the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=SOFIA).astimezone(UTC)


def on_sofia_clock(moment: datetime) -> datetime:
    return moment.astimezone(SOFIA).replace(tzinfo=None)


# --- reminders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        pytest.param([DAY], [(DAY, START - timedelta(hours=24))], id="24h"),
        pytest.param([HOUR], [(HOUR, START - timedelta(hours=1))], id="1h"),
        pytest.param([90], [(90, START - timedelta(seconds=90))], id="90s"),
        pytest.param(
            [DAY, HOUR],
            [(HOUR, START - timedelta(hours=1)), (DAY, START - timedelta(hours=24))],
            id="24h-and-1h",
        ),
        pytest.param([], [], id="none"),
    ],
)
def test_each_reminder_is_due_its_offset_before_the_start(
    offsets: list[int], expected: list[tuple[int, datetime]]
) -> None:
    assert reminder_times(START, offsets, LONG_BEFORE) == expected


def test_duplicate_offsets_give_one_reminder_each() -> None:
    planned = reminder_times(START, [HOUR, DAY, HOUR, DAY, 90], LONG_BEFORE)

    assert [offset for offset, _ in planned] == [90, HOUR, DAY]


@pytest.mark.parametrize(
    ("now", "still_planned"),
    [
        pytest.param(START - timedelta(days=2), [HOUR, DAY], id="two-days-before"),
        pytest.param(START - timedelta(hours=24, seconds=1), [HOUR, DAY], id="just-before-24h"),
        pytest.param(START - timedelta(hours=23), [HOUR], id="23h-before"),
        pytest.param(START - timedelta(minutes=59), [], id="59m-before"),
        pytest.param(START + timedelta(minutes=5), [], id="after-the-start"),
    ],
)
def test_only_reminders_still_ahead_of_now_are_planned(
    now: datetime, still_planned: list[int]
) -> None:
    planned = reminder_times(START, [DAY, HOUR], now)

    assert [offset for offset, _ in planned] == still_planned
    assert all(due > now for _, due in planned)


def test_the_default_reminders_are_24h_and_1h_before() -> None:
    assert [format_duration(offset) for offset in DEFAULT_REMINDERS] == ["24h", "1h"]


@pytest.mark.parametrize(
    ("start", "offset", "due_on_the_sofia_clock"),
    [
        # Spring forward: 2026-03-29 03:00 EET -> 04:00 EEST. 24 real hours before 10:00
        # EEST (07:00 UTC) is 07:00 UTC on the 28th, which Sofia's clock reads as 09:00 EET.
        pytest.param(local(2026, 3, 29, 10, 0), DAY, datetime(2026, 3, 28, 9, 0), id="march-24h"),
        # One real hour before 04:30 EEST is 02:30 EET: the wall clock reads two hours earlier.
        pytest.param(local(2026, 3, 29, 4, 30), HOUR, datetime(2026, 3, 29, 2, 30), id="march-1h"),
        # Fall back: 2026-10-25 04:00 EEST -> 03:00 EET. 24 real hours before 10:00 EET
        # (08:00 UTC) is 08:00 UTC on the 24th, which Sofia's clock reads as 11:00 EEST.
        pytest.param(
            local(2026, 10, 25, 10, 0), DAY, datetime(2026, 10, 24, 11, 0), id="october-24h"
        ),
        # One real hour before 05:00 EET (03:00 UTC) is 02:00 UTC, i.e. 04:00 EEST... and the
        # wall clock shows 04:00 twice that night; this is the first, summer-time 04:00.
        pytest.param(
            local(2026, 10, 25, 5, 0), HOUR, datetime(2026, 10, 25, 4, 0), id="october-1h"
        ),
    ],
)
def test_reminders_across_the_clock_changes_in_sofia_are_real_hours_before(
    start: datetime, offset: int, due_on_the_sofia_clock: datetime
) -> None:
    ((planned_offset, due),) = reminder_times(start, [offset], start - timedelta(days=7))

    assert planned_offset == offset
    assert start - due == timedelta(seconds=offset)
    assert on_sofia_clock(due) == due_on_the_sofia_clock


def test_the_spring_24h_reminder_reads_25_hours_before_on_the_wall_clock() -> None:
    start = local(2026, 3, 29, 10, 0)

    ((_, due),) = reminder_times(start, [DAY], start - timedelta(days=7))

    assert on_sofia_clock(start) - on_sofia_clock(due) == timedelta(hours=25)


def test_the_autumn_24h_reminder_reads_23_hours_before_on_the_wall_clock() -> None:
    start = local(2026, 10, 25, 10, 0)

    ((_, due),) = reminder_times(start, [DAY], start - timedelta(days=7))

    assert on_sofia_clock(start) - on_sofia_clock(due) == timedelta(hours=23)


@pytest.mark.parametrize(
    ("now", "late"),
    [
        pytest.param(START - timedelta(hours=1), False, id="an-hour-before"),
        pytest.param(START - timedelta(seconds=1), False, id="a-second-before"),
        pytest.param(START, True, id="at-the-start"),
        pytest.param(START + timedelta(minutes=10), True, id="after-the-start"),
    ],
)
def test_a_reminder_is_late_from_the_start_on(now: datetime, late: bool) -> None:
    assert reminder_is_late(START, now) is late


# --- after the event ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected_delay"),
    [
        pytest.param(FollowUpPolicy(), timedelta(minutes=30), id="default-30m"),
        pytest.param(FollowUpPolicy(post_event_delay=timedelta(0)), timedelta(0), id="0s"),
        pytest.param(
            FollowUpPolicy(post_event_delay=timedelta(hours=2)), timedelta(hours=2), id="2h"
        ),
    ],
)
def test_the_invitation_is_due_post_event_delay_after_the_end(
    policy: FollowUpPolicy, expected_delay: timedelta
) -> None:
    ends_at = START + timedelta(hours=2)

    assert invitation_time(ends_at, policy) == ends_at + expected_delay


@pytest.mark.parametrize(
    ("policy", "expected_delay"),
    [
        pytest.param(FollowUpPolicy(), timedelta(hours=48), id="default-48h"),
        pytest.param(
            FollowUpPolicy(followup_delay=timedelta(minutes=15)), timedelta(minutes=15), id="15m"
        ),
    ],
)
def test_the_followup_is_due_followup_delay_after_the_invitation_was_sent(
    policy: FollowUpPolicy, expected_delay: timedelta
) -> None:
    sent_at = START + timedelta(hours=3, seconds=17)

    assert followup_time(sent_at, policy) == sent_at + expected_delay


def test_the_invitation_after_an_event_ending_at_the_autumn_change_is_real_time_after() -> None:
    ends_at = local(2026, 10, 25, 3, 45)  # 03:45 EEST, the first 03:45 of that night

    due = invitation_time(ends_at, FollowUpPolicy())

    assert due - ends_at == timedelta(minutes=30)
    assert on_sofia_clock(due) == datetime(2026, 10, 25, 3, 15)  # after the clock went back


# --- durations as organizers write them -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("1m", timedelta(minutes=1)),
        ("0s", timedelta(0)),
        (" 30m ", timedelta(minutes=30)),
    ],
)
def test_parse_duration_reads_seconds_minutes_hours_and_days(
    text: str, expected: timedelta
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "24", "h", "24x", "1.5h", "-1h", "1h30m", "24H", "2 days", "PT24H", "1e3s", "²h"],
)
def test_parse_duration_refuses_anything_else_with_an_example_of_the_format(text: str) -> None:
    with pytest.raises(ValueError, match="90s, 15m, 24h or 2d") as refused:
        parse_duration(text)

    assert repr(text) in str(refused.value)


@pytest.mark.parametrize("text", ["٣h", "２４h", "1٥m"], ids=["arabic-indic", "fullwidth", "mixed"])
def test_parse_duration_reads_only_ascii_digits(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=90), "90s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(minutes=90), "90m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=24), "24h"),
        (timedelta(hours=48), "48h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=7), "7d"),
        (timedelta(0), "0s"),
    ],
)
def test_format_duration_writes_the_largest_whole_unit_with_days_from_three_on(
    delta: timedelta, text: str
) -> None:
    assert format_duration(delta) == text


@pytest.mark.parametrize(
    "text", ["90s", "45s", "1m", "15m", "90m", "1h", "24h", "48h", "3d", "7d", "0s"]
)
def test_a_duration_as_written_reads_back_the_same(text: str) -> None:
    assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize("text", ["1d", "2d", "60m", "3600s", "72h"])
def test_a_duration_read_and_written_again_keeps_its_length(text: str) -> None:
    delta = parse_duration(text)

    assert parse_duration(format_duration(delta)) == delta
