"""``feedback-admin broadcast``: announce consultations and events to citizens who subscribed."""

from __future__ import annotations

import json
import time
from decimal import Decimal
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
from civic_feedback.core.paid_broadcasts import FREE_RATE, billed_messages
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.core.telegram_html import html_problems
from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.services.broadcasts import Progress as BroadcastProgress
from civic_feedback.services.broadcasts import (
    SegmentError,
    UncertainDelivery,
    audience,
    cancel_broadcast,
    progress,
    queue_broadcast,
    recent_broadcasts,
    resend_uncertain,
    uncertain_deliveries,
)
from civic_feedback.settings import SUPPORTED_LANGUAGES, Settings, load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.events import find_event
from civic_feedback.storage.flow_versions import latest_version_id
from civic_feedback.storage.models import Broadcast, BroadcastState, utcnow

app = typer.Typer(
    help="Announcements to citizens: send, status, list, cancel, resend-uncertain.",
    no_args_is_help=True,
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
    if (
        kind == "form"
        and is_valid_flow_id(value)
        and latest_version_id(session.connection(), value)
    ):
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
            _cost(sum(reach.values()), settings)
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


def _cost(recipients: int, settings: Settings) -> None:
    """How long sending takes, and what a paid broadcast costs in Telegram Stars."""
    rate = settings.broadcast_rate
    console.print(
        f"Sending takes {_about(recipients / rate)} at BROADCAST_RATE {rate:,g} a second."
    )
    if not settings.paid_broadcast:
        return
    price = settings.paid_broadcast_stars_per_message
    billed = billed_messages(recipients, rate)
    console.print(
        f"Paid broadcast (PAID_BROADCAST): about {_stars(billed * price)} Telegram Stars from "
        f"the bot's balance, {_stars(price)} for each of about {billed:,} messages beyond "
        f"Telegram's free {FREE_RATE} a second; at most {_stars(recipients * price)} if every "
        "message is billed."
    )


def _about(seconds: float) -> str:
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


def _stars(amount: Decimal) -> str:
    return f"{amount:,.1f}".removesuffix(".0")


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
    uncertain: Annotated[
        bool,
        typer.Option(
            "--uncertain", help="List the recipients who may have missed it (with --json too)."
        ),
    ] = False,
) -> None:
    """Sent, failed, unreachable, uncertain and left, with a progress bar and an ETA."""
    settings = load_settings()
    with open_session(settings) as session:
        broadcast = _find(session, broadcast_id)
        state = progress(session, broadcast, utcnow())
        if uncertain:
            rows = uncertain_deliveries(session, broadcast, utcnow())
            _print_uncertain(broadcast, rows, settings, as_json=as_json)
            return
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
                state = progress(session, _find(session, broadcast_id), utcnow())
    _print_progress(state)


def _counts(state: BroadcastProgress) -> str:
    return (
        f"sent {state.sent} · failed {state.failed} · unreachable {state.unreachable} · "
        f"uncertain {state.uncertain} · left {state.left}"
    )


def _print_progress(state: BroadcastProgress) -> None:
    console.print(
        f"Broadcast {state.id} ({state.state}, {escape(state.segment)}): {_counts(state)}"
        f" of {state.total}"
    )
    if state.uncertain:
        console.print(
            f"{state.uncertain} {_messages(state.uncertain)} may or may not have reached the "
            f"citizen: the bot stopped while sending them. `feedback-admin broadcast status "
            f"{state.id} --uncertain` lists them; `feedback-admin broadcast resend-uncertain "
            f"{state.id}` sends them again (a citizen may get it twice)."
        )


def _messages(count: int) -> str:
    return "message" if count == 1 else "messages"


def _print_uncertain(
    broadcast: Broadcast, rows: list[UncertainDelivery], settings: Settings, *, as_json: bool
) -> None:
    key = settings.require_pseudonym_key()
    listed = [
        {
            "recipient": pseudonym(key, row.telegram_id),
            "language": row.language,
            "claimed_at": row.claimed_at.isoformat() if row.claimed_at else None,
        }
        for row in rows
    ]
    if as_json:
        print(json.dumps(listed))
        return
    if not rows:
        console.print(f"Broadcast {broadcast.id} has no uncertain messages.")
        return
    table = Table("recipient (pseudonym)", "language", "claimed at")
    for row in rows:
        claimed = (
            f"{row.claimed_at.astimezone(settings.zone):%Y-%m-%d %H:%M:%S}"
            if row.claimed_at
            else "(not recorded)"
        )
        table.add_row(pseudonym(key, row.telegram_id), row.language or "", claimed)
    console.print(table)
    console.print(
        f"{len(rows)} uncertain {_messages(len(rows))}: the bot stopped between handing them "
        f"to Telegram and hearing back. `feedback-admin broadcast resend-uncertain "
        f"{broadcast.id}` sends them again."
    )


@app.command("list")
def list_command() -> None:
    """The latest broadcasts with their progress."""
    settings = load_settings()
    with open_session(settings) as session:
        now = utcnow()
        rows = [progress(session, b, now) for b in recent_broadcasts(session)]
    table = Table(
        "id",
        "send at",
        "state",
        "segment",
        "total",
        "sent",
        "failed",
        "unreachable",
        "uncertain",
        "left",
    )
    for state in rows:
        counts = (state.total, state.sent, state.failed, state.unreachable, state.uncertain)
        table.add_row(
            str(state.id),
            f"{state.send_at.astimezone(settings.zone):%Y-%m-%d %H:%M}",
            state.state,
            escape(state.segment),
            *(str(n) for n in (*counts, state.left)),
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


@app.command("resend-uncertain")
def resend_uncertain_command(
    broadcast_id: Annotated[int, typer.Argument(help="The broadcast's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Send the uncertain messages again: better a citizen gets it twice than not at all."""
    settings = load_settings()
    with open_session(settings) as session:
        broadcast = _find(session, broadcast_id)
        if broadcast.state == BroadcastState.CANCELLED:
            raise CliError(f"broadcast {broadcast_id} was cancelled: nothing is sent again")
        count = len(uncertain_deliveries(session, broadcast, utcnow()))
        if count == 0:
            console.print(f"Broadcast {broadcast_id} has no uncertain messages; nothing to send.")
            return
        question = (
            f"Send broadcast {broadcast_id} again to {count} "
            f"{'citizen' if count == 1 else 'citizens'} who may already have it?"
        )
        if not yes and not _confirmed(question):
            raise CliError("nothing was sent again (answer y, or pass --yes)")
        queued = resend_uncertain(session, broadcast, utcnow())
        audit.record(
            session, audit.cli_actor(), "broadcast_resend_uncertain", str(broadcast_id),
            messages=queued,
        )  # fmt: skip
    console.print(
        f"Broadcast {broadcast_id}: {queued} {_messages(queued)} queued again; the bot sends "
        "them at BROADCAST_RATE at its next round."
    )


def _confirmed(question: str) -> bool:
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:  # no answer (input closed)
        return False
