"""``feedback-admin broadcast``: announce consultations and events to citizens who subscribed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlmodel import Session

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.times import parse_time
from civic_feedback.core.telegram_html import html_problems
from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.services.broadcasts import Progress as BroadcastProgress
from civic_feedback.services.broadcasts import (
    SegmentError,
    audience,
    cancel_broadcast,
    progress,
    queue_broadcast,
    recent_broadcasts,
)
from civic_feedback.settings import SUPPORTED_LANGUAGES, load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.events import find_event
from civic_feedback.storage.flow_versions import latest_version_id
from civic_feedback.storage.models import Broadcast, BroadcastState, utcnow

app = typer.Typer(
    help="Announcements to citizens: send, status, list, cancel.", no_args_is_help=True
)
console = Console(highlight=False)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text") from None


def _texts(default: str, text_file: Path, lang_text: list[str]) -> dict[str, str]:
    texts = {default: _read_text(text_file)}
    for item in lang_text:
        language, _, file = item.partition("=")
        if language not in SUPPORTED_LANGUAGES or not file:
            raise CliError(f"--lang-text {item!r}: write e.g. en=invite.en.md")
        texts[language] = _read_text(Path(file))
    problems = [
        f"{language}: {problem}"
        for language, text in texts.items()
        for problem in html_problems(text)
    ]
    if problems:
        raise CliError("the message is not valid Telegram HTML:\n" + "\n".join(problems))
    return texts


def _button(session: Session, spec: str | None) -> dict[str, str] | None:
    if spec is None:
        return None
    kind, _, value = spec.partition("=")
    if kind == "event" and find_event(session, value.strip().lower()) is not None:
        return {"event": value.strip().lower()}
    if kind == "form" and is_valid_flow_id(value) and latest_version_id(session, value):
        return {"form": value}
    raise CliError(f"--button {spec!r}: write event=CODE or form=FORM-ID of an existing one")


@app.command("send")
def send(
    text_file: Annotated[Path, typer.Option(help="The message (Telegram HTML), DEFAULT_LANGUAGE.")],
    segment: Annotated[
        str,
        typer.Option(
            help="all | municipality=NAME | language=bg | event=CODE | registered=CODE | "
            "responded=FORM"
        ),
    ],
    lang_text: Annotated[
        list[str] | None, typer.Option(help="The message in another language: en=invite.en.md")
    ] = None,
    button: Annotated[str | None, typer.Option(help="event=CODE or form=FORM-ID")] = None,
    at: Annotated[str | None, typer.Option(help='Send later: "2026-12-01 10:00".')] = None,
    dry_run: Annotated[bool, typer.Option(help="Count recipients and show the texts.")] = False,
) -> None:
    """Queue an announcement; the bot sends it at BROADCAST_RATE, each citizen once."""
    settings = load_settings()
    texts = _texts(settings.interface_language, text_file, lang_text or [])
    send_at = parse_time(at, settings.zone, "--at") if at else utcnow()
    with open_session(settings) as session:
        try:
            reach = audience(session, segment)
        except SegmentError as error:
            raise CliError(str(error)) from None
        chosen = _button(session, button)
        if dry_run:
            _preview(reach, texts, settings.interface_language)
            return
        actor = audit.cli_actor()
        broadcast = Broadcast(
            texts=texts, segment=segment.strip(), button=chosen, send_at=send_at, created_by=actor
        )
        total = queue_broadcast(session, broadcast)
        audit.record(
            session, actor, "broadcast", broadcast.segment, id=broadcast.id, recipients=total
        )
    when = "now" if at is None else f"at {send_at.astimezone(settings.zone):%Y-%m-%d %H:%M}"
    console.print(f"Broadcast {broadcast.id} queued for {total} citizens, sent {when}.")


def _preview(reach: dict[str, int], texts: dict[str, str], default: str) -> None:
    table = Table("language", "recipients", "gets the text in")
    for language, count in sorted(reach.items()):
        shown = language if language in texts else default
        table.add_row(language or "(not chosen)", str(count), shown)
    console.print(table)
    console.print(f"{sum(reach.values())} recipients in all. Nothing was queued (--dry-run).")
    for language, text in texts.items():
        console.print(f"\n[bold]{language}[/bold]\n{escape(text)}")


def _find(session: Session, broadcast_id: int) -> Broadcast:
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise CliError(f"no broadcast {broadcast_id}: see `feedback-admin broadcast list`")
    return broadcast


@app.command("status")
def status(
    broadcast_id: Annotated[int, typer.Argument(help="The broadcast's id.")],
    follow: Annotated[bool, typer.Option(help="Keep showing progress until it is done.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The counts as one JSON object.")] = False,
) -> None:
    """Sent, failed, unreachable and left, with a progress bar and an ETA."""
    settings = load_settings()
    with open_session(settings) as session:
        state = progress(session, _find(session, broadcast_id))
        if as_json:
            print(json.dumps(state.as_json()))
            return
        if not follow:
            _print_progress(state)
            return
        with Progress(
            TextColumn("broadcast {task.fields[id]}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[counts]}"),
            console=console,
        ) as bar:
            task = bar.add_task("", total=state.total or 1, id=broadcast_id, counts="")
            while True:
                done = state.total - state.left
                bar.update(task, completed=done, counts=_counts(state))
                if state.left == 0 or state.state == BroadcastState.CANCELLED:
                    break
                time.sleep(1)
                session.expire_all()
                state = progress(session, _find(session, broadcast_id))
    _print_progress(state)


def _counts(state: BroadcastProgress) -> str:
    return (
        f"sent {state.sent} · failed {state.failed} · unreachable {state.unreachable} · "
        f"left {state.left}"
    )


def _print_progress(state: BroadcastProgress) -> None:
    console.print(
        f"Broadcast {state.id} ({state.state}, {escape(state.segment)}): {_counts(state)}"
        f" of {state.total}"
    )


@app.command("list")
def list_command() -> None:
    """The latest broadcasts with their progress."""
    settings = load_settings()
    with open_session(settings) as session:
        rows = [progress(session, b) for b in recent_broadcasts(session)]
    table = Table(
        "id", "send at", "state", "segment", "total", "sent", "failed", "unreachable", "left"
    )
    for state in rows:
        table.add_row(
            str(state.id),
            f"{state.send_at.astimezone(settings.zone):%Y-%m-%d %H:%M}",
            state.state,
            escape(state.segment),
            *(
                str(n)
                for n in (state.total, state.sent, state.failed, state.unreachable, state.left)
            ),
        )
    console.print(table if rows else "No broadcasts yet.")


@app.command("cancel")
def cancel(broadcast_id: Annotated[int, typer.Argument(help="The broadcast's id.")]) -> None:
    """Stop a broadcast; messages already sent stay sent."""
    settings = load_settings()
    with open_session(settings) as session:
        broadcast = _find(session, broadcast_id)
        if broadcast.state in (BroadcastState.DONE, BroadcastState.CANCELLED):
            raise CliError(f"broadcast {broadcast_id} is already {broadcast.state}")
        audit.record(session, audit.cli_actor(), "broadcast_cancel", str(broadcast_id))
        stopped = cancel_broadcast(session, broadcast)
    console.print(f"Broadcast {broadcast_id} cancelled; {stopped} messages will not be sent.")
