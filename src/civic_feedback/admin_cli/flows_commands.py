"""``feedback-admin flows``: validate, publish, list and try out forms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.preview import run_preview
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.loader import FlowFileError, FlowFileProblem, load_flow_file
from civic_feedback.flows.schema import Flow, text_in
from civic_feedback.settings import load_settings
from civic_feedback.storage.flow_versions import (
    FlowCatalog,
    latest_version,
    list_forms,
    publish_flow,
)

app = typer.Typer(
    help="Forms (flow files): validate, publish, list, preview.", no_args_is_help=True
)
console = Console(highlight=False)

Files = Annotated[list[Path], typer.Argument(help="Flow files (YAML).", show_default=False)]


def _load_all(files: list[Path]) -> tuple[list[Flow], list[FlowFileProblem]]:
    flows: list[Flow] = []
    problems: list[FlowFileProblem] = []
    for path in files:
        try:
            flows.append(load_flow_file(path))
        except FlowFileError as error:
            problems += error.problems
    return flows, problems


@app.command("validate")
def validate(files: Files) -> None:
    """Check flow files and list every problem as file:line: path: message."""
    flows, problems = _load_all(files)
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
) -> None:
    """Publish flow files; a new version only when the content changed."""
    flows, problems = _load_all(files)
    if problems:
        raise FlowFileError(problems)  # nothing is published unless every file is valid
    with open_session(load_settings()) as session:
        for flow in flows:
            published = publish_flow(session, flow, listed=not unlisted)
            state = "published" if published.created else "unchanged"
            console.print(f"{escape(flow.id)} version {published.version} ({state})")


@app.command("list")
def list_command() -> None:
    """The published forms with their latest version and response counts."""
    with open_session(load_settings()) as session:
        forms = list_forms(session)
    table = Table("form", "version", "in /feedback", "responses", "published (UTC)")
    for form in forms:
        table.add_row(
            form.flow_id,
            str(form.version),
            "yes" if form.listed else "no",
            str(form.responses),
            form.published_at,
        )
    console.print(table if forms else "No forms are published yet.")


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
                return FlowCatalog().flow(session, version.id)
    except CliError:
        pass  # no database yet: the built-in forms can still be previewed
    for flow in library_flows():
        if flow.id == flow_id:
            return flow
    raise CliError(f"no form {flow_id!r}: see `feedback-admin flows list`")
