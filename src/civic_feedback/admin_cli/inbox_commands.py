"""``feedback-admin inbox``: citizens' messages to the municipality, from the command line.

Answers and closings are stored here and written to the audit log; the running bot relays
an answer to the citizen (within 15 seconds), exactly as an answer given in the staff group.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.inbox_files import describe, save_files
from civic_feedback.admin_cli.municipalities import known_municipality
from civic_feedback.reports.inbox_export import ExportedItem, write_csv, write_geojson
from civic_feedback.services.inbox import (
    ANSWER_LIMIT,
    Author,
    add_answer,
    close_item,
    find_items,
    first_texts,
    inbox_topics,
    thread,
    topic_text,
)
from civic_feedback.services.inbox_media import attachments_of
from civic_feedback.services.inbox_nearby import supporter_counts
from civic_feedback.services.inbox_status import StatusError, set_status
from civic_feedback.settings import Settings, load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import InboxAuthor, InboxItem, InboxStatus, utcnow

app = typer.Typer(
    help="Citizens' messages to the municipality: list, show, reply, status, close, export.",
    invoke_without_command=True,
)
console = Console(highlight=False)

_STATUSES = ", ".join(s.value for s in InboxStatus if s is not InboxStatus.DRAFT)


def _status(text: str | None) -> InboxStatus | None:
    if text is None:
        return None
    try:
        status = InboxStatus(text.strip().lower())
    except ValueError:
        status = InboxStatus.DRAFT
    if status is InboxStatus.DRAFT:
        raise CliError(f"unknown status {text!r}: choose {_STATUSES}")
    return status


def _item(session: Session, number: int) -> InboxItem:
    item = session.get(InboxItem, number)
    if item is None or item.status == InboxStatus.DRAFT:
        raise CliError(f"there is no message #{number}: see `feedback-admin inbox`")
    return item


def _local(moment: datetime, settings: Settings) -> str:
    return f"{moment.astimezone(settings.zone):%Y-%m-%d %H:%M}"


def _waiting(item: InboxItem, settings: Settings) -> str:
    """How long an item has waited for staff (new items only), and why when it cannot go."""
    if item.status != InboxStatus.NEW:
        return ""
    hours = (utcnow() - item.updated_at).total_seconds() / 3600
    waited = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"
    if settings.staff_group(item.municipality) is None:
        place = item.municipality or "no municipality"
        return f"{waited}: no staff group for {place}; add it to STAFF_CHATS"
    return waited


@app.callback()
def inbox(
    context: typer.Context,
    status: Annotated[str | None, typer.Option(help=f"Only these: {_STATUSES}.")] = None,
    municipality: Annotated[str | None, typer.Option(help="Only this municipality's.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only this topic (its id, e.g. other).")] = None,
) -> None:
    """List the messages, oldest first (`inbox show ID` for one with its answers)."""
    if context.invoked_subcommand is not None:
        return
    settings = load_settings()
    with open_session(settings) as session:
        place = known_municipality(settings, municipality)
        items = find_items(session, status=_status(status), municipality=place, topic=topic)
        texts = first_texts(session, [item.id or 0 for item in items])
        topics = inbox_topics(session, FlowCatalog())
    if not items:
        console.print("No messages match.")
        return
    language = settings.interface_language
    table = Table("#", "received", "municipality", "topic", "status", "waiting", "message")
    for item in items:
        text = texts.get(item.id or 0, "")
        table.add_row(
            str(item.id),
            _local(item.created_at, settings),
            escape(item.municipality or "—"),
            escape(topic_text(topics, item.topic, language)),
            item.status,
            _waiting(item, settings),
            escape(text if len(text) <= 60 else text[:59] + "…"),
        )
    console.print(table)


@app.command("show")
def show(
    number: Annotated[int, typer.Argument(help="The message's number (#).")],
    save: Annotated[
        Path | None,
        typer.Option("--save", help="Fetch its photos, files and voice notes into this folder."),
    ] = None,
) -> None:
    """One message with everything said since: who wrote, when, whether it arrived, and
    what came with it (photos, files, voice notes, the place)."""
    settings = load_settings()
    with open_session(settings) as session:
        item = _item(session, number)
        messages = thread(session, number)
        parts = {m.id: attachments_of(session, m.id or 0) for m in messages}
        topics = inbox_topics(session, FlowCatalog())
    topic = topic_text(topics, item.topic, settings.interface_language)
    console.print(
        f"[bold]#{item.id}[/bold] · {escape(item.municipality or '—')} · {escape(topic)} · "
        f"{item.status}" + (" · may be contacted" if item.contact_allowed else "")
    )
    for message in messages:
        who = {
            InboxAuthor.CITIZEN: "citizen",
            InboxAuthor.STATUS: f"status: {message.status}",
        }.get(InboxAuthor(message.author), f"staff: {message.staff_name or ''}")
        state = "" if message.state == "delivered" else f" ({message.state})"
        console.print(f"\n[dim]{_local(message.created_at, settings)} {escape(who)}{state}[/dim]")
        if message.text:
            console.print(escape(message.text))
        for part in parts[message.id]:
            console.print("  " + escape(describe(part)), soft_wrap=True)
    files = [p for found in parts.values() for p in found if p.file_id]
    if save is not None:
        saved = save_files(settings, files, save, number)
        console.print(f"\n{len(saved)} files saved in {save}.")


@app.command("reply")
def reply(
    number: Annotated[int, typer.Argument(help="The message's number (#).")],
    text: Annotated[str, typer.Option("--text", help="The answer the citizen gets.")],
) -> None:
    """Answer a message: the bot sends it to the citizen within 15 seconds."""
    if not text.strip():
        raise CliError('the answer is empty: write it with --text "..."')
    if len(text) > ANSWER_LIMIT:
        raise CliError(f"the answer is {len(text)} characters; keep it under {ANSWER_LIMIT}")
    settings = load_settings()
    with open_session(settings) as session:
        item = _item(session, number)
        if item.citizen_id is None:
            raise CliError(f"#{number} cannot be answered: its author erased their data")
        actor = audit.cli_actor()
        audit.record(session, actor, "inbox_answer", f"inbox:{number}")
        add_answer(session, item, text.strip(), Author(actor))
    console.print(f"Answer to #{number} stored; the bot sends it to the citizen.")


@app.command("status")
def status(
    number: Annotated[int, typer.Argument(help="The message's number (#).")],
    to: Annotated[
        str,
        typer.Argument(help="in_progress, resolved, not_ours or wont_do.", show_default=False),
    ],
    reason: Annotated[
        str | None,
        typer.Option(help="Where it went (not_ours) or why not (wont_do); shown to the citizen."),
    ] = None,
) -> None:
    """Move a message on: the citizen is told (and asked, once, whether it is resolved)."""
    try:
        chosen = InboxStatus(to.strip().lower())
    except ValueError:
        chosen = InboxStatus.DRAFT  # refused below, with the choices
    settings = load_settings()
    with open_session(settings) as session:
        item = _item(session, number)
        try:
            told = set_status(session, item, chosen, reason, utcnow())
        except StatusError as error:
            raise CliError(str(error)) from None
        audit.record(session, audit.cli_actor(), "inbox_status", f"inbox:{number}", to=chosen)
    who = "the citizen will be told" if told else "its author cannot be told (erased)"
    console.print(f"#{number} is {chosen.value}; {who}.")


class ExportFormat(StrEnum):
    CSV = "csv"
    GEOJSON = "geojson"


@app.command("export")
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    format: Annotated[
        ExportFormat, typer.Option("--format", help="csv (Excel) or geojson (GIS).")
    ] = ExportFormat.CSV,
    municipality: Annotated[str | None, typer.Option(help="Only this municipality's.")] = None,
    exact_locations: Annotated[
        bool,
        typer.Option(
            "--exact-locations", help="Places as sent, not rounded to about 100 m (personal data)."
        ),
    ] = False,
) -> None:
    """The messages for a GIS or Excel: status, topic, dates, +1 count and place."""
    settings = load_settings()
    with open_session(settings) as session:
        place = known_municipality(settings, municipality)
        found = find_items(session, municipality=place, limit=None)
        joined = supporter_counts(session, [item.id or 0 for item in found])
        rows = [
            ExportedItem(
                number=item.id or 0,
                status=item.status,
                topic=item.topic,
                municipality=item.municipality,
                received_at=item.created_at,
                resolved_at=item.resolved_at,
                supporters=joined.get(item.id or 0, 0),
                latitude=item.latitude,
                longitude=item.longitude,
            )
            for item in found
        ]
        audit.record(
            session, audit.cli_actor(), "inbox_export", str(output.name),
            exact_locations=exact_locations,
        )  # fmt: skip
    writer = write_geojson if format is ExportFormat.GEOJSON else write_csv
    encoding = "utf-8-sig" if format is ExportFormat.CSV else "utf-8"
    with output.open("w", encoding=encoding, newline="") as out:
        count = writer(rows, out, settings.zone, exact=exact_locations)
    where = "exact places" if exact_locations else "places rounded to about 100 m"
    console.print(f"{count} messages written to {output} ({where}).")


@app.command("close")
def close(number: Annotated[int, typer.Argument(help="The message's number (#).")]) -> None:
    """Nothing more to do; if the citizen writes again it opens again."""
    settings = load_settings()
    with open_session(settings) as session:
        item = _item(session, number)
        audit.record(session, audit.cli_actor(), "inbox_close", f"inbox:{number}")
        close_item(session, item)
    console.print(f"#{number} is closed.")
