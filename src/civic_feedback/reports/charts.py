"""The weekly summary's charts as PNG: rating distributions, NPS and the eight-week trend.

matplotlib is imported when a chart is drawn, not with this module: only ``--charts`` needs
it. A chart is 6 × 4 inches saved at 200 dpi (1200 × 800 px): print quality, and type of
14 pt and up stays readable on a phone when the PNG is sent to Telegram. DejaVu Sans, which
ships with matplotlib, has Cyrillic and Turkish letters.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from civic_feedback.core.week_dates import week_dates
from civic_feedback.reports.figures import QuestionFigures, net_score
from civic_feedback.reports.trend import TrendPoint

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT = 6.0, 4.0  # inches
DPI = 200
RED, GREY, GREEN = "#c0392b", "#95a5a6", "#27ae60"
BARS, LINE = "#9db7d5", "#1f3a93"
LONE_MARK = "lone-week"  # the gid of the rings around rated weeks with unrated neighbours

LABELS = {
    "en": {
        "answers": "answers",
        "average": "average",
        "rating": "Rating",
        "detractors": "Detractors 0–6",
        "passives": "Passives 7–8",
        "promoters": "Promoters 9–10",
        "trend": "Last {weeks} weeks",
        "trend_average": "Average rating\n(every scale as 1–5)",
        "trend_completed": "Completed responses",
    },
    "bg": {
        "answers": "отговора",
        "average": "средно",
        "rating": "Оценка",
        "detractors": "Критици 0–6",
        "passives": "Пасивни 7–8",
        "promoters": "Промоутъри 9–10",
        "trend": "Последните {weeks} седмици",
        "trend_average": "Средна оценка\n(всяка скала като 1–5)",
        "trend_completed": "Попълнени анкети",
    },
    "tr": {
        "answers": "yanıt",
        "average": "ortalama",
        "rating": "Puan",
        "detractors": "Kötüleyenler 0–6",
        "passives": "Pasifler 7–8",
        "promoters": "Destekçiler 9–10",
        "trend": "Son {weeks} hafta",
        "trend_average": "Ortalama puan\n(her ölçek 1–5 olarak)",
        "trend_completed": "Tamamlanan yanıtlar",
    },
}


def _labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def agg_pyplot() -> Any:
    """pyplot on the Agg backend (no display), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams.update(
        {"font.family": "DejaVu Sans", "font.size": 14, "axes.spines.top": False}
    )
    return pyplot


