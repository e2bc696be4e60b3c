"""The project report's charts: every title inside the picture, one row per event or month
whose name and figures never overlap another's, from one event to forty, and bars of exactly
the figures written beside them."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import pairwise

import numpy
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from civic_feedback.reports.charts import agg_pyplot
from civic_feedback.reports.project_report import EventRow, Satisfaction
from civic_feedback.reports.project_report_charts import (
    MAX_HEIGHT,
    attendance_chart,
    attendance_figure,
    csat_chart,
    csat_figure,
)
from civic_feedback.reports.project_report_labels import LABELS

NAMES = [
    "Кръгла маса: паркирането в центъра",
    "Информационна среща: ремонтът на ул. „Раковски“",
    "Граждански панел: бюджет 2027",
    "Обучение: как да подадем сигнал",
    "Kamu istişaresi: çocuk oyun alanları ve yeşil alanlar",
    "Conference: a green city",
]
SERIES = ["Registered", "Attended", "Responses"]
LONG_TITLE = "Регистрирани, присъствали и отговорили по събития в общините Варна и Пловдив " * 2


def satisfaction(label: str, csat: float | None, ratings: int = 12) -> Satisfaction:
    return Satisfaction(label, ratings, ratings, csat, None if csat is None else 4.0, 0, None)


def events(count: int) -> list[EventRow]:
    """``count`` events of the names above in turn (numbered past the sixth), each with its
    own figures: 20 + n registered, 15 + n attended, 10 + n responses, CSAT n × 10 % (n 7:
    none)."""
    rows = []
    for n in range(count):
        name = NAMES[n % len(NAMES)] + (f" {n}" if n >= len(NAMES) else "")
        csat = None if n % 10 == 7 else (n % 10) / 10
        rows.append(
            EventRow(
                f"E{n}",
                name,
                "meeting",
                "Варна",
                datetime(2026, 11, 2, 17, tzinfo=UTC),
                20 + n,
                15 + n,
                10 + n,
                "attended",
                (10 + n) / (15 + n),
                satisfaction(name, csat),
            )
        )
    return rows


@pytest.fixture
def drawn() -> Iterator[Callable[[Figure], Axes]]:
    """Draws a figure and gives its axes; every figure closed after the test."""

    def draw(figure: Figure) -> Axes:
        figure.canvas.draw()
        (axes,) = figure.axes  # the figures column is a child of these axes
        return axes

    yield draw
    agg_pyplot().close("all")


def extent(text: Text) -> Bbox:
    return text.get_window_extent()


def figures_column(axes: Axes) -> list[Text]:
    """The figures written right of the rows (the secondary axis' labels)."""
    (column,) = axes.child_axes
    return list(column.get_yticklabels())


def assert_apart(texts: list[Text], figure: Figure) -> None:
    """Each text inside the figure, and no two overlapping."""
    boxes = [extent(text) for text in texts if text.get_text()]
    for box in boxes:
        assert figure.bbox.contains(box.x0, box.y0)
        assert figure.bbox.contains(box.x1, box.y1)
    for upper, lower in pairwise(boxes):
        assert not upper.overlaps(lower), (upper, lower)


TITLES = sorted(
    {LABELS[language][key] for language in LABELS for key in LABELS[language] if "chart" in key}
)


@pytest.mark.parametrize("title", [*TITLES, LONG_TITLE])
@pytest.mark.parametrize("chart", ["attendance", "csat"])
def test_the_title_is_whole_inside_the_picture(
    drawn: Callable[[Figure], Axes], chart: str, title: str
) -> None:
    rows = events(6)
    if chart == "attendance":
        figure = attendance_figure(rows, SERIES, title)
    else:
        figure = csat_figure([e.satisfaction for e in rows], title, "ratings", 0.5, "Before")
    drawn(figure)

    (heading,) = figure.texts  # the title is the figure's one text
    box, frame = extent(heading), figure.bbox

    assert " ".join(heading.get_text().split()) == " ".join(title.split())  # wrapped, not cut
    assert frame.x0 <= box.x0
    assert box.x1 <= frame.x1
    assert frame.y0 <= box.y0
    assert box.y1 <= frame.y1


@pytest.mark.parametrize("count", [1, 2, 6, 12, 25, 40])
def test_event_names_and_figures_never_overlap_and_the_chart_fits_a_page(
    drawn: Callable[[Figure], Axes], count: int
) -> None:
    rows = events(count)
    for figure in (
        attendance_figure(rows, SERIES, LONG_TITLE),
        csat_figure([e.satisfaction for e in rows], LONG_TITLE, "ratings", 0.5, "Before"),
    ):
        axes = drawn(figure)
        names = list(axes.get_yticklabels())

        assert len(names) == len(figures_column(axes)) == count
        assert_apart(names, figure)
        assert_apart(figures_column(axes), figure)
        assert figure.get_figheight() <= MAX_HEIGHT


def test_names_are_wrapped_while_there_is_room_and_cut_to_one_line_when_crowded(
    drawn: Callable[[Figure], Axes],
) -> None:
    roomy = drawn(attendance_figure(events(6), SERIES, "Events")).get_yticklabels()
    crowded = drawn(attendance_figure(events(40), SERIES, "Events")).get_yticklabels()

    assert [label.get_text().replace("\n", " ") for label in roomy][:4] == NAMES[:4]
    assert roomy[1].get_text() == "Информационна среща:\nремонтът на ул. „Раковски“"
    assert all("\n" not in label.get_text() for label in crowded)
    assert crowded[1].get_text() == "Информационна среща:…"
    assert crowded[2].get_text() == "Граждански панел: бюджет…"


def test_the_attendance_chart_draws_each_events_three_figures_in_its_row(
    drawn: Callable[[Figure], Axes],
) -> None:
    rows = events(8)
    figure = attendance_figure(rows, SERIES, "Events")
    axes = drawn(figure)

    bars = [c for c in axes.containers if isinstance(c, BarContainer)]
    drawn_values = [
        numpy.asarray(c.datavalues, dtype=float).round().astype(int).tolist() for c in bars
    ]
    legend = figure.legends[0]

    assert drawn_values == [
        [e.registered for e in rows],
        [e.attended for e in rows],
        [e.responses for e in rows],
    ]
    assert [t.get_text() for t in figures_column(axes)][:2] == ["20 / 15 / 10", "21 / 16 / 11"]
    assert [t.get_text() for t in legend.get_texts()] == SERIES
    # The first event on top, as in the table above the chart.
    assert axes.get_ylim()[0] > axes.get_ylim()[1]


def test_the_csat_chart_leaves_an_unrated_row_empty_and_names_the_previous_periods_line(
    drawn: Callable[[Figure], Axes],
) -> None:
    rows = [satisfaction("ное 2026", 0.76), satisfaction("дек 2026", None, 0)]
    figure = csat_figure(rows, "CSAT", "оценки", 0.6, "Предходен период")
    axes = drawn(figure)

    (bars,) = [c for c in axes.containers if isinstance(c, BarContainer)]
    widths = [bar.get_width() for bar in bars]
    (line,) = axes.get_lines()

    assert widths[0] == pytest.approx(76)
    assert math.isnan(widths[1])
    assert [t.get_text() for t in figures_column(axes)] == ["76% (12 оценки)", "— (0 оценки)"]
    assert list(line.get_xdata()) == [60, 60]  # type: ignore[arg-type]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["Предходен период: 60%"]


def test_without_a_previous_figure_the_csat_chart_has_no_line_and_no_legend(
    drawn: Callable[[Figure], Axes],
) -> None:
    figure = csat_figure([satisfaction("ное 2026", 0.76)], "CSAT", "ratings")
    axes = drawn(figure)

    assert axes.get_lines() == []
    assert figure.legends == []


@pytest.mark.parametrize("language", ["bg", "en", "tr"])
def test_each_chart_is_a_print_quality_png_with_every_letter_drawn(language: str) -> None:
    words = LABELS[language]
    rows = events(6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        pngs = [
            attendance_chart(rows, SERIES, words["chart_activities"]),
            csat_chart(
                [e.satisfaction for e in rows],
                words["chart_months"],
                words["ratings"].lower(),
                0.5,
                words["previous_period"],
            ),
        ]

    for png in pngs:
        image = Image.open(io.BytesIO(png))
        assert image.width == 1200  # 6 inches at 200 dpi, the report's width
        assert [round(dpi) for dpi in image.info["dpi"]] == [200, 200]
