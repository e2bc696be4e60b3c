"""``feedback-admin summary``: a week's satisfaction figures for people and for analysis."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.core.weeks import last_complete_week, parse_iso_week
from civic_feedback.reports.summary import WeeklySummary, weekly_summary
from civic_feedback.reports.summary_charts import TREND_FILE, summary_charts
from civic_feedback.reports.summary_formats import write_csv, write_json, write_markdown
from civic_feedback.reports.summary_tables import cell_text, summary_tables
from civic_feedback.reports.trend import trend_points
from civic_feedback.settings import Settings, load_settings
from civic_feedback.storage.events import find_event
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.summary_queries import municipality_names


class SummaryFormat(StrEnum):
    TABLE = "table"
    MD = "md"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def summary(
    week: Annotated[
        str | None,
        typer.Option(help="ISO week, e.g. 2026-W47 (default: the last complete week in TIMEZONE)."),
    ] = None,
    municipality: Annotated[
        str | None, typer.Option(help="Only this municipality (unknown: no municipality known).")
    ] = None,
    event: Annotated[str | None, typer.Option(help="Only this event (its code).")] = None,
    format: Annotated[
        SummaryFormat, typer.Option("--format", help="table, md, json, csv or xlsx.")
    ] = SummaryFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (needed for xlsx).")
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option(
            "--charts", metavar="DIR", help="Also draw PNG charts (trend, NPS, ratings) into DIR."
        ),
    ] = None,
) -> None:
    """A week's satisfaction summary: overall, per municipality, form and event."""
    settings = load_settings()
    chosen = (week or last_complete_week(utcnow(), settings.zone)).strip().upper()
    try:
        parse_iso_week(chosen)
    except ValueError as error:
        raise CliError(f"--week: {error}") from None
    if format is SummaryFormat.XLSX and output is None:
        raise CliError("--format xlsx writes a file: add -o summary.xlsx")
    if charts is not None and charts.exists() and not charts.is_dir():
        raise CliError(f"--charts: {charts} is a file, not a folder")
    with open_session(settings) as session:
        place, chosen_event = _municipality(session, settings, municipality), _event(session, event)
        result = weekly_summary(
            session,
            chosen,
            settings.zone,
            language=settings.interface_language,
            municipality=place,
            event=chosen_event,
        )
        trend = (
            trend_points(session, chosen, settings.zone, municipality=place, event=chosen_event)
            if charts is not None
            else []
        )
    if charts is not None:
        _write_charts(summary_charts(result, trend, settings.interface_language), charts, chosen)
    if output is None:
        _write(result, format, sys.stdout)
        return
    if format is SummaryFormat.XLSX:
        from civic_feedback.reports.summary_xlsx import write_xlsx  # openpyxl only when needed

        write_xlsx(result, output)
    else:
        # utf-8-sig writes the byte-order mark that makes Excel read Cyrillic correctly.
        encoding = "utf-8-sig" if format is SummaryFormat.CSV else "utf-8"
        with output.open("w", encoding=encoding, newline="") as out:
            _write(result, format, out)
    Console(stderr=True).print(f"Summary of {chosen} written to {escape(str(output))}")


def _write_charts(drawn: dict[str, bytes], folder: Path, week: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True)
    for name, png in drawn.items():
        (folder / name).write_bytes(png)
        console.print(f"Chart written to {escape(str(folder / name))}")
    if set(drawn) == {TREND_FILE}:
        console.print(f"No rating or NPS answers in {week}: only the trend was drawn.")


def _municipality(session: Session, settings: Settings, name: str | None) -> str | None:
    if name is None:
        return None
    known = municipality_names(session) | set(settings.municipalities)
    if name.strip() not in known:
        raise CliError(f"no municipality {name!r}: choose one of {', '.join(sorted(known))}")
    return name.strip()


def _event(session: Session, code: str | None) -> tuple[int, str] | None:
    if code is None:
        return None
    found = find_event(session, code.strip().lower())
    if found is None or found.id is None:
        raise CliError(f"no event {code!r}: see `feedback-admin events list`")
    return found.id, found.code


def _write(result: WeeklySummary, format: SummaryFormat, out: IO[str]) -> None:
    if format is SummaryFormat.JSON:
        write_json(result, out)
    elif format is SummaryFormat.CSV:
        write_csv(result, out)
    elif format is SummaryFormat.MD:
        write_markdown(result, out)
    else:
        _print_tables(result, Console(file=out, highlight=False))


def _print_tables(result: WeeklySummary, console: Console) -> None:
    for table in summary_tables(result):
        if not table.rows:
            console.print(f"[bold]{escape(table.title)}[/bold]: {table.empty}\n")
            continue
        shown = Table(title=escape(table.title), title_justify="left", title_style="bold")
        for column in table.columns:
            shown.add_column(escape(column.title), justify="right" if column.numeric else "left")
        for row in table.rows:
            shown.add_row(
                *(
                    escape(cell_text(cell, column.signed))
                    for cell, column in zip(row, table.columns, strict=True)
                )
            )
        console.print(shown)
