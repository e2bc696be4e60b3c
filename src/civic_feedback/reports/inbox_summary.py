"""The inbox in the weekly summary: messages received (each a distinct problem; a citizen
who joins an earlier report adds a person, not a problem), answered, the median time to a
first answer, resolved (median days, share confirmed by citizens, their satisfaction), and
the oldest message still waiting, overall and per municipality (or per topic)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from civic_feedback.storage.inbox_figures import InboxCounts, inbox_counts
from civic_feedback.storage.summary_scope import UNKNOWN_MUNICIPALITY


@dataclass(frozen=True)
class InboxFigures:
    received: int
    answered: int
    median_hours_to_answer: float | None  # None: nothing was answered in the period
    oldest_unanswered: int | None  # the item's number; None: nothing waits
    oldest_waiting_hours: float | None  # how long it had waited when the period ended
    resolved: int = 0
    median_days_to_resolve: float | None = None  # None: nothing was resolved
    confirmed_share: float | None = None  # of resolved items whose authors answered: "yes"
    resolution_satisfaction: float | None = None  # share of ratings of 4 or 5
    joined: int = 0  # "+1"s: citizens who joined an earlier report rather than send theirs
    people_affected: int = 0  # distinct citizens who sent or joined a report


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


def inbox_by_topic(
    session: Session, start: datetime, end: datetime, municipality: str | None = None
) -> dict[str, InboxFigures]:
    """The same figures per topic (its option id), for the topics with any in the period."""
    counts = inbox_counts(session, start, end, municipality, by="topic")
    return {str(topic): _figures([tally], end) for topic, tally in counts.items()}


def _figures(tallies: list[InboxCounts], end: datetime) -> InboxFigures:
    times = [seconds for tally in tallies for seconds in tally.answer_times]
    waiting = [tally.oldest_unanswered for tally in tallies if tally.oldest_unanswered]
    oldest = min(waiting, key=lambda pair: (pair[1], pair[0])) if waiting else None
    resolve_times = [seconds for tally in tallies for seconds in tally.resolve_times]
    asked = sum(tally.asked for tally in tallies)
    ratings = [rating for tally in tallies for rating in tally.ratings]
    people = set().union(*(tally.people for tally in tallies))
    return InboxFigures(
        joined=sum(tally.joined for tally in tallies),
        people_affected=len(people) + sum(tally.erased_authors for tally in tallies),
        resolved=sum(tally.resolved for tally in tallies),
        median_days_to_resolve=(
            round(statistics.median(resolve_times) / 86400, 1) if resolve_times else None
        ),
        confirmed_share=(
            round(sum(tally.confirmed for tally in tallies) / asked, 3) if asked else None
        ),
        resolution_satisfaction=(
            round(sum(r >= 4 for r in ratings) / len(ratings), 3) if ratings else None
        ),
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
