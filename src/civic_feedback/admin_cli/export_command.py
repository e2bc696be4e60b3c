"""``feedback-admin export``: the raw answers of a form (or of an event) as CSV, XLSX or JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.reports.export import ExportOptions
from civic_feedback.reports.export_request import (
    ExportFormat,
    ExportRefusal,
    ExportRefusedError,
    ExportRequest,
    plan_export,
    record_export,
    write_export,
)
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit

_stderr = Console(stderr=True, highlight=False)


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
    request = ExportRequest(
        flow=flow,
        event=event,
        since=None if since is None else parse_day(since, "--since"),
        until=None if until is None else parse_day(until, "--until"),
        format=format,
    )
    # Every row is read once: mapping the SQLite file would only count it all as our memory.
    with open_session(settings, memory_mapped=False) as session:
        try:
            plan = plan_export(session, request, settings.zone)
        except ExportRefusedError as refused:
            raise CliError(_refusal(refused, request)) from None
        if include_telegram_ids:
            _let_telegram_ids_out(output)
        options = ExportOptions(key, settings.zone, telegram_ids=include_telegram_ids)
        with output.open("wb") as out:
            count = write_export(session, plan, format, out, options)
        record_export(
            session, audit.cli_actor(), request, plan, count, telegram_ids=include_telegram_ids
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


def _refusal(refused: ExportRefusedError, request: ExportRequest) -> str:
    return {
        ExportRefusal.NOTHING_CHOSEN: (
            "say what to export: --flow FORM, or --event CODE for an event's form"
        ),
        ExportRefusal.NO_EVENT: f"no event {request.event!r}: see `feedback-admin events list`",
        ExportRefusal.OTHER_FORM: (
            f"event {request.event} uses the form {refused.form!r}, not "
            f"{request.flow!r}: drop --flow"
        ),
        ExportRefusal.NO_FORM: f"no form {refused.form!r}: see `feedback-admin flows list`",
        ExportRefusal.SINCE_AFTER_UNTIL: (
            f"--since {request.since} is after --until {request.until}: swap them"
        ),
    }[refused.refusal]


def _let_telegram_ids_out(output: Path) -> None:
    """Warn that the file holds personal data (the audit log records the export, too)."""
    _stderr.print(
        f"warning: {escape(str(output))} will hold Telegram ids, which identify people: "
        "keep it where personal data may be kept and delete it when done"
    )
