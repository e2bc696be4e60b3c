"""When an event's messages are due. Pure: times in, times out (all in UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_REMINDERS = (timedelta(hours=24), timedelta(hours=1))


@dataclass(frozen=True)
class FollowUpPolicy:
    """POST_EVENT_DELAY and FOLLOWUP_DELAY."""

    post_event_delay: timedelta = timedelta(minutes=30)
    followup_delay: timedelta = timedelta(hours=48)


def reminder_times(
    starts_at: datetime, offsets: list[int], now: datetime
) -> list[tuple[int, datetime]]:
    """(offset in seconds, due time) for each reminder still ahead of ``now``.

    Offsets are real elapsed time: "24h" before a start just after the spring clock change
    is 24 hours earlier, which on the wall clock reads 25 hours before.
    """
    start = starts_at.astimezone(UTC)  # subtract real seconds, never wall-clock hours
    due = [(offset, start - timedelta(seconds=offset)) for offset in sorted(set(offsets))]
    return [(offset, moment) for offset, moment in due if moment > now]


def invitation_time(ends_at: datetime, policy: FollowUpPolicy) -> datetime:
    return ends_at + policy.post_event_delay


def followup_time(invited_at: datetime, policy: FollowUpPolicy) -> datetime:
    return invited_at + policy.followup_delay


def reminder_is_late(starts_at: datetime, now: datetime) -> bool:
    """A reminder sent after the start is useless: it is dropped and counted as missed."""
    return now >= starts_at
