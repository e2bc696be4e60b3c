"""``feedback-admin flows``: validate, publish, list, open, close and try out forms."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.preview import run_preview
from civic_feedback.admin_cli.times import parse_window_bound
from civic_feedback.core.form_windows import FormWindow, WindowState, on_the_clock
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.loader import FlowFileError, FlowFileProblem, load_flow_file
from civic_feedback.flows.schema import Flow, text_in
from civic_feedback.services.forms import (
    ClosesBeforeOpensError,
    UnknownFormError,
    close_form,
    open_form,
    publish_form,
    window_to_publish,
)
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.flow_versions import FlowCatalog, latest_version, list_forms
from civic_feedback.storage.models import utcnow

app = typer.Typer(
    help="Forms (flow files): validate, publish, list, open, close, preview.",
    no_args_is_help=True,
)
console = Console(highlight=False)

Files = Annotated[list[Path], typer.Argument(help="Flow files (YAML).", show_default=False)]
FormId = Annotated[str, typer.Argument(help="The form's id, as `flows list` shows it.")]


def _load_all(files: list[Path], zone: tzinfo) -> tuple[list[Flow], list[FlowFileProblem]]:
    flows: list[Flow] = []
    problems: list[FlowFileProblem] = []
    for path in files:
        try:
            flows.append(load_flow_file(path, zone=zone))
        except FlowFileError as error:
            problems += error.problems
    return flows, problems


@app.command("validate")
def validate(files: Files) -> None:
    """Check flow files and list every problem as file:line: path: message."""
    flows, problems = _load_all(files, load_settings().zone)
    for flow in flows:
        console.print(f"[green]ok[/green] {escape(flow.id)}: {len(flow.questions)} questions")
    if problems:
        raise FlowFileError(problems)


@app.command("publish")
def publish(
    files: Files,
    unlisted: Annotated[
        bool, typer.Option(help="Do not offer new forms in /feedback (event forms).")
    ] = False,
    opens: Annotated[
        str | None,
        typer.Option(help='Open from "2026-12-03 18:00" or a day (TIMEZONE); overrides opens:.'),
    ] = None,
    closes: Annotated[
        str | None,
        typer.Option(help='Close at "2026-12-05 12:00" or the end of a day; overrides closes:.'),
    ] = None,
) -> None:
    """Publish flow files; a new version only when the content changed. A file or option
    that says when the form opens or closes sets the form's window (no new version)."""
    settings = load_settings()
    zone = settings.zone
    flows, problems = _load_all(files, zone)
    if problems:
        raise FlowFileError(problems)  # nothing is published unless every file is valid
    opens_at = parse_window_bound(opens, zone, "--opens", closing=False) if opens else None
    closes_at = parse_window_bound(closes, zone, "--closes", closing=True) if closes else None
    windows = [_window_to_publish(flow, opens_at, closes_at, zone) for flow in flows]
    with open_session(settings) as session:
        for flow, window in zip(flows, windows, strict=True):
            done = publish_form(
                session, flow, audit.cli_actor(), window=window, listed=not unlisted
            )
            state = "published" if done.published.created else "unchanged"
            console.print(f"{escape(flow.id)} version {done.published.version} ({state})")
            if done.window is not None:
                console.print(f"  {escape(flow.id)} {_describe(done.window, zone)}")


def _window_to_publish(
    flow: Flow, opens_at: datetime | None, closes_at: datetime | None, zone: tzinfo
) -> FormWindow | None:
    """The window the form gets (the options over the file's keys), or a one-line refusal."""
    try:
        return window_to_publish(flow, opens_at, closes_at)
    except ClosesBeforeOpensError as refused:
        raise CliError(
            f"{flow.id} would close ({_moment(refused.closes, zone, closing=True)}) "
            f"before it opens ({_moment(refused.opens, zone, closing=False)})"
        ) from None


@app.command("list")
def list_command() -> None:
    """The published forms with their latest version, response counts and whether they are
    open now."""
    settings = load_settings()
    with open_session(settings) as session:
        forms = list_forms(session)
    now = utcnow()
    table = Table("form", "version", "in /feedback", "responses", "published (UTC)", "open")
    for form in forms:
        table.add_row(
            form.flow_id,
            str(form.version),
            "yes" if form.listed else "no",
            str(form.responses),
            form.published_at,
            _window_cell(form.window, now, settings.zone),
        )
    console.print(table if forms else "No forms are published yet.")


