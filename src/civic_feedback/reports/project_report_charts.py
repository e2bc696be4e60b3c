"""The project report's charts as PNG: attendance per event, CSAT per event and per month.

Drawn with the summary's chart settings (``charts``): matplotlib on Agg, loaded only when a
chart is drawn. Each chart's caption and alternative text are written by the layout.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from civic_feedback.reports.charts import BARS, GREEN, GREY, HEIGHT, LINE, WIDTH, agg_pyplot
from civic_feedback.reports.charts import png_bytes as _png
from civic_feedback.reports.project_report import EventRow, Satisfaction

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _short(title: str) -> str:
    return "\n".join(textwrap.wrap(title, width=14, max_lines=2, placeholder="…"))


def attendance_chart(events: Sequence[EventRow], labels: Sequence[str], title: str) -> bytes:
    """Per event three bars: registered, attended, responses (``labels`` name them)."""
    pyplot = agg_pyplot()
    figure, axes = pyplot.subplots(figsize=(WIDTH, HEIGHT), layout="constrained")
    try:
        figure.suptitle(title, fontsize=15, weight="bold")
        slots = range(len(events))
        series = (
            ([e.registered for e in events], GREY),
            ([e.attended for e in events], BARS),
            ([e.responses for e in events], LINE),
        )
        width = 0.8 / len(series)
        for index, ((values, colour), label) in enumerate(zip(series, labels, strict=True)):
            offsets = [slot + (index - 1) * width for slot in slots]
            bars = axes.bar(offsets, values, width=width, color=colour, label=label)
            axes.bar_label(bars, fontsize=9, padding=2)
        axes.set_xticks(list(slots), [_short(e.title) for e in events], fontsize=9)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.legend(fontsize=10, frameon=False)
        return _png(figure)
    finally:
        pyplot.close(figure)


def csat_chart(rows: Sequence[Satisfaction], title: str, previous: float | None = None) -> bytes:
    """The CSAT chart (``csat_figure``) as PNG."""
    figure = csat_figure(rows, title, previous)
    try:
        return _png(figure)
    finally:
        agg_pyplot().close(figure)


def csat_figure(rows: Sequence[Satisfaction], title: str, previous: float | None = None) -> Figure:
    """CSAT (%) per row as bars named by the rows' labels (a month: ``ное 2026``), an
    unrated row left empty; ``previous`` as a dashed line. The caller closes the figure."""
    pyplot = agg_pyplot()
    figure: Figure
    figure, axes = pyplot.subplots(figsize=(WIDTH, HEIGHT), layout="constrained")
    figure.suptitle(title, fontsize=15, weight="bold")
    slots = list(range(len(rows)))
    values = [math.nan if row.csat is None else row.csat * 100 for row in rows]
    bars = axes.bar(slots, values, color=GREEN, width=0.6)
    axes.bar_label(bars, [f"{v:.0f}%" if not math.isnan(v) else "" for v in values], fontsize=10)
    if previous is not None:
        axes.axhline(previous * 100, color=GREY, linestyle="--", linewidth=2)
    axes.set_ylim(0, 110)
    axes.set_ylabel("CSAT %")
    axes.set_xticks(slots, [_short(row.label) for row in rows], fontsize=9)
    return figure
