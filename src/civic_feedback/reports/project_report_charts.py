"""The project report's charts as PNG: attendance per event, CSAT per event and per month.

Drawn with the summary's chart settings (``charts``): matplotlib on Agg, loaded only when a
chart is drawn. Each chart's caption and alternative text are written by the layout.

The bars lie horizontally, one row per event or month, named on the left and their figures
written on the right, so that no name or figure overlaps another whatever their length and
number. The title is wrapped to the figure's width. A chart grows a row at a time up to
``MAX_HEIGHT``, which still fits an A4 page at the report's width; more rows share it, their
names then on one line.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from civic_feedback.reports.charts import BARS, GREEN, GREY, LINE, WIDTH, agg_pyplot
from civic_feedback.reports.charts import png_bytes as _png
from civic_feedback.reports.figures import percent_text
from civic_feedback.reports.project_report import EventRow, Satisfaction

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TITLE_SIZE = 14
TITLE_WIDTH = 40  # characters of TITLE_SIZE bold on a line of the figure's width
NAME_SIZE = 9  # the rows' names and figures
NAME_WIDTH = 26  # characters of a row's name on a line
ROW = 0.45  # inches a row takes while there is room
MAX_HEIGHT = 9.0  # inches: at the report's 15.5 cm, with its caption, within an A4 page
LINE_HEIGHT = 1.3 * NAME_SIZE / 72  # inches of one line of a row's name


def _title(title: str) -> str:
    return "\n".join(textwrap.wrap(title, width=TITLE_WIDTH)) or title


def _rows_figure(rows: int, title: str) -> tuple[Figure, Any, float]:
    """A figure with one row per event or month under the wrapped title, and the height of
    a row in inches."""
    heading = _title(title)
    frame = 1.4 + 0.3 * heading.count("\n")  # title, legend and the value axis
    rows = max(rows, 1)
    row = min(ROW, (MAX_HEIGHT - frame) / rows)
    pyplot = agg_pyplot()
    figure: Figure
    figure, axes = pyplot.subplots(figsize=(WIDTH, frame + row * rows), layout="constrained")
    figure.suptitle(heading, fontsize=TITLE_SIZE, weight="bold")
    axes.tick_params(labelsize=NAME_SIZE)
    return figure, axes, row


def _row_name(name: str, row: float) -> str:
    """A row's name wrapped on as many lines as its height holds (one or two), cut with …"""
    lines = 2 if row >= 2 * LINE_HEIGHT else 1
    return "\n".join(textwrap.wrap(name, width=NAME_WIDTH, max_lines=lines, placeholder="…"))


def _name_rows(axes: Any, names: Sequence[str], figures: Sequence[str], row: float) -> None:
    """Rows top to bottom in the given order, named on the left, their figures on the right."""
    slots = list(range(len(names)))
    axes.set_yticks(slots, [_row_name(name, row) for name in names])
    axes.set_ylim(len(names) - 0.5, -0.5)  # the first row on top
    written = axes.secondary_yaxis("right")
    written.set_yticks(slots, list(figures))
    written.tick_params(labelsize=NAME_SIZE, length=0)
    written.spines["right"].set_visible(False)
    axes.spines["right"].set_visible(False)
    axes.tick_params(axis="y", length=0)


def attendance_chart(events: Sequence[EventRow], labels: Sequence[str], title: str) -> bytes:
    """The attendance chart (``attendance_figure``) as PNG."""
    figure = attendance_figure(events, labels, title)
    try:
        return _png(figure)
    finally:
        agg_pyplot().close(figure)


def attendance_figure(events: Sequence[EventRow], labels: Sequence[str], title: str) -> Figure:
    """Per event registered, attended and responses (``labels`` name them) as bars one inside
    the other, each narrower than the one before; the three numbers written on the right in
    the same order. The caller closes the figure."""
    figure, axes, row = _rows_figure(len(events), title)
    slots = range(len(events))
    series = (
        ([e.registered for e in events], GREY, 0.8),
        ([e.attended for e in events], BARS, 0.55),
        ([e.responses for e in events], LINE, 0.3),
    )
    for (values, colour, thickness), label in zip(series, labels, strict=True):
        axes.barh(slots, values, height=thickness, color=colour, label=label)
    figures = [f"{e.registered} / {e.attended} / {e.responses}" for e in events]
    _name_rows(axes, [e.title for e in events], figures, row)
    axes.xaxis.get_major_locator().set_params(integer=True)
    figure.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=NAME_SIZE + 1)
    return figure


def csat_written(row: Satisfaction, ratings_word: str) -> str:
    """A row's figures as the CSAT chart writes them, and its alternative text reads them:
    ``67% (52 оценки)``."""
    return f"{percent_text(row.csat)} ({row.ratings} {ratings_word})"


def csat_chart(
    rows: Sequence[Satisfaction],
    title: str,
    ratings_word: str,
    previous: float | None = None,
    previous_label: str = "",
) -> bytes:
    """The CSAT chart (``csat_figure``) as PNG."""
    figure = csat_figure(rows, title, ratings_word, previous, previous_label)
    try:
        return _png(figure)
    finally:
        agg_pyplot().close(figure)


def csat_figure(
    rows: Sequence[Satisfaction],
    title: str,
    ratings_word: str,
    previous: float | None = None,
    previous_label: str = "",
) -> Figure:
    """CSAT (%) per row as bars named by the rows' labels (a month: ``ное 2026``), each
    row's CSAT and ratings written beside it (``csat_written``), an unrated row's bar left
    empty; ``previous`` as a dashed line, named in a legend ``previous_label: 60%``. The
    caller closes the figure."""
    figure, axes, row = _rows_figure(len(rows), title)
    values = [math.nan if r.csat is None else r.csat * 100 for r in rows]
    axes.barh(range(len(rows)), values, color=GREEN, height=0.6)
    written = [csat_written(r, ratings_word) for r in rows]
    _name_rows(axes, [r.label for r in rows], written, row)
    if previous is not None:
        axes.axvline(
            previous * 100,
            color=GREY,
            linestyle="--",
            linewidth=2,
            label=f"{previous_label}: {percent_text(previous)}",
        )
        figure.legend(loc="outside lower center", frameon=False, fontsize=NAME_SIZE + 1)
    axes.set_xlim(0, 100)
    axes.set_xlabel("CSAT %", fontsize=NAME_SIZE + 1)
    return figure