def png_bytes(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"


def _signed(value: int) -> str:
    """+33, 0, −20 (with a minus sign, not a hyphen)."""
    return f"{value:+d}".replace("-", "−") if value else "0"


def _wrapped(title: str) -> str:
    return "\n".join(textwrap.wrap(title, width=40, max_lines=2, placeholder="…"))


def rating_distribution(title: str, questions: Sequence[QuestionFigures], language: str) -> bytes:
    """One panel per answered rating question: answers per point, with counts and shares."""
    labels = _labels(language)
    pyplot = agg_pyplot()
    figure, panels = pyplot.subplots(
        len(questions),
        squeeze=False,
        figsize=(WIDTH, 1 + 3 * len(questions)),
        layout="constrained",
    )
    try:
        figure.suptitle(_wrapped(title), fontsize=18, weight="bold")
        for axes, question in zip(panels[:, 0], questions, strict=True):
            _rating_panel(pyplot, axes, question, labels)
        return png_bytes(figure)
    finally:
        pyplot.close(figure)


def _rating_panel(
    pyplot: Any, axes: Any, question: QuestionFigures, labels: dict[str, str]
) -> None:
    assert question.distribution is not None
    assert question.scale is not None
    points = [int(point) for point in question.distribution]
    counts = list(question.distribution.values())
    colours = pyplot.get_cmap("RdYlGn")(
        [0.1 + 0.8 * i / (len(points) - 1) for i in range(len(points))]
    )
    bars = axes.bar(points, counts, color=colours, edgecolor="#555555", linewidth=0.5)
    small = len(points) > 7  # ten bars leave less room for their labels
    axes.bar_label(
        bars,
        [f"{n}\n{_percent(n, question.answered)}" if n else "0" for n in counts],
        fontsize=12 if small else 14,
        padding=3,
    )
    axes.set_ylim(0, max(counts) * 1.45)
    axes.set_yticks([])
    axes.spines[["left", "right"]].set_visible(False)
    axes.set_xticks(points)
    axes.set_xlabel(f"{labels['rating']} 1–{question.scale}")
    csat = "—" if question.csat is None else _percent(round(question.csat * 10000), 10000)
    axes.set_title(
        f"{question.id}: {labels['average']} {question.average:.2f} · CSAT {csat} · "
        f"{question.answered} {labels['answers']}",
        fontsize=14,
        loc="left",
    )


def nps_breakdown(
    title: str, promoters: int, passives: int, detractors: int, language: str
) -> bytes:
    """The NPS in large type over one bar of detractors, passives and promoters."""
    labels = _labels(language)
    answered = promoters + passives + detractors
    nps = net_score(promoters, detractors, answered)
    assert nps is not None, "NPS of nobody"
    pyplot = agg_pyplot()
    figure = pyplot.figure(figsize=(WIDTH, HEIGHT))
    try:
        figure.suptitle(_wrapped(title), fontsize=18, weight="bold", y=0.96)
        figure.text(
            0.5,
            0.80,
            f"NPS {_signed(nps)}",
            ha="center",
            va="top",
            fontsize=44,
            weight="bold",
            color=GREEN if nps > 0 else RED if nps < 0 else GREY,
        )
        figure.text(0.5, 0.5, f"{answered} {labels['answers']}", ha="center", fontsize=14)
        axes = figure.add_axes((0.05, 0.26, 0.9, 0.16))
        left = 0.0
        parts = (
            ("detractors", detractors, RED),
            ("passives", passives, GREY),
            ("promoters", promoters, GREEN),
        )
        for name, count, colour in parts:
            share = count / answered
            axes.barh(
                0,
                share,
                left=left,
                color=colour,
                label=f"{labels[name]}\n{count} ({_percent(count, answered)})",
            )
            if share >= 0.12:  # room for the label inside
                axes.text(
                    left + share / 2,
                    0,
                    _percent(count, answered),
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=16,
                    weight="bold",
                )
            left += share
        axes.set_xlim(0, 1)
        axes.set_axis_off()
        figure.legend(
            loc="lower center",
            ncols=3,
            frameon=False,
            fontsize=13,
            bbox_to_anchor=(0.5, 0.02),
            handlelength=1,
        )
        return png_bytes(figure)
    finally:
        pyplot.close(figure)


def weekly_trend(points: Sequence[TrendPoint], language: str, scope: str = "") -> bytes:
    """The trend chart (``trend_figure``) as PNG."""
    figure = trend_figure(points, language, scope)
    try:
        return png_bytes(figure)
    finally:
        agg_pyplot().close(figure)


def week_tick(week: str, language: str) -> str:
    """A week's dates on two lines, so eight fit side by side: ``13–19\\nокт``."""
    named = week_dates(week, language)
    return named.replace(" – ", " –\n", 1) if " – " in named else named.replace(" ", "\n", 1)


def lone_weeks(points: Sequence[TrendPoint]) -> list[int]:
    """Slots of rated weeks whose neighbours are unrated: no line reaches them."""
    rated = [point.average is not None for point in points]
    return [
        slot
        for slot, is_rated in enumerate(rated)
        if is_rated
        and not (slot > 0 and rated[slot - 1])
        and not (slot + 1 < len(rated) and rated[slot + 1])
    ]


def trend_figure(points: Sequence[TrendPoint], language: str, scope: str = "") -> Figure:
    """Completed responses as bars, the average rating as a line with gaps for unrated weeks;
    weeks named by their dates, a lone rated week ringed, every rating written above it.

    The caller closes the figure (``weekly_trend`` does)."""
    labels = _labels(language)
    pyplot = agg_pyplot()
    from matplotlib import patheffects

    figure: Figure
    figure, counts = pyplot.subplots(figsize=(WIDTH, HEIGHT), layout="constrained")
    title = labels["trend"].format(weeks=len(points))
    figure.suptitle(f"{title} · {scope}" if scope else title, fontsize=18, weight="bold")
    slots = range(len(points))
    counts.bar(slots, [p.completed for p in points], color=BARS, width=0.6)
    counts.set_ylabel(labels["trend_completed"], color="#4a6f9a")
    # Bars in the lower part, the rating line above them: neither hides the other's
    # labels, whatever the week's counts and ratings.
    counts.set_ylim(0, max([1, *(p.completed for p in points)]) * 2.2)
    counts.yaxis.get_major_locator().set_params(integer=True)
    counts.set_xticks(slots, [week_tick(p.week, language) for p in points], fontsize=10)
    counts.spines["right"].set_visible(True)
    ratings = counts.twinx()
    halo = patheffects.withStroke(linewidth=4, foreground="white")
    averages = [math.nan if p.average is None else p.average for p in points]
    ratings.plot(slots, averages, color=LINE, marker="o", linewidth=2.5, markersize=8)
    lone = lone_weeks(points)
    ratings.plot(
        lone,
        [averages[slot] for slot in lone],
        linestyle="none",
        marker="o",
        markersize=16,
        markerfacecolor="none",
        markeredgecolor=LINE,
        markeredgewidth=2.5,
        gid=LONE_MARK,
    )
    for slot, average in zip(slots, averages, strict=True):
        if not math.isnan(average):
            ratings.annotate(
                f"{average:.2f}",
                (slot, average),
                xytext=(0, 14),
                textcoords="offset points",
                ha="center",
                fontsize=14,
                color=LINE,
                path_effects=[halo],  # readable where it crosses the line or a bar
            )
    ratings.set_ylim(-3.8, 5.6)
    ratings.set_yticks([1, 2, 3, 4, 5])
    ratings.set_ylabel(labels["trend_average"], color=LINE, fontsize=12)
    return figure
