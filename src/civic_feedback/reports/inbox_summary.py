"""The inbox in the weekly summary: messages received, answered, the median time to a first
answer, and the oldest message still waiting, overall and per municipality."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from civic_feedback.storage.inbox_figures import InboxCounts, inbox_counts
from civic_feedback.storage.summary_queries import UNKNOWN_MUNICIPALITY


@dataclass(frozen=True)
class InboxFigures:
    received: int
    answered: int
    median_hours_to_answer: float | None  # None: nothing was answered in the period
    oldest_unanswered: int | None  # the item's number; None: nothing waits
    oldest_waiting_hours: float | None  # how long it had waited when the period ended


@dataclass(frozen=True)
class InboxSummary:
    overall: InboxFigures
    municipalities: dict[str, InboxFigures]


def inbox_summary(
    session: Session, start: datetime, end: datetime, municipality: str | None = None
) -> InboxSummary:
    counts = inbox_counts(session, start, end, municipality)
    places = {
        place or UNKNOWN_MUNICIPALITY: _figures([tally], end)
        for place, tally in sorted(counts.items(), key=lambda pair: pair[0] or "")
    }
    return InboxSummary(_figures(list(counts.values()), end), places)


def _figures(tallies: list[InboxCounts], end: datetime) -> InboxFigures:
    times = [seconds for tally in tallies for seconds in tally.answer_times]
    waiting = [tally.oldest_unanswered for tally in tallies if tally.oldest_unanswered]
    oldest = min(waiting, key=lambda pair: (pair[1], pair[0])) if waiting else None
    return InboxFigures(
        received=sum(tally.received for tally in tallies),
        answered=sum(tally.answered for tally in tallies),
        median_hours_to_answer=round(statistics.median(times) / 3600, 2) if times else None,
        oldest_unanswered=oldest[0] if oldest else None,
        oldest_waiting_hours=round(_hours(end, oldest[1]), 1) if oldest else None,
    )


def _hours(end: datetime, since: datetime) -> float:
    if since.tzinfo is None:  # SQLite gives back UTC without its zone
        since = since.replace(tzinfo=UTC)
    return (end - since.astimezone(end.tzinfo)).total_seconds() / 3600
