"""Headline figures of a period (overall or one municipality) and their change between weeks."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from civic_feedback.reports.figures import net_score, share


@dataclass(frozen=True)
class Headline:
    """The figures a summary leads with; docs/summary-format.md gives each one's meaning."""

    started: int
    completed: int
    completion_rate: float | None
    events: int
    registered: int
    attended: int
    event_responses: int
    response_rate: float | None
    ratings: int
    csat: float | None
    nps_answers: int
    nps: int | None
    comments: int


HEADLINE_FIGURES = tuple(f.name for f in fields(Headline))


@dataclass
class HeadlineTally:
    """Counts behind a headline, added up from grouped rows."""

    started: int = 0
    started_and_completed: int = 0
    completed: int = 0
    events: int = 0
    registered: int = 0
    attended: int = 0
    event_responses: int = 0
    rate_responses: int = 0  # responses of events that have a base (see ``rate_base``)
    rate_base: int = 0
    ratings: int = 0
    top_two: int = 0
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    comments: int = 0

    def headline(self) -> Headline:
        return Headline(
            started=self.started,
            completed=self.completed,
            completion_rate=share(self.started_and_completed, self.started),
            events=self.events,
            registered=self.registered,
            attended=self.attended,
            event_responses=self.event_responses,
            response_rate=share(self.rate_responses, self.rate_base),
            ratings=self.ratings,
            csat=share(self.top_two, self.ratings),
            nps_answers=self.nps_answers,
            nps=net_score(self.promoters, self.detractors, self.nps_answers),
            comments=self.comments,
        )


EMPTY_HEADLINE = HeadlineTally().headline()

Figure = int | float | None


@dataclass(frozen=True)
class Change:
    """A headline figure of the previous week and how much it went up (negative: down)."""

    previous: Figure
    change: Figure


def changes(current: Headline, previous: Headline) -> dict[str, Change]:
    """Each headline figure against the previous week's; no change when either is None."""
    return {
        name: Change(before, _difference(getattr(current, name), before))
        for name in HEADLINE_FIGURES
        for before in [getattr(previous, name)]
    }


def _difference(now: Figure, before: Figure) -> Figure:
    if now is None or before is None:
        return None
    if isinstance(now, int) and isinstance(before, int):
        return now - before
    # Both are rounded already: the difference of the shown values, exactly.
    return float(Decimal(str(now)) - Decimal(str(before)))
