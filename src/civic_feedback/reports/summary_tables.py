"""The weekly summary as tables for people: the terminal, Markdown and XLSX draw the same ones."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from civic_feedback.reports.figures import QuestionFigures
from civic_feedback.reports.headline import HEADLINE_FIGURES, Headline, changes
from civic_feedback.reports.inbox_summary import InboxFigures, InboxSummary
from civic_feedback.reports.summary import EventSummary, FlowSummary, WeeklySummary


class Rate(float):
    """A fraction 0..1 that people read as a percentage."""


Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = True
    signed: bool = False  # a change: shown with its sign


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    empty: str  # said instead of a table without rows


def cell_text(cell: Cell, signed: bool = False) -> str:
    """A cell as people read it: 83.3%, 4.25, +3, +2.5 pp, — for nothing."""
    if cell is None:
        return "—"
    if isinstance(cell, Rate):
        return f"{cell * 100:+.1f} pp" if signed else f"{cell * 100:.1f}%"
    if isinstance(cell, bool | str):
        return str(cell)
    if isinstance(cell, int):
        return f"{cell:+d}" if signed else str(cell)
    return f"{cell:+.2f}" if signed else f"{cell:.2f}"


FIGURE_LABELS = {
    "started": "Responses started",
    "completed": "Responses completed",
    "completion_rate": "Completion rate",
    "events": "Events",
    "registered": "Registered",
    "attended": "Attended",
    "event_responses": "Event responses",
    "response_rate": "Response rate",
    "ratings": "Rating answers",
    "csat": "CSAT",
    "nps_answers": "NPS answers",
    "nps": "NPS",
    "comments": "Comments",
}
_RATES = frozenset({"completion_rate", "response_rate", "csat"})


def _rate(value: float | None) -> Rate | None:
    return None if value is None else Rate(value)


def _figure(name: str, value: int | float | None) -> Cell:
    return _rate(value) if name in _RATES else value


def summary_tables(summary: WeeklySummary) -> list[ReportTable]:
    """Overall, municipalities, one table per flow's questions, the events and the inbox."""
    zone = ZoneInfo(summary.timezone)
    period = summary.period
    tables = [
        _overall(summary),
        _municipalities(period.headlines.municipalities),
        *(_flow(flow) for flow in period.flows),
        _events(period.events, zone),
    ]
    return tables if summary.inbox is None else [*tables, _inbox(summary.inbox)]


def _overall(summary: WeeklySummary) -> ReportTable:
    current = summary.period.headlines.overall
    scope = ", ".join(
        f"{what} {value}"
        for what, value in (("municipality", summary.municipality), ("event", summary.event))
        if value
    )
    title = f"Overall, {summary.week}" + (f" ({scope})" if scope else "")
    if summary.previous is None or summary.previous_week is None:
        columns = [Column("Figure", numeric=False), Column(summary.week)]
        rows: list[list[Cell]] = [
            [FIGURE_LABELS[name], _figure(name, getattr(current, name))]
            for name in HEADLINE_FIGURES
        ]
        return ReportTable(title, columns, rows, "")
    deltas = changes(current, summary.previous.overall)
    columns = [
        Column("Figure", numeric=False),
        Column(summary.week),
        Column(summary.previous_week),
        Column("Change", signed=True),
    ]
    rows = [
        [
            FIGURE_LABELS[name],
            _figure(name, getattr(current, name)),
            _figure(name, deltas[name].previous),
            _figure(name, deltas[name].change),
        ]
        for name in HEADLINE_FIGURES
    ]
    return ReportTable(title, columns, rows, "")


_PLACE_FIGURES = ("started", "completed", "completion_rate", "response_rate", "csat", "nps")


def _municipalities(places: dict[str, Headline]) -> ReportTable:
    columns = [Column("Municipality", numeric=False)]
    columns += [Column(FIGURE_LABELS[name]) for name in (*_PLACE_FIGURES, "comments")]
    rows: list[list[Cell]] = [
        [name, *(_figure(f, getattr(h, f)) for f in (*_PLACE_FIGURES, "comments"))]
        for name, h in places.items()
    ]
    return ReportTable("Municipalities", columns, rows, "No responses in any municipality.")


