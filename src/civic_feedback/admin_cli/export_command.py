"""``feedback-admin export``: the raw answers of a form as JSON or CSV."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.reports.export import write_csv, write_json
from civic_feedback.settings import load_settings
from civic_feedback.storage.export_rows import export_columns, iter_export_rows


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def export(
    flow: Annotated[str, typer.Option("--flow", help="The form to export.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    format: Annotated[ExportFormat, typer.Option("--format", help="csv (Excel) or json.")] = (
        ExportFormat.CSV
    ),
) -> None:
    """Export every response to a form; people appear as pseudonyms, never Telegram ids."""
    settings = load_settings()
    key = settings.require_pseudonym_key()
    with open_session(settings) as session:
        columns = export_columns(session, flow)
        if not columns:
            raise CliError(f"no form {flow!r}: see `feedback-admin flows list`")
        rows = iter_export_rows(session, flow)
        # utf-8-sig writes the byte-order mark that makes Excel read Cyrillic correctly.
        encoding = "utf-8-sig" if format is ExportFormat.CSV else "utf-8"
        with output.open("w", encoding=encoding, newline="") as out:
            writer = write_csv if format is ExportFormat.CSV else write_json
            count = writer(rows, columns, out, key=key, zone=settings.zone)
    Console(stderr=True).print(f"{count} responses written to {output}")
