"""``feedback-admin export``: the raw answers of a form (or of an event) as CSV, XLSX or JSON."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from sqlmodel import Session

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.events_commands import event_by_code
from civic_feedback.core.weeks import local_midnight
from civic_feedback.reports.export import ExportOptions, write_csv, write_json
from civic_feedback.reports.export_xlsx import write_xlsx
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.export_rows import ResponseFilter, export_columns, iter_export_rows

_stderr = Console(stderr=True, highlight=False)


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    flow: Annotated[
        str | None, typer.Option("--flow", help="The form; optional with --event.")
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", help="Only the responses about this event (code).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Completed on or after this day (YYYY-MM-DD, TIMEZONE)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Completed on or before this day, all of it (YYYY-MM-DD)."),
    ] = None,
    format: Annotated[
        ExportFormat, typer.Option("--format", help="csv (Excel), xlsx (Excel workbook) or json.")
    ] = ExportFormat.CSV,
    include_telegram_ids: Annotated[
        bool,
        typer.Option(
            "--include-telegram-ids", help="Add a telegram_id column: the file holds personal data."
        ),
    ] = False,
) -> None:
    """Export the responses to a form, one row each; people appear as pseudonyms.

    Without --since/--until every response is exported, unfinished ones too (no
    completed_at). With either, only responses completed in those days (in TIMEZONE) are.
    """
    settings = load_settings()
    key = settings.require_pseudonym_key()
    zone = settings.zone
    completed_from = None if since is None else local_midnight(parse_day(since, "--since"), zone)
    completed_before = None if until is None else _day_after(parse_day(until, "--until"), zone)
    if completed_from and completed_before and completed_from >= completed_before:
        raise CliError(f"--since {since} is after --until {until}: swap them")
    # Every row is read once: mapping the SQLite file would only count it all as our memory.
    with open_session(settings, memory_mapped=False) as session:
        flow_id, event_id = _form_and_event(session, flow, event)
        columns = export_columns(session, flow_id)
        if not columns:
            raise CliError(f"no form {flow_id!r}: see `feedback-admin flows list`")
        where = ResponseFilter(
            event_id=event_id, completed_from=completed_from, completed_before=completed_before
        )
        rows = iter_export_rows(session, flow_id, where)
        if include_telegram_ids:
            _let_telegram_ids_out(output)
        options = ExportOptions(key, zone, telegram_ids=include_telegram_ids)
        if format is ExportFormat.XLSX:
            count = write_xlsx(rows, columns, output, options, flow_id=flow_id)
        else:
            # utf-8-sig writes the byte-order mark that makes Excel read Cyrillic correctly.
            encoding = "utf-8-sig" if format is ExportFormat.CSV else "utf-8"
            with output.open("w", encoding=encoding, newline="") as out:
                writer = write_csv if format is ExportFormat.CSV else write_json
                count = writer(rows, columns, out, options)
        audit.record(
            session,
            audit.cli_actor(),
            "export",
            flow_id,
            event=event,
            since=since,
            until=until,
            format=format.value,
            responses=count,
            telegram_ids=include_telegram_ids,
        )
    _stderr.print(f"{count} responses written to {escape(str(output))}")


def parse_day(text: str, option: str) -> date:
    """A day written YYYY-MM-DD, or a CliError naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            f"{option} {text!r} is not a day: write it as YYYY-MM-DD, e.g. 2026-11-16"
        ) from None


def _day_after(day: date, zone: ZoneInfo) -> datetime:
    return local_midnight(day + timedelta(days=1), zone)


def _form_and_event(session: Session, flow: str | None, code: str | None) -> tuple[str, int | None]:
    """The form to export and, with --event, the event's id; refuses what does not exist."""
    if code is None:
        if flow is None:
            raise CliError("say what to export: --flow FORM, or --event CODE for an event's form")
        return flow, None
    found = event_by_code(session, code)
    if flow is not None and flow != found.flow_id:
        raise CliError(f"event {code} uses the form {found.flow_id!r}, not {flow!r}: drop --flow")
    return found.flow_id, found.id


def _let_telegram_ids_out(output: Path) -> None:
    """Warn that the file holds personal data (the audit log records the export, too)."""
    _stderr.print(
        f"warning: {escape(str(output))} will hold Telegram ids, which identify people: "
        "keep it where personal data may be kept and delete it when done"
    )
