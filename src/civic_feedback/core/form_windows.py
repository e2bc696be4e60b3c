"""When a form takes answers: its window, how organizers write its bounds, and where a
moment falls in it. The bot, the admin CLI and the services all decide with this one rule.

A window has an opening and a closing moment, each optional. The closing moment is the
first one at which the form is closed: a form that "closes 2026-12-05" (a date alone)
takes answers until the end of that day, and is closed from the next midnight on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from civic_feedback.core.sentences import Sentence


class WindowState(StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"


@dataclass(frozen=True)
class WindowStatus:
    """Where a moment falls: ``at`` is when the form opens (not yet open), when it closed
    (closed), or when it will close (open; None when it never does)."""

    state: WindowState
    at: datetime | None


@dataclass(frozen=True)
class FormWindow:
    """When a form takes answers; None on either side: no bound there. Times are aware."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None  # the first moment the form is closed

    def status(self, now: datetime) -> WindowStatus:
        if self.closes_at is not None and now >= self.closes_at:
            return WindowStatus(WindowState.CLOSED, self.closes_at)
        if self.opens_at is not None and now < self.opens_at:
            return WindowStatus(WindowState.NOT_YET_OPEN, self.opens_at)
        return WindowStatus(WindowState.OPEN, self.closes_at)

    def is_open(self, now: datetime) -> bool:
        return self.status(now).state is WindowState.OPEN

    def open_now(self, now: datetime) -> FormWindow:
        """Open from ``now``: a closing already past and an opening still ahead are dropped;
        a closing still ahead stays."""
        opens = self.opens_at if self.opens_at is not None and self.opens_at <= now else None
        closes = self.closes_at if self.closes_at is not None and self.closes_at > now else None
        return FormWindow(opens, closes)

    def in_utc(self) -> FormWindow:
        """The same window with its times in UTC, as the database stores them."""
        return FormWindow(as_utc(self.opens_at), as_utc(self.closes_at))


ALWAYS_OPEN = FormWindow()


def as_utc(moment: datetime | None) -> datetime | None:
    """An aware time in UTC; a naive one is taken as UTC already (SQLite gives them so)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def on_the_clock(moment: datetime, zone: tzinfo, *, closing: bool) -> tuple[date, str]:
    """The day and the hh:mm a bound reads as in ``zone``. A closing at midnight is 24:00 of
    the day before: a form that closes at the end of 5 December closed "on 05.12 at 24:00"."""
    local = moment.astimezone(zone)
    if closing and local.time() == time():
        return local.date() - timedelta(days=1), "24:00"
    return local.date(), f"{local:%H:%M}"


def read_window_time(value: object) -> date | datetime:
    """A bound as written: ``2026-12-03 18:00``, ISO 8601 with or without an offset, or a
    date alone (``2026-12-03``). YAML may already have made a date or a datetime of it."""
    if isinstance(value, date):  # a datetime is a date too
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(
        Sentence(
            "not_a_time",
            "{value} is not a date and time; write e.g. 2026-12-03 18:00 or 2026-12-03",
            value=repr(value),
        )
    )


def window_bound(written: date | datetime, zone: tzinfo, *, closing: bool) -> datetime:
    """The moment (UTC) a bound means. A time without an offset is in ``zone`` (TIMEZONE);
    a date alone is the start of that day for an opening, and the end of it (the next
    midnight, the first moment closed) for a closing."""
    if isinstance(written, datetime):
        moment = written if written.tzinfo is not None else written.replace(tzinfo=zone)
        return moment.astimezone(UTC)
    day = written + timedelta(days=1) if closing else written
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
