"""The figures of the last weeks that the trend chart draws: one point per ISO week."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.flows.schema import QuestionType
from civic_feedback.reports.figures import QuestionFigures, mean, on_five
from civic_feedback.reports.summary import FlowSummary, week_before, weekly_summary

TREND_WEEKS = 8


@dataclass(frozen=True)
class TrendPoint:
    week: str  # 2026-W47
    completed: int  # responses completed in the week
    average: float | None  # average rating on a 1-5 scale; None when nobody rated


def average_rating(flows: Sequence[FlowSummary]) -> float | None:
    """Every rating answer of the flows on a 1-5 scale: 1 stays 1, the top of any scale is 5."""
    return average_of([question for flow in flows for question in flow.questions])


def average_of(questions: Sequence[QuestionFigures]) -> float | None:
    """Every rating answer of the questions on a 1-5 scale.

    Worked out from the distributions (exact counts), so both databases give the same value.
    """
    total, answered = Decimal(0), 0
    for question in questions:
        if question.type != QuestionType.RATING.value or not question.answered:
            continue
        assert question.scale is not None
        assert question.distribution is not None
        for point, answers in question.distribution.items():
            total += answers * on_five(int(point), question.scale)
            answered += answers
    return mean(total, answered)


def trend_points(
    session: Session,
    week: str,
    zone: ZoneInfo,
    *,
    municipality: str | None = None,
    event: tuple[int, str] | None = None,
    weeks: int = TREND_WEEKS,
) -> list[TrendPoint]:
    """``weeks`` points ending with ``week``, oldest first; the filters are the summary's."""
    names = [week]
    while len(names) < weeks:
        names.append(week_before(names[-1]))
    points = []
    for name in reversed(names):
        # Titles are not drawn, so their language does not matter.
        summary = weekly_summary(
            session,
            name,
            zone,
            language="en",
            municipality=municipality,
            event=event,
            compare=False,
        )
        points.append(
            TrendPoint(
                week=name,
                completed=summary.period.headlines.overall.completed,
                average=average_rating(summary.period.flows),
            )
        )
    return points
