"""The project report as a list of blocks (headings, paragraphs, tables, charts) in its
language: each format (``project_report_docx``, ``_md``, ``_html``) only renders them, so
the three say the same thing. Texts are plain; each renderer escapes them for its format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from civic_feedback.reports.figures import percent_text
from civic_feedback.reports.inbox_summary import InboxFigures
from civic_feedback.reports.project_report import (
    ProjectReport,
    Satisfaction,
    thin_answers,
    thin_resolutions,
)
from civic_feedback.reports.project_report_charts import (
    attendance_chart,
    csat_chart,
    csat_written,
)
from civic_feedback.reports.project_report_labels import LABELS, kind_label, language_label

THIN = "†"  # after a figure resting on fewer than SMALL_BASE responses
# Past this many events a chart per event is a wall of bars (and slow to draw): the tables
# give every event, the charts per month the trend.
CHARTED_EVENTS = 40


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0: the title, 1: a section, 2: a part of one


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    total: bool = False  # the last row adds up the others (shown in bold)


@dataclass(frozen=True)
class Chart:
    name: str  # file name stem: activities, csat-events, csat-months
    caption: str
    alt: str  # what a screen reader says: the figures the chart draws
    draw: Callable[[], bytes]  # the PNG, drawn when a format needs it


Block = Heading | Paragraph | Bullets | Table | Chart


def _number(value: float | int | None, *, thin: bool = False) -> str:
    text = "—" if value is None else str(value)
    return f"{text} {THIN}" if thin and value is not None else text


def _percent(value: float | None, *, thin: bool = False) -> str:
    text = percent_text(value)
    return f"{text} {THIN}" if thin and value is not None else text


def _average(value: float | None, *, thin: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.2f} {THIN}" if thin else f"{value:.2f}"


def report_blocks(report: ProjectReport) -> list[Block]:
    """Every section in order; consultations and messages only when there are any."""
    w = LABELS[report.language]
    blocks: list[Block] = [Heading(report.title or w["heading"], 0)]
    blocks += _glance(report, w)
    blocks += _activities(report, w)
    blocks += _satisfaction(report, w)
    if report.consultations:
        blocks += _consultations(report, w)
    if report.inbox is not None:
        blocks += _inbox(report, w)
    blocks += _comments(report, w)
    blocks += _method(report, w)
    return blocks


def _glance(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    head, overall = report.headline, report.overall
    places = report.municipality or ", ".join(report.municipalities) or w["all_municipalities"]
    return [
        Bullets(
            [
                f"{w['period']}: {report.first_day:%d.%m.%Y} – {report.last_day:%d.%m.%Y}",
                f"{w['municipalities']}: {places}",
            ]
        ),
        Heading(w["glance"], 1),
        Bullets(
            [
                f"{w['events']}: {head.events}",
                f"{w['registered']}: {head.registered}",
                f"{w['attended']}: {head.attended}",
                f"{w['completed']}: {head.completed}",
                f"{w['response_rate']}: {percent_text(head.response_rate)}",
                f"{w['csat']}: {_percent(overall.csat, thin=overall.thin_ratings)}",
                f"{w['average']}: {_average(overall.average, thin=overall.thin_ratings)}",
                f"{w['nps']}: {_number(overall.nps, thin=overall.thin_nps)}",
                f"{w['comments']}: {head.comments}",
            ]
        ),
    ]


def _activities(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    blocks: list[Block] = [Heading(w["activities"], 1)]
    if not report.events:
        return [*blocks, Paragraph(w["no_events"])]
    blocks.append(
        Table(
            [w["kind"], w["count"]],
            [[kind_label(kind, report.language), str(n)] for kind, n in report.kinds.items()],
        )
    )
    rows = []
    for event in report.events:
        rate = _percent(event.response_rate, thin=event.thin_rate)
        if event.rate_base:
            rate = f"{rate} ({w['rate_' + event.rate_base]})"
        rows.append(
            [
                event.title,
                kind_label(event.kind, report.language),
                f"{event.starts_at:%d.%m.%Y}",
                str(event.registered),
                str(event.attended),
                str(event.responses),
                rate,
            ]
        )
    columns = [w["event"], w["kind"], w["date"], w["registered"], w["attended"]]
    blocks.append(Table([*columns, w["responses"], w["response_rate"]], rows))
    if len(report.events) > CHARTED_EVENTS:
        return [*blocks, Paragraph(w["too_many_to_chart"].format(n=len(report.events)))]
    series = [w["registered"], w["attended"], w["responses"]]
    alt = "; ".join(
        f"{e.title}: {w['registered']} {e.registered}, {w['attended']} {e.attended}, "
        f"{w['responses']} {e.responses}"
        for e in report.events
    )
    blocks.append(
        Chart(
            "activities",
            w["chart_activities"],
            alt,
            partial(attendance_chart, report.events, series, w["chart_activities"]),
        )
    )
    return blocks


def _satisfaction_row(row: Satisfaction) -> list[str]:
    return [
        row.label,
        str(row.completed),
        str(row.ratings),
        _percent(row.csat, thin=row.thin_ratings),
        _average(row.average, thin=row.thin_ratings),
        str(row.nps_answers),
        _number(row.nps, thin=row.thin_nps),
    ]


def _satisfaction(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    columns = [
        "",
        w["completed"],
        w["ratings"],
        w["csat"],
        w["average"],
        w["nps_answers"],
        w["nps"],
    ]
    now, before = report.overall, report.previous
    previous = f"{report.previous_first_day:%d.%m.%Y} – {report.previous_last_day:%d.%m.%Y}"
    blocks: list[Block] = [
        Heading(w["satisfaction"], 1),
        Table(
            columns,
            [
                [w["this_period"], *_satisfaction_row(now)[1:]],
                [f"{w['previous_period']} ({previous})", *_satisfaction_row(before)[1:]],
            ],
        ),
        Heading(w["per_month"], 2),
        Table([w["month"], *columns[1:]], [_satisfaction_row(row) for row in report.months]),
        _csat_months(report, w),
    ]
    if len(report.events) > CHARTED_EVENTS:
        rows = [event.satisfaction for event in report.events]
        blocks += [
            Heading(w["per_event"], 2),
            Table([w["event"], *columns[1:]], [_satisfaction_row(row) for row in rows]),
            Paragraph(w["too_many_to_chart"].format(n=len(report.events))),
        ]
    elif report.events:
        rows = [event.satisfaction for event in report.events]
        blocks += [
            Heading(w["per_event"], 2),
            Table([w["event"], *columns[1:]], [_satisfaction_row(row) for row in rows]),
            Chart(
                "csat-events",
                w["chart_events_csat"],
                _csat_alt(rows, w),
                partial(csat_chart, rows, w["chart_events_csat"], w["ratings"].lower()),
            ),
        ]
    return blocks


def _csat_months(report: ProjectReport, w: dict[str, str]) -> Chart:
    """CSAT per month; against the previous period's as a line when it has one."""
    before = report.previous.csat
    alt = _csat_alt(report.months, w)
    if before is None:
        title = w["chart_months_alone"]
        draw = partial(csat_chart, report.months, title, w["ratings"].lower())
    else:
        title = w["chart_months"]
        alt += f". {w['previous_period']}: {percent_text(before)}"
        draw = partial(
            csat_chart, report.months, title, w["ratings"].lower(), before, w["previous_period"]
        )
    return Chart("csat-months", title, alt, draw)


