"""Which charts a week gets and the eight-week trend they draw, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from civic_feedback.reports import summary_charts as charts_module
from civic_feedback.reports.charts import LONE_MARK, agg_pyplot, trend_figure
from civic_feedback.reports.figures import QuestionFigures
from civic_feedback.reports.summary import WeeklySummary, weekly_summary
from civic_feedback.reports.summary_charts import nps_counts, summary_charts
from civic_feedback.reports.trend import TrendPoint, trend_points
from tests.support.clock import SOFIA
from tests.support.summary_data import WEEK, WeekData, answers, sofia


@pytest.fixture
def data(session: Session) -> WeekData:
    return WeekData(session)


def october(day: int) -> datetime:
    return datetime(2026, 10, day, 12, tzinfo=SOFIA).astimezone(UTC)


def summarize(data: WeekData, week: str = WEEK, **filters: Any) -> WeeklySummary:
    return weekly_summary(data.session, week, SOFIA, language="bg", compare=False, **filters)


def test_the_trend_is_eight_weeks_ending_with_the_chosen_one_with_gaps_where_nobody_rated(
    data: WeekData,
) -> None:
    data.respond(answers(overall=5), completed=sofia(18))
    data.respond(answers(overall=4), completed=sofia(20))
    data.respond(answers(recommend=9), completed=sofia(4))  # W45: no rating answered
    data.respond(answers(overall=2), completed=october(1))  # W40
    data.respond(answers(overall=3), completed=october(1).replace(month=9))  # W36

    points = trend_points(data.session, WEEK, SOFIA)

    assert points == [
        TrendPoint("2026-W40", 1, 2.0),
        TrendPoint("2026-W41", 0, None),
        TrendPoint("2026-W42", 0, None),
        TrendPoint("2026-W43", 0, None),
        TrendPoint("2026-W44", 0, None),
        TrendPoint("2026-W45", 1, None),
        TrendPoint("2026-W46", 0, None),
        TrendPoint("2026-W47", 2, 4.5),
    ]


def test_the_average_rating_puts_every_scale_on_one_to_five(data: WeekData) -> None:
    # 3 of 5 is 3, 2 of 3 is 3, 10 of 10 is 5 and 1 of 10 is 1: (3 + 3 + 5 + 1) / 4.
    data.respond(answers(overall=3, short=2, wide=10), completed=sofia(18))
    data.respond(answers(wide=1), completed=sofia(18))

    (point,) = trend_points(data.session, WEEK, SOFIA, weeks=1)

    assert point == TrendPoint(WEEK, 2, 3.0)


FOUR_POINT_FLOW = """\
id: four-points
title: {bg: "Четири точки", en: "Four points"}
languages: [bg, en]
questions:
  - {id: overall, type: rating, scale: 4, text: {bg: "Оценка?", en: "Overall?"}}
"""


def test_a_week_rated_only_on_a_one_to_four_scale_gets_its_point_drawn(session: Session) -> None:
    data = WeekData(session, FOUR_POINT_FLOW)
    data.respond(answers(overall=3), completed=sofia(18))  # 3 of 4: 1 + 2 × 4/3 on 1-5
    data.respond(answers(overall=4), completed=sofia(19))  # the top of the scale: 5

    points = trend_points(data.session, WEEK, SOFIA)
    figure = trend_figure(points, "bg")
    try:
        ratings = figure.axes[1]
        (ring,) = [line for line in ratings.get_lines() if line.get_gid() == LONE_MARK]
        written = [text.get_text() for text in ratings.texts]
    finally:
        agg_pyplot().close(figure)

    assert points[-1] == TrendPoint(WEEK, 2, 4.33)
    assert [point.average for point in points[:-1]] == [None] * 7
    assert (list(ring.get_xdata()), list(ring.get_ydata())) == ([7], [4.33])  # type: ignore[arg-type]
    assert written == ["4.33"]


def test_the_trend_keeps_the_summarys_municipality_filter(data: WeekData) -> None:
    data.respond(answers(overall=5), completed=sofia(18), citizen=data.citizen("Видин"))
    data.respond(answers(overall=1), completed=sofia(18), citizen=data.citizen("Лом"))

    (point,) = trend_points(data.session, WEEK, SOFIA, municipality="Видин", weeks=1)

    assert point == TrendPoint(WEEK, 1, 5.0)


def test_a_week_gets_the_trend_the_nps_and_a_rating_chart_per_rated_event(
    data: WeekData,
) -> None:
    rated = data.event("Видин", sofia(18, 18))
    unrated = data.event("Видин", sofia(19, 18))
    data.respond(answers(overall=5, recommend=10), completed=sofia(18, 21), event=rated)
    data.respond(answers(recommend=3), completed=sofia(19, 21), event=unrated)
    data.respond(answers(overall=2), completed=sofia(20))  # no event

    summary = summarize(data)
    drawn = summary_charts(summary, trend_points(data.session, WEEK, SOFIA), "bg")

    assert sorted(drawn) == ["nps.png", f"rating-{rated.code}.png", "trend.png"]
    assert all(png.startswith(b"\x89PNG") for png in drawn.values())
    assert nps_counts(summary) == (1, 0, 1)


def test_without_events_each_rated_form_gets_its_rating_chart(data: WeekData) -> None:
    data.respond(answers(overall=4), completed=sofia(18))

    drawn = summary_charts(summarize(data), [], "bg")

    assert sorted(drawn) == ["rating-week-demo.png", "trend.png"]


def test_questions_nobody_answered_are_not_drawn(
    data: WeekData, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[list[str]] = []

    def rating_distribution(title: str, questions: list[QuestionFigures], language: str) -> bytes:
        drawn.append([question.id for question in questions])
        return b""

    monkeypatch.setattr(charts_module, "rating_distribution", rating_distribution)
    data.respond(answers(overall=4, short=None), completed=sofia(18))  # short skipped

    files = summary_charts(summarize(data), [], "bg")

    assert drawn == [["overall"]]  # not short, wide: nobody answered them
    assert "nps.png" not in files


@pytest.mark.parametrize(
    ("language", "week"),
    [("bg", "16–22 ное 2026"), ("en", "Nov 16–22, 2026"), ("tr", "16–22 Kas 2026")],
)
def test_the_weeks_charts_name_it_by_its_dates_in_their_language(
    data: WeekData, monkeypatch: pytest.MonkeyPatch, language: str, week: str
) -> None:
    titles: list[str] = []

    def rating_distribution(title: str, questions: list[QuestionFigures], language: str) -> bytes:
        titles.append(title)
        return b""

    def nps_breakdown(title: str, *counts: int) -> bytes:
        titles.append(title)
        return b""

    monkeypatch.setattr(charts_module, "rating_distribution", rating_distribution)
    monkeypatch.setattr(charts_module, "nps_breakdown", nps_breakdown)
    data.respond(
        answers(overall=4, recommend=9), completed=sofia(18), citizen=data.citizen("Видин")
    )

    summary_charts(summarize(data, municipality="Видин"), [], language)

    assert titles == [f"{week} · Видин", f"Седмична анкета · {week}"]


def test_an_empty_week_gets_only_the_trend(data: WeekData) -> None:
    trend = trend_points(data.session, WEEK, SOFIA)

    drawn = summary_charts(summarize(data), trend, "bg")

    assert list(drawn) == ["trend.png"]
    assert [point.average for point in trend] == [None] * 8