_QUESTION_COLUMNS = [
    Column("Question", numeric=False),
    Column("Type", numeric=False),
    Column("Answered"),
    Column("Average"),
    Column("CSAT"),
    Column("NPS"),
    Column("Details", numeric=False),
]


def _flow(flow: FlowSummary) -> ReportTable:
    title = (
        f"Form {flow.flow_id} ({flow.title}): {flow.started} started, {flow.completed} "
        f"completed, completion {cell_text(_rate(flow.completion_rate))}"
    )
    rows: list[list[Cell]] = [
        [
            q.id,
            q.type if q.scale is None else f"{q.type} 1-{q.scale}",
            q.answered,
            q.average,
            _rate(q.csat),
            q.nps,
            question_details(q),
        ]
        for q in flow.questions
    ]
    return ReportTable(title, _QUESTION_COLUMNS, rows, "No questions.")


def question_details(question: QuestionFigures) -> str:
    """What a question's counts say, in one line: the distribution, top choices, shares."""
    if not question.answered:
        return "nobody answered"
    answered = question.answered
    if question.promoters is not None:
        return (
            f"promoters {question.promoters} · passives {question.passives} · "
            f"detractors {question.detractors}"
        )
    if question.distribution is not None:
        return " ".join(f"{p}: {n}" for p, n in question.distribution.items())
    if question.options is not None:
        ranked = sorted(question.options.items(), key=lambda item: -item[1])
        return ", ".join(f"{o} {n} ({cell_text(Rate(n / answered))})" for o, n in ranked if n)
    if question.yes is not None and question.no is not None:
        return (
            f"yes {question.yes} ({cell_text(Rate(question.yes / answered))}) · "
            f"no {question.no} ({cell_text(Rate(question.no / answered))})"
        )
    if question.languages is not None:
        return " · ".join(f"{language} {n}" for language, n in question.languages.items())
    return ""


def _events(events: list[EventSummary], zone: ZoneInfo) -> ReportTable:
    columns = [
        Column("Event", numeric=False),
        Column("Title", numeric=False),
        Column("Municipality", numeric=False),
        Column("Starts", numeric=False),
        Column("Registered"),
        Column("Attended"),
        Column("Responses"),
        Column("Response rate"),
        Column("Started"),
        Column("Completed"),
        Column("Completion rate"),
    ]
    rows: list[list[Cell]] = [
        [
            e.code,
            e.title,
            e.municipality,
            f"{e.starts_at.astimezone(zone):%Y-%m-%d %H:%M}",
            e.registered,
            e.attended,
            e.responses,
            _rate(e.response_rate),
            e.started,
            e.completed,
            _rate(e.completion_rate),
        ]
        for e in events
    ]
    return ReportTable("Events", columns, rows, "No events this week.")


def _inbox(inbox: InboxSummary) -> ReportTable:
    columns = [
        Column("Municipality", numeric=False),
        Column("Received"),
        Column("Joined an earlier report"),
        Column("People affected"),
        Column("Answered"),
        Column("Median hours to answer"),
        Column("Oldest waiting", numeric=False),
        Column("Waiting hours"),
        Column("Resolved"),
        Column("Median days to resolve"),
        Column("Confirmed by citizens"),
        Column("Resolution satisfaction"),
    ]

    def row(name: str, figures: InboxFigures) -> list[Cell]:
        oldest = figures.oldest_unanswered
        return [
            name,
            figures.received,
            figures.joined,
            figures.people_affected,
            figures.answered,
            figures.median_hours_to_answer,
            f"#{oldest}" if oldest is not None else None,
            figures.oldest_waiting_hours,
            figures.resolved,
            figures.median_days_to_resolve,
            _rate(figures.confirmed_share),
            _rate(figures.resolution_satisfaction),
        ]

    rows = [row(name, figures) for name, figures in inbox.municipalities.items()]
    if rows:
        rows.append(row("All", inbox.overall))
    return ReportTable(
        "Messages to the municipality", columns, rows, "No messages to the municipality."
    )