@app.command("close")
def close(
    flow_id: FormId,
    at: Annotated[
        str | None,
        typer.Option(help='From when: "2026-12-05 12:00" or the end of a day (TIMEZONE).'),
    ] = None,
) -> None:
    """Close a form now (or --at a time, past or future): /feedback no longer offers it, its
    links say it is closed; citizens in the middle of it keep what they answered."""
    settings = load_settings()
    now = utcnow()
    closes_at = parse_window_bound(at, settings.zone, "--at", closing=True) if at else now
    try:
        with open_session(settings) as session:
            close_form(session, flow_id, closes_at, now, audit.cli_actor())
    except ClosesBeforeOpensError as refused:
        opening = _moment(refused.opens, settings.zone, closing=False)
        raise CliError(
            f"{flow_id} opens at {opening}, after --at: it would never open; "
            "choose a later time, or close it now"
        ) from None
    except UnknownFormError:
        raise _no_form(flow_id) from None
    when = _moment(closes_at, settings.zone, closing=True)
    if closes_at <= now:
        console.print(f"{flow_id} is closed since {when} ({settings.timezone}).")
    else:
        console.print(f"{flow_id} closes at {when} ({settings.timezone}).")


@app.command("open")
def open_command(flow_id: FormId) -> None:
    """Open a form now: a closing already past and an opening still ahead are dropped; a
    closing still ahead stays."""
    settings = load_settings()
    now = utcnow()
    try:
        with open_session(settings) as session:
            opened = open_form(session, flow_id, now, audit.cli_actor())
    except UnknownFormError:
        raise _no_form(flow_id) from None
    until = opened.closes_at
    if until is None:
        console.print(f"{flow_id} is open now, with no closing time.")
    else:
        when = _moment(until, settings.zone, closing=True)
        console.print(f"{flow_id} is open now, until {when} ({settings.timezone}).")


def _no_form(flow_id: str) -> CliError:
    return CliError(f"no form {flow_id!r}: see `feedback-admin flows list`")


def _moment(moment: datetime, zone: tzinfo, *, closing: bool, year: bool = True) -> str:
    """``05.12.2026 12:00`` in ``zone``; a closing at the end of a day reads 24:00."""
    day, clock = on_the_clock(moment, zone, closing=closing)
    return f"{day:%d.%m.%Y} {clock}" if year else f"{day:%d.%m} {clock}"


def _describe(window: FormWindow, zone: ZoneInfo) -> str:
    parts = []
    if window.opens_at is not None:
        parts.append(f"opens {_moment(window.opens_at, zone, closing=False)}")
    if window.closes_at is not None:
        parts.append(f"closes {_moment(window.closes_at, zone, closing=True)}")
    return ", ".join(parts) + f" ({zone.key})"


def _window_cell(window: FormWindow, now: datetime, zone: tzinfo) -> str:
    """ "open", "open until 05.12 12:00", "opens 03.12 18:00" or "closed 05.12 12:00"."""
    status = window.status(now)
    if status.state is WindowState.NOT_YET_OPEN and status.at is not None:
        return f"opens {_moment(status.at, zone, closing=False, year=False)}"
    if status.state is WindowState.CLOSED and status.at is not None:
        return f"closed {_moment(status.at, zone, closing=True, year=False)}"
    if status.at is not None:
        return f"open until {_moment(status.at, zone, closing=True, year=False)}"
    return "open"


@app.command("preview")
def preview(
    flow_id: Annotated[str, typer.Argument(help="A published form or a built-in one.")],
    lang: Annotated[str, typer.Option("--lang", help="Language to show: bg, en or tr.")] = "bg",
) -> None:
    """Answer a form in the terminal with the bot's own engine; nothing is stored."""
    flow = _find_flow(flow_id)
    if lang not in flow.languages:
        raise CliError(
            f"{flow_id} has no {lang!r} texts; choose one of {', '.join(flow.languages)}"
        )
    console.print(f"[bold]{escape(text_in(flow.title, lang, flow.languages[0]))}[/bold]")
    run_preview(flow, lang, console)


def _find_flow(flow_id: str) -> Flow:
    settings = load_settings()
    try:
        with open_session(settings, set_up_empty=False) as session:
            version = latest_version(session, flow_id)
            if version is not None and version.id is not None:
                return FlowCatalog().flow(session.connection(), version.id)
    except CliError:
        pass  # no database yet: the built-in forms can still be previewed
    for flow in library_flows():
        if flow.id == flow_id:
            return flow
    raise _no_form(flow_id)
