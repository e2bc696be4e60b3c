"""The weekly summary as JSON (the documented format), tidy CSV and Markdown.

docs/summary-format.md describes every key; the CSV is the same figures, one per row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from civic_feedback.reports.export import spreadsheet_cell
from civic_feedback.reports.headline import Headline, changes
from civic_feedback.reports.inbox_summary import InboxSummary
from civic_feedback.reports.summary import Headlines, WeeklySummary
from civic_feedback.reports.summary_tables import ReportTable, cell_text, summary_tables

FORMAT_VERSION = 1
CSV_COLUMNS = (
    "week",
    "section",
    "municipality",
    "flow_id",
    "event_code",
    "question_id",
    "question_type",
    "scale",
    "metric",
    "option",
    "value",
)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="minutes")


def _deltas(current: Headline, previous: Headline) -> dict[str, Any]:
    return {name: asdict(change) for name, change in changes(current, previous).items()}


def summary_json(summary: WeeklySummary) -> dict[str, Any]:
    """The summary as plain JSON values; every key is documented in docs/summary-format.md."""
    zone = ZoneInfo(summary.timezone)
    period = summary.period
    return {
        "format_version": FORMAT_VERSION,
        "week": summary.week,
        "timezone": summary.timezone,
        "start": _local(period.start, zone),
        "end": _local(period.end, zone),
        "filters": {"municipality": summary.municipality, "event": summary.event},
        "overall": asdict(period.headlines.overall),
        "municipalities": [
            {"name": name, **asdict(headline)}
            for name, headline in period.headlines.municipalities.items()
        ],
        "flows": [
            {
                "flow_id": flow.flow_id,
                "title": flow.title,
                "started": flow.started,
                "completed": flow.completed,
                "completion_rate": flow.completion_rate,
                "questions": [question.as_json() for question in flow.questions],
            }
            for flow in period.flows
        ],
        "events": [
            {
                **{
                    key: value
                    for key, value in asdict(event).items()
                    if key not in ("questions", "headline")
                },
                "starts_at": _local(event.starts_at, zone),
                "questions": [question.as_json() for question in event.questions],
            }
            for event in period.events
        ],
        "previous_week": _previous_json(summary.previous_week, period.headlines, summary.previous),
        "inbox": _inbox_json(summary.inbox),
    }


def _inbox_json(inbox: InboxSummary | None) -> dict[str, Any] | None:
    if inbox is None:
        return None
    return {
        "overall": asdict(inbox.overall),
        "municipalities": [
            {"name": name, **asdict(figures)} for name, figures in inbox.municipalities.items()
        ],
    }


def _previous_json(
    week: str | None, current: Headlines, previous: Headlines | None
) -> dict[str, Any] | None:
    if week is None or previous is None:
        return None
    return {
        "week": week,
        "overall": _deltas(current.overall, previous.overall),
        "municipalities": [
            {"name": name, **_deltas(headline, previous.municipalities[name])}
            for name, headline in current.municipalities.items()
        ],
    }


def write_json(summary: WeeklySummary, out: IO[str]) -> None:
    # allow_nan=False: a NaN would be a bug, and it is not valid JSON for other tools.
    json.dump(summary_json(summary), out, ensure_ascii=False, indent=2, allow_nan=False)
    out.write("\n")


def write_csv(summary: WeeklySummary, out: IO[str]) -> None:
    """One figure per row (see docs/summary-format.md); open ``out`` with utf-8-sig for Excel."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in tidy_rows(summary_json(summary)):
        writer.writerow(spreadsheet_cell(row.get(column)) for column in CSV_COLUMNS)


def tidy_rows(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The JSON document as rows: where a figure belongs, its metric, option and value."""
    week = {"week": document["week"]}
    yield from _figures({**week, "section": "overall"}, document["overall"])
    for place in document["municipalities"]:
        yield from _figures(
            {**week, "section": "municipality", "municipality": place["name"]}, place
        )
    for flow in document["flows"]:
        where = {**week, "flow_id": flow["flow_id"]}
        yield from _figures({**where, "section": "flow"}, flow)
        yield from _questions({**where, "section": "flow_question"}, flow["questions"])
    for event in document["events"]:
        where = {**week, "flow_id": event["flow_id"], "event_code": event["code"]}
        yield from _figures(
            {**where, "section": "event", "municipality": event["municipality"]}, event
        )
        yield from _questions({**where, "section": "event_question"}, event["questions"])
    inbox = document["inbox"] or {"overall": {}, "municipalities": []}
    for place in [{"name": None, **inbox["overall"]}, *inbox["municipalities"]]:
        yield from _figures({**week, "section": "inbox", "municipality": place["name"]}, place)
    previous = document["previous_week"] or {"overall": {}, "municipalities": []}
    for place in [{"name": None, **previous["overall"]}, *previous["municipalities"]]:
        where = {**week, "section": "previous_week", "municipality": place.pop("name")}
        # {"started": {"previous": 12, "change": 3}}: the option column says which value.
        yield from _figures(where, place)


# Keys that say where a figure belongs (they have their own columns) or are not figures.
_NOT_FIGURES = frozenset(CSV_COLUMNS) | {"name", "code", "id", "type", "title", "starts_at"}


def _figures(where: dict[str, Any], figures: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for metric, value in figures.items():
        if metric in _NOT_FIGURES or metric == "questions":
            continue
        if isinstance(value, dict):
            for option, count in value.items():
                yield {**where, "metric": metric, "option": option, "value": count}
        else:
            yield {**where, "metric": metric, "value": value}


def _questions(where: dict[str, Any], questions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for question in questions:
        keys = {"question_id": question["id"], "question_type": question["type"]}
        yield from _figures({**where, **keys, "scale": question.get("scale")}, question)


def write_markdown(summary: WeeklySummary, out: IO[str]) -> None:
    """A heading and Markdown tables, to paste into a report."""
    out.write(f"# Satisfaction summary {summary.week} ({summary.timezone})\n")
    for table in summary_tables(summary):
        out.write(f"\n## {_markdown_text(table.title)}\n\n")
        out.write(_markdown_table(table))
    out.write("\n")


def _markdown_text(text: str) -> str:
    # A pipe would end a cell and a line break the row; citizens' texts never reach a
    # summary, but titles and municipality names are typed by organizers.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown_table(table: ReportTable) -> str:
    if not table.rows:
        return f"{table.empty}\n"
    lines = [
        "| " + " | ".join(_markdown_text(c.title) for c in table.columns) + " |",
        "|" + "|".join("---:" if c.numeric else "---" for c in table.columns) + "|",
    ]
    for row in table.rows:
        cells = (
            _markdown_text(cell_text(cell, c.signed))
            for cell, c in zip(row, table.columns, strict=True)
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
