"""The summary's charts: PNGs readable on a phone and in print, in every interface language."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterator

import numpy
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from PIL import Image

from civic_feedback.reports.charts import (
    BARS,
    LINE,
    LONE_MARK,
    agg_pyplot,
    lone_weeks,
    nps_breakdown,
    rating_distribution,
    trend_figure,
    weekly_trend,
)
from civic_feedback.reports.figures import QuestionFigures, Tally, question_figures
from civic_feedback.reports.trend import TrendPoint


def rating(question_id: str, scale: int, counts: dict[float, int]) -> QuestionFigures:
    tally = Tally(answered=sum(counts.values()), values=Counter(counts))
    return question_figures((question_id, "rating", scale), tally, [])


OVERALL = rating("overall", 5, {1: 2, 3: 7, 4: 21, 5: 34})
WIDE = rating("wide", 10, {1: 1, 7: 6, 9: 20, 10: 100})
TREND = [
    TrendPoint(f"2026-W{week}", completed, average)
    for week, completed, average in [
        (40, 12, 4.1),
        (41, 0, None),
        (42, 5, 3.2),
        (43, 30, 4.56),
        (44, 2, None),
        (45, 44, 4.02),
        (46, 0, None),
        (47, 67, 4.21),
    ]
]
TITLE = "Обществено обсъждане на бюджета на община Видин · 2026-W47"

CHARTS: dict[str, Callable[[str], bytes]] = {
    "rating": lambda language: rating_distribution(TITLE, [OVERALL], language),
    "nps": lambda language: nps_breakdown("2026-W47 · Видин", 34, 21, 12, language),
    "trend": lambda language: weekly_trend(TREND, language, "Видин"),
}


def test_importing_the_chart_modules_does_not_import_matplotlib() -> None:
    modules = (
        "civic_feedback.reports.charts",
        "civic_feedback.reports.summary_charts",
        "civic_feedback.admin_cli.summary_command",
    )
    check = f"import sys, {', '.join(modules)}; print('matplotlib' in sys.modules)"

    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)

    assert run.stdout.strip() == "False"


@pytest.mark.parametrize("language", ["bg", "en", "tr"])
@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_each_chart_is_a_print_quality_png_with_every_letter_drawn(
    chart: str, language: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        png = CHARTS[chart](language)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (1200, 800)  # 6 × 4 inches at 200 dpi
    assert [round(dpi) for dpi in image.info["dpi"]] == [200, 200]


def test_a_rating_chart_has_one_panel_per_question() -> None:
    one = Image.open(io.BytesIO(rating_distribution(TITLE, [OVERALL], "bg")))
    two = Image.open(io.BytesIO(rating_distribution(TITLE, [OVERALL, WIDE], "bg")))

    assert one.size == (1200, 800)
    assert two.size == (1200, 1400)


def test_an_unknown_language_gets_english_labels() -> None:
    assert CHARTS["trend"]("de") == CHARTS["trend"]("en")


def _rows_of(image: Image.Image, colour: str, columns: range) -> list[int]:
    """The pixel rows, within ``columns``, drawn in exactly ``colour``."""
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    pixels = image.convert("RGB").load()
    assert pixels is not None
    return [y for y in range(image.height) for x in columns if pixels[x, y] == wanted]


def test_the_rating_line_stays_above_the_bars_even_for_the_worst_rated_busiest_week() -> None:
    weeks = [TrendPoint(f"2026-W{40 + i}", 10, 5.0) for i in range(7)]
    busiest_and_worst = TrendPoint("2026-W47", 500, 1.0)
    image = Image.open(io.BytesIO(weekly_trend([*weeks, busiest_and_worst], "en")))

    # The last week's bar and point share the column band right of the seventh tick.
    band = range(int(image.width * 0.80), int(image.width * 0.86))
    bar, line = _rows_of(image, BARS, band), _rows_of(image, LINE, band)

    assert bar, "no bar drawn in the last week's band"
    assert line, "no rating point drawn in the last week's band"
    assert max(line) < min(bar)  # the point (and its label above it) never sits on the bar


@pytest.fixture
def trend() -> Iterator[Callable[..., Figure]]:
    """``trend_figure``, its figures closed after the test."""
    yield trend_figure
    agg_pyplot().close("all")


def _axes(figure: Figure) -> tuple[Axes, Axes]:
    counts, ratings = figure.axes
    return counts, ratings


@pytest.mark.parametrize(
    ("language", "first", "last"),
    [
        ("bg", "28 сеп –\n4 окт", "16–22\nное"),
        ("en", "Sep 28 –\nOct 4", "Nov\n16–22"),
        ("tr", "28 Eyl –\n4 Eki", "16–22\nKas"),
    ],
)
def test_the_trend_names_its_weeks_by_their_dates_in_the_staff_language(
    trend: Callable[..., Figure], language: str, first: str, last: str
) -> None:
    counts, _ = _axes(trend(TREND, language, "Видин"))

    ticks = [label.get_text() for label in counts.get_xticklabels()]

    assert len(ticks) == 8
    assert (ticks[0], ticks[-1]) == (first, last)
    assert ticks[1] == {"bg": "5–11\nокт", "en": "Oct\n5–11", "tr": "5–11\nEki"}[language]


def test_the_trend_draws_each_weeks_responses_and_rating_with_gaps_for_unrated_weeks(
    trend: Callable[..., Figure],
) -> None:
    counts, ratings = _axes(trend(TREND, "en"))

    (bars,) = counts.containers
    assert isinstance(bars, BarContainer)
    drawn = numpy.asarray(bars.datavalues, dtype=float).round().astype(int).tolist()
    line = numpy.asarray(ratings.get_lines()[0].get_ydata(), dtype=float).tolist()

    assert drawn == [point.completed for point in TREND]
    assert [None if math.isnan(y) else y for y in line] == [point.average for point in TREND]


def test_a_rated_week_between_unrated_ones_is_ringed_and_its_rating_written(
    trend: Callable[..., Figure],
) -> None:
    _, ratings = _axes(trend(TREND, "bg"))

    (ring,) = [line for line in ratings.get_lines() if line.get_gid() == LONE_MARK]
    written = [text.get_text() for text in ratings.texts]

    # W40 (first, W41 unrated), W45 (W44, W46 unrated) and W47 (last, W46 unrated);
    # W42 and W43 are joined by the line.
    assert list(ring.get_xdata()) == [0, 5, 7]  # type: ignore[arg-type]
    assert list(ring.get_ydata()) == [4.1, 4.02, 4.21]  # type: ignore[arg-type]
    assert ring.get_markersize() > ratings.get_lines()[0].get_markersize()
    assert written == ["4.10", "3.20", "4.56", "4.02", "4.21"]


@pytest.mark.parametrize(
    ("rated", "lone"),
    [
        ([True], [0]),
        ([False, True, False], [1]),
        ([True, True, False, True], [3]),
        ([False, False], []),
        ([True, True], []),
    ],
)
def test_lone_weeks_are_the_rated_ones_no_line_reaches(rated: list[bool], lone: list[int]) -> None:
    points = [TrendPoint(f"2026-W{10 + i}", 1, 4.0 if r else None) for i, r in enumerate(rated)]

    assert lone_weeks(points) == lone
