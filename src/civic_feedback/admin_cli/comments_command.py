"""``feedback-admin comments``: what citizens wrote, with its event, form and language;
``comments relabel``: the languages of stored comments detected again (after an upgrade)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civic_feedback.admin_cli.comment_themes_output import print_themes, write_themes_json
from civic_feedback.admin_cli.comments_relabel import relabel
from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.events_commands import event_by_code
from civic_feedback.core.comment_themes import THEMED_LANGUAGES
from civic_feedback.core.text_language import UNDETERMINED, detection_languages
from civic_feedback.core.weeks import iso_week_bounds
from civic_feedback.reports.comment_themes import DEFAULT_TOP, comment_themes
from civic_feedback.reports.comments import write_comments_csv, write_comments_json
from civic_feedback.reports.export import iso_local
from civic_feedback.settings import load_settings
from civic_feedback.storage.comments import Comment, iter_comments
from civic_feedback.storage.export_rows import ResponseFilter
from civic_feedback.storage.flow_versions import latest_version_id

app = typer.Typer(invoke_without_command=True)
app.command("relabel")(relabel)


class CommentsFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


@app.callback()
def comments(
    context: typer.Context,
    event: Annotated[
        str | None, typer.Option("--event", help="Only comments about this event (code).")
    ] = None,
    flow: Annotated[str | None, typer.Option("--flow", help="Only answers to this form.")] = None,
    week: Annotated[
        str | None,
        typer.Option("--week", help="Only responses completed in this ISO week, e.g. 2026-W47."),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Only comments detected in this language.")
    ] = None,
    format: Annotated[
        CommentsFormat, typer.Option("--format", help="table (screen), csv (Excel) or json.")
    ] = CommentsFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File for csv or json (else stdout).")
    ] = None,
    themes: Annotated[
        bool,
        typer.Option(
            "--themes", help="The phrases many comments share, per language, with an example."
        ),
    ] = False,
    top: Annotated[
        int, typer.Option("--top", help="With --themes: how many themes per language (1-50).")
    ] = DEFAULT_TOP,
) -> None:
    """Citizens' free-text answers, oldest first. Weeks are in TIMEZONE, Monday to Sunday.

    --lang takes a LANGUAGES code, ru, or und (too short or unclear to tell). --themes finds
    themes in bg, en and tr comments; examples have names, numbers and addresses taken out.

    After an upgrade: `comments relabel` detects the stored comments' languages again.
    """
    if context.invoked_subcommand is not None:
        return
    settings = load_settings()
    zone = settings.zone
    languages = (*detection_languages(settings.languages), UNDETERMINED)
    if lang is not None and lang not in languages:
        raise CliError(f"--lang {lang!r}: choose one of {', '.join(languages)}")
    if format is CommentsFormat.TABLE and output is not None:
        raise CliError("a table is for the screen: add --format csv or --format json to use -o")
    if themes:
        _check_theme_options(format, lang, top)
    elif top != DEFAULT_TOP:
        raise CliError("--top counts themes: add --themes")
    try:
        start, end = iso_week_bounds(week, zone) if week is not None else (None, None)
    except ValueError as error:
        raise CliError(f"--week: {error}") from None
    with open_session(settings) as session:
        event_id = None if event is None else event_by_code(session, event).id
        if flow is not None and latest_version_id(session.connection(), flow) is None:
            raise CliError(f"no form {flow!r}: see `feedback-admin flows list`")
        where = ResponseFilter(flow, event_id, start, end)
        if themes:
            result = comment_themes(session, where, language=lang, top=top)
            if format is CommentsFormat.JSON:
                write_themes_json(result, output)
            else:
                print_themes(result)
            return
        found_comments = iter_comments(session, where, language=lang)
        if format is CommentsFormat.TABLE:
            _print_table(found_comments, zone)
            return
        write = write_comments_csv if format is CommentsFormat.CSV else write_comments_json
        if output is None:
            count = write(found_comments, sys.stdout, zone)
        else:
            encoding = "utf-8-sig" if format is CommentsFormat.CSV else "utf-8"
            with output.open("w", encoding=encoding, newline="") as out:
                count = write(found_comments, out, zone)
            Console(stderr=True).print(f"{count} comments written to {escape(str(output))}")


def _check_theme_options(format: CommentsFormat, lang: str | None, top: int) -> None:
    if format is CommentsFormat.CSV:
        raise CliError("--themes shows as a table or --format json; csv is for the comments")
    if lang is not None and lang not in THEMED_LANGUAGES:
        raise CliError(f"--themes: themes are found in {', '.join(THEMED_LANGUAGES)}, not {lang}")
    if not 1 <= top <= 50:
        raise CliError(f"--top {top}: choose 1 to 50 themes per language")


def _print_table(found: Iterable[Comment], zone: ZoneInfo) -> None:
    """Every value escaped: citizens' text may hold [brackets] that Rich would read as markup."""
    table = Table(show_lines=True)
    for name in ("completed", "event", "form", "question", "lang"):
        table.add_column(name, no_wrap=True)
    table.add_column("text", overflow="fold", min_width=30)  # long texts wrap
    for comment in found:
        completed = iso_local(comment.completed_at, zone) or "unfinished"
        cells = (completed, comment.event_code, comment.flow_id, comment.question_id)
        table.add_row(*(escape(cell or "") for cell in (*cells, comment.language, comment.text)))
    console = Console(highlight=False)
    if table.row_count:
        console.print(table)
    else:
        console.print("No comments match: leave out --week, --lang or --event to see more.")
