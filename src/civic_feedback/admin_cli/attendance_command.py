"""``feedback-admin events attendance``: per event how many registered, waited, came and
answered, and who took part (as pseudonyms), for the reports funders ask for."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.events_commands import event_by_code
from civic_feedback.admin_cli.export_command import parse_day
from civic_feedback.core.weeks import local_midnight
from civic_feedback.reports.attendance import (
    attendance_sheets,
    write_attendance_csv,
    write_attendance_xlsx,
)
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.attendance import EventChoice, attendance, participants

console = Console(highlight=False)

FORMATS = (".xlsx", ".csv")


def attendance_command(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="attendance.xlsx, or .csv (two files).")
    ],
    codes: Annotated[
        list[str] | None, typer.Argument(metavar="CODE", help="Only these events.")
    ] = None,
    from_day: Annotated[
        str | None,
        typer.Option("--from", help="Events starting on or after this day (YYYY-MM-DD, TIMEZONE)."),
    ] = None,
    to_day: Annotated[
        str | None, typer.Option("--to", help="Events starting on or before this day.")
    ] = None,
    municipality: Annotated[str | None, typer.Option(help="Only this municipality.")] = None,
) -> None:
    """Attendance for funders: per event registered, waitlisted, checked in and feedback
    responses; and the participants, as pseudonyms."""
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise CliError(f"-o must end in {' or '.join(FORMATS)}")
    settings = load_settings()
    key = settings.require_pseudonym_key()
    zone = settings.zone
    first = None if from_day is None else parse_day(from_day, "--from")
    last = None if to_day is None else parse_day(to_day, "--to")
    if first and last and first > last:
        raise CliError(f"--from {from_day} is after --to {to_day}: swap them")
    if municipality is not None and municipality not in settings.municipalities:
        known = ", ".join(settings.municipalities) or "none yet: set MUNICIPALITIES"
        raise CliError(f"unknown municipality {municipality!r}; known: {known}")
    with open_session(settings) as session:
        chosen = EventChoice(
            codes=[event_by_code(session, code).code for code in codes or ()],
            starts_from=None if first is None else local_midnight(first, zone),
            starts_before=None if last is None else local_midnight(last + timedelta(days=1), zone),
            municipality=municipality,
        )
        figures = attendance(session, chosen)
        if not figures:
            raise CliError("no event matches: see `feedback-admin events list`")
        people = participants(session, chosen)
        sheets = attendance_sheets(
            figures, people, language=settings.interface_language, zone=zone, key=key
        )
        written = [output]
        if suffix == ".xlsx":
            write_attendance_xlsx(sheets, output)
        else:
            written.append(write_attendance_csv(sheets, output))
        audit.record(
            session,
            audit.cli_actor(),
            "attendance_export",
            output.name,
            events=[row.event.code for row in figures],
            participants=len(people),
        )
    files = " and ".join(escape(str(path)) for path in written)
    console.print(
        f"{len(figures)} events and {len(people)} participants written to {files}", soft_wrap=True
    )
