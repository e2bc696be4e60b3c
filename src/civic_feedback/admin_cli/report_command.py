"""``feedback-admin report``: the project report of a period as DOCX, Markdown or HTML."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.reports.project_report import project_report
from civic_feedback.reports.project_report_labels import REPORT_LANGUAGES
from civic_feedback.reports.project_report_layout import report_blocks
from civic_feedback.settings import load_settings
from civic_feedback.storage.summary_queries import municipality_names

FORMATS = ("docx", "md", "html")


def report(
    first: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (in TIMEZONE).")],
    last: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD, included.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    format: Annotated[str, typer.Option("--format", help="docx, md or html.")] = "docx",
    municipality: Annotated[
        str | None, typer.Option(help="Only this municipality (unknown: none known).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The report's title.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="bg, en or tr.")] = "bg",
) -> None:
    """The project report: events, satisfaction, consultations, messages, comments."""
    settings = load_settings()
    start, end = _day(first, "--from"), _day(last, "--to")
    if end < start:
        raise CliError(f"--to {end} is before --from {start}: give the first day first")
    if format not in FORMATS:
        raise CliError(f"--format {format!r}: choose docx, md or html")
    if lang not in REPORT_LANGUAGES:
        raise CliError(f"--lang {lang!r}: choose bg, en or tr")
    _check_writable(output)
    with open_session(settings) as session:
        place = None
        if municipality is not None:
            place = municipality.strip()
            known = municipality_names(session) | set(settings.municipalities)
            if place not in known:
                raise CliError(
                    f"no municipality {municipality!r}: choose one of {', '.join(sorted(known))}"
                )
        figures = project_report(
            session, start, end, settings.zone, language=lang, municipality=place, title=title
        )
    blocks = report_blocks(figures)
    if format == "docx":
        from civic_feedback.reports.project_report_docx import write_docx

        write_docx(blocks, output)
    elif format == "md":
        from civic_feedback.reports.project_report_md import write_markdown

        write_markdown(blocks, output)
    else:
        from civic_feedback.reports.project_report_html import write_html

        write_html(blocks, lang, output)
    Console(stderr=True).print(f"Report of {start} – {end} written to {escape(str(output))}")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option} {text!r}: write the day as YYYY-MM-DD") from None


def _check_writable(path: Path) -> None:
    """Refuse before any work a file that cannot be written: nothing is computed for nothing."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CliError(f"-o {path}: is a folder; name a file in it")
    if not folder.is_dir():
        raise CliError(f"-o {path}: folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CliError(f"-o {path}: cannot write there; choose another file")