def _csat_alt(rows: list[Satisfaction], w: dict[str, str]) -> str:
    """The figures the CSAT chart writes beside each row, each after the row's name."""
    word = w["ratings"].lower()
    return f"{w['csat']}: " + "; ".join(f"{row.label} {csat_written(row, word)}" for row in rows)


def _consultations(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    columns = [w["consultation"], w["received"], w["accepted"], w["partly"], w["not_accepted"]]
    rows = [
        [
            row.title,
            str(row.counts.received),
            str(row.counts.accepted),
            str(row.counts.partly),
            str(row.counts.not_accepted),
            str(row.counts.undecided),
        ]
        for row in report.consultations
    ]
    return [Heading(w["consultations"], 1), Table([*columns, w["undecided"]], rows)]


def _inbox_row(label: str, figures: InboxFigures) -> list[str]:
    return [
        label,
        str(figures.received),
        str(figures.answered),
        _number(figures.median_hours_to_answer, thin=thin_answers(figures)),
        str(figures.resolved),
        _number(figures.median_days_to_resolve, thin=thin_resolutions(figures)),
    ]


def _inbox(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    """One row per topic, then all topics: the summary's inbox figures for the period."""
    assert report.inbox is not None
    columns = [w["topic"], w["messages_received"], w["answered"], w["median_answer"]]
    rows = [_inbox_row(topic, figures) for topic, figures in report.inbox.topics.items()]
    return [
        Heading(w["inbox"], 1),
        Table(
            [*columns, w["resolved"], w["median_resolve"]],
            [*rows, _inbox_row(w["all_topics"], report.inbox.figures)],
            total=True,
        ),
    ]


def _comments(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    blocks: list[Block] = [Heading(w["said"], 1)]
    named = partial(language_label, language=report.language)
    if not report.comment_languages:
        return [*blocks, Paragraph(w["no_comments"])]
    blocks.append(
        Table(
            [w["language"], w["comments"]],
            [[named(c), str(n)] for c, n in report.comment_languages.items()],
        )
    )
    if report.themes.one_in > 1:
        blocks.append(Paragraph(w["sampled"].format(n=report.themes.one_in)))
    for found in report.themes.languages:
        blocks.append(Heading(f"{w['language']}: {named(found.language)} ({found.comments})", 2))
        blocks.append(
            Table(
                [w["theme"], w["mentions"], w["quotes"]],
                [
                    [theme.label, str(theme.count), "\n".join(f"„{q}“" for q in theme.quotes)]
                    for theme in found.themes
                ],
            )
        )
    if report.themes.not_analysed:
        counts = ", ".join(f"{named(c)}: {n}" for c, n in report.themes.not_analysed.items())
        blocks.append(Paragraph(f"{w['not_analysed']}: {counts}"))
    return blocks


def _method(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    head = report.headline
    bases = [
        f"{w['completed']}: {head.completed}",
        f"{w['ratings']} ({w['csat']}, {w['average']}): {head.ratings}",
        f"{w['nps_answers']}: {head.nps_answers}",
        f"{w['comments']}: {head.comments}",
        f"{w['previous_period']}: {w['completed']} {report.previous_headline.completed}, "
        f"{w['ratings'].lower()} {report.previous.ratings}",
    ]
    return [
        Heading(w["method"], 1),
        Paragraph(w["method_collection"]),
        Paragraph(w["method_anonymous"]),
        Paragraph(w["method_rules"]),
        Heading(w["bases"], 2),
        Bullets(bases),
        Heading(w["thin_list"], 2),
        *_thin(report, w),
    ]


def _thin(report: ProjectReport, w: dict[str, str]) -> list[Block]:
    """Every figure on fewer than 10 (``SMALL_BASE``) responses, by name, with its base."""
    found = []
    rows = [report.overall, *report.months, *(event.satisfaction for event in report.events)]
    for row in rows:
        if row.thin_ratings:
            found.append(f"{row.label}: {w['csat']}, {w['average']} — {row.ratings}")
        if row.thin_nps:
            found.append(f"{row.label}: {w['nps']} — {row.nps_answers}")
    for event in report.events:
        if event.thin_rate:
            found.append(f"{event.title}: {w['response_rate']} — {event.base}")
    found += _thin_inbox(report, w)
    if not found:
        return [Paragraph(w["thin_none"])]
    return [Paragraph(w["thin_note"]), Bullets(found)]


def _thin_inbox(report: ProjectReport, w: dict[str, str]) -> list[str]:
    """The inbox's medians on fewer than 10 messages: answered, resolved."""
    if report.inbox is None:
        return []
    found = []
    rows = [*report.inbox.topics.items(), (w["all_topics"], report.inbox.figures)]
    for label, figures in rows:
        if thin_answers(figures):
            found.append(f"{w['inbox']}, {label}: {w['median_answer']} — {figures.answered}")
        if thin_resolutions(figures):
            found.append(f"{w['inbox']}, {label}: {w['median_resolve']} — {figures.resolved}")
    return found
