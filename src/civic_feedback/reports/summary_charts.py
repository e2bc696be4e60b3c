"""Which charts a weekly summary gets, by file name: the trend, the NPS and ratings per event."""

from __future__ import annotations

from collections.abc import Sequence

from civic_feedback.core.week_dates import week_dates
from civic_feedback.flows.schema import QuestionType
from civic_feedback.reports.charts import nps_breakdown, rating_distribution, weekly_trend
from civic_feedback.reports.figures import QuestionFigures
from civic_feedback.reports.summary import WeeklySummary
from civic_feedback.reports.trend import TrendPoint

TREND_FILE = "trend.png"
NPS_FILE = "nps.png"


def answered_ratings(questions: Sequence[QuestionFigures]) -> list[QuestionFigures]:
    """The rating questions somebody answered: the others have nothing to draw."""
    return [q for q in questions if q.type == QuestionType.RATING.value and q.answered]


def nps_counts(summary: WeeklySummary) -> tuple[int, int, int]:
    """(promoters, passives, detractors) of every NPS question of the week."""
    nps = [q for flow in summary.period.flows for q in flow.questions if q.promoters is not None]
    return (
        sum(q.promoters or 0 for q in nps),
        sum(q.passives or 0 for q in nps),
        sum(q.detractors or 0 for q in nps),
    )


def _scope(summary: WeeklySummary) -> str:
    return " · ".join(value for value in (summary.municipality, summary.event) if value)


def summary_charts(
    summary: WeeklySummary, trend: Sequence[TrendPoint], language: str
) -> dict[str, bytes]:
    """PNG per file name: ``trend.png``, ``nps.png`` when NPS was answered, and
    ``rating-<event code>.png`` per event with rating answers (per flow, ``rating-<flow
    id>.png``, in a week without events). Titles name the week by its dates and year."""
    scope = _scope(summary)
    week = week_dates(summary.week, language, year=True)
    charts = {TREND_FILE: weekly_trend(trend, language, scope)}
    promoters, passives, detractors = nps_counts(summary)
    if promoters + passives + detractors:
        title = f"{week} · {scope}" if scope else week
        charts[NPS_FILE] = nps_breakdown(title, promoters, passives, detractors, language)
    rated = (
        [(e.code, e.title, e.questions) for e in summary.period.events]
        if summary.period.events
        else [(f.flow_id, f.title, f.questions) for f in summary.period.flows]
    )
    for name, title, questions in rated:
        answered = answered_ratings(questions)
        if answered:
            charts[f"rating-{name}.png"] = rating_distribution(
                f"{title} · {week}", answered, language
            )
    return charts
