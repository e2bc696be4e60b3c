"""``feedback-admin events``: add, list, show, cancel, and print the QR posters (edit,
reschedule: event_changes_commands.py; attendance: attendance_command.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session, col, select

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.telegram_identity import bot_username
from civic_feedback.admin_cli.times import parse_time
from civic_feedback.core.durations import format_duration, parse_offsets
from civic_feedback.core.event_schedule import DEFAULT_REMINDERS
from civic_feedback.reports.event_posters import EventLink, event_link, write_event_poster
from civic_feedback.reports.posters import POSTER_FORMATS
from civic_feedback.services.event_rules import EventRefusedError
from civic_feedback.services.new_events import DEFAULT_FORM, NewEvent, add_new_event
from civic_feedback.services.registrations import Registrar
from civic_feedback.settings import Settings, load_settings
from civic_feedback.storage.events import (
    find_event,
    registration_counts,
    upcoming_events,
)
from civic_feedback.storage.models import Event, EventKind, utcnow

app = typer.Typer(
    help="Public events: add, edit, reschedule, list, show, cancel, QR posters, attendance.",
    no_args_is_help=True,
)
console = Console(highlight=False)


def parse_reminders(text: str) -> list[int]:
    try:
        return parse_offsets(text)
    except ValueError as error:
        raise CliError(f"--reminders: {error}") from None


@app.command("add")
def add(
    title: Annotated[str, typer.Option(help="Title in DEFAULT_LANGUAGE (Bulgarian by default).")],
    kind: Annotated[EventKind, typer.Option(help="What kind of event.")],
    starts: Annotated[str, typer.Option(help='Start, e.g. "2026-12-03 18:00" (TIMEZONE).')],
    ends: Annotated[str, typer.Option(help='End, e.g. "2026-12-03 20:00".')],
    place: Annotated[str, typer.Option(help="Where: address or hall.")] = "",
    municipality: Annotated[str | None, typer.Option(help="One of MUNICIPALITIES.")] = None,
    capacity: Annotated[
        int | None, typer.Option(min=1, help="Places; then a waiting list.")
    ] = None,
    flow: Annotated[str, typer.Option(help="The feedback form.")] = DEFAULT_FORM,
    reminders: Annotated[
        str, typer.Option(help="Before the start, e.g. 24h,1h (empty: none).")
    ] = ",".join(format_duration(r) for r in DEFAULT_REMINDERS),
    description: Annotated[str | None, typer.Option(help="Description (DEFAULT_LANGUAGE).")] = None,
    title_en: Annotated[str | None, typer.Option(help="Title in English.")] = None,
    title_tr: Annotated[str | None, typer.Option(help="Title in Turkish.")] = None,
    description_en: Annotated[str | None, typer.Option(help="Description in English.")] = None,
    description_tr: Annotated[str | None, typer.Option(help="Description in Turkish.")] = None,
    map_url: Annotated[str | None, typer.Option(help="A map link for the place.")] = None,
) -> None:
    """Add a public event; prints its code and the links for posters."""
    settings = load_settings()
    zone = settings.zone
    default = settings.interface_language
    new = NewEvent(
        titles={default: title, "en": title_en, "tr": title_tr},
        kind=kind,
        starts_at=parse_time(starts, zone, "--starts"),
        ends_at=parse_time(ends, zone, "--ends"),
        place=place,
        municipality=municipality,
        capacity=capacity,
        flow_id=flow,
        reminder_offsets=parse_reminders(reminders),
        descriptions={default: description, "en": description_en, "tr": description_tr},
        map_url=map_url,
    )
    with open_session(settings) as session:
        try:
            event = add_new_event(session, new, settings.municipalities)
        except EventRefusedError as error:
            raise CliError(str(error)) from None
    console.print(f"Event [bold]{event.code}[/bold] added: {escape(title)}")
    console.print("Links: run `feedback-admin events show " + event.code + "`")


@app.command("list")
def list_command(
    upcoming: Annotated[bool, typer.Option(help="Only events that have not ended.")] = False,
    municipality: Annotated[str | None, typer.Option(help="Only this municipality.")] = None,
) -> None:
    """Events with their registrations and attendance."""
    settings = load_settings()
    with open_session(settings) as session:
        if upcoming:
            events = upcoming_events(session, utcnow(), municipality=municipality)
        else:
            events = _all_events(session, municipality)
        now = utcnow()
        rows = [(event, registration_counts(session, event, now)) for event in events]
    table = Table(
        "code",
        "starts",
        "title",
        "kind",
        "municipality",
        "registered",
        "waiting",
        "attended",
        "state",
    )
    for event, counts in rows:
        table.add_row(
            event.code,
            f"{event.starts_at.astimezone(settings.zone):%Y-%m-%d %H:%M}",
            escape(_title(event, settings)),
            event.kind,
            escape(event.municipality or ""),
            str(counts.registered + counts.attended),
            str(counts.waitlisted),
            str(counts.attended),
            event.state,
        )
    console.print(table if rows else "No events.")


def _all_events(session: Session, municipality: str | None) -> list[Event]:
    statement = select(Event).order_by(col(Event.starts_at))
    if municipality:
        statement = statement.where(Event.municipality == municipality)
    return list(session.exec(statement))


def _title(event: Event, settings: Settings) -> str:
    return event.title.get(settings.interface_language) or next(iter(event.title.values()), "")


def event_by_code(session: Session, code: str) -> Event:
    """The event with this code, or a CliError that says where to find the codes."""
    event = find_event(session, code.strip().lower())
    if event is None:
        raise CliError(f"no event {code!r}: see `feedback-admin events list`")
    return event


@app.command("show")
def show(code: Annotated[str, typer.Argument(help="The event's code.")]) -> None:
    """Details, counts (missed reminders included) and the three links for posters."""
    settings = load_settings()
    with open_session(settings) as session:
        event = event_by_code(session, code)
        counts = registration_counts(session, event, utcnow())
    zone = settings.zone
    table = Table(show_header=False)
    for language, title in event.title.items():
        table.add_row(f"title ({language})", escape(title))
    table.add_row("kind", event.kind)
    table.add_row("state", event.state)
    table.add_row("municipality", escape(event.municipality or "—"))
    table.add_row(
        "when",
        f"{event.starts_at.astimezone(zone):%Y-%m-%d %H:%M} – "
        f"{event.ends_at.astimezone(zone):%Y-%m-%d %H:%M} ({settings.timezone})",
    )
    table.add_row("place", escape(event.place or "—"))
    table.add_row("capacity", str(event.capacity or "no limit"))
    table.add_row("feedback form", event.flow_id)
    offsets = (format_duration(timedelta(seconds=s)) for s in event.reminder_offsets)
    reminders = ", ".join(offsets) or "none"
    table.add_row("reminders before start", reminders)
    table.add_row(
        "registered / waiting / attended",
        f"{counts.registered + counts.attended} / {counts.waitlisted} / {counts.attended}",
    )
    table.add_row(
        "reminders sent / missed / uncertain",
        f"{counts.reminders_sent} / {counts.reminders_missed} / {counts.reminders_uncertain}",
    )
    table.add_row(
        "feedback invitations sent / uncertain",
        f"{counts.invitations_sent} / {counts.invitations_uncertain}",
    )
    console.print(table)
    if counts.reminders_uncertain or counts.invitations_uncertain:
        console.print(
            "Uncertain: the bot stopped while handing these to Telegram; they may or may not "
            "have arrived, and are not sent again."
        )
    username = bot_username(settings)
    for link in EventLink:  # whole lines: a link must never be cut to fit a column
        console.print(f"{link + ':':10} {event_link(username, event.code, link)}", soft_wrap=True)


@app.command("cancel")
def cancel(code: Annotated[str, typer.Argument(help="The event's code.")]) -> None:
    """Cancel an event: registered citizens are told, nothing more is sent about it."""
    settings = load_settings()
    with open_session(settings) as session:
        event = event_by_code(session, code)
        try:
            told = Registrar(settings.follow_up).cancel_event(session, event, utcnow())
        except EventRefusedError as error:
            raise CliError(str(error)) from None
    console.print(f"Event {event.code} cancelled; {told} citizens will be told in Telegram.")


@app.command("qr")
def qr(
    code: Annotated[str, typer.Argument(help="The event's code.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="poster.png, .svg or .pdf")],
    what: Annotated[EventLink, typer.Option(help="Which link the code opens.")] = EventLink.CARD,
) -> None:
    """A printable QR code with the event title underneath."""
    if output.suffix.lower() not in POSTER_FORMATS:
        raise CliError(f"-o must end in {', '.join(POSTER_FORMATS)}")
    settings = load_settings()
    with open_session(settings) as session:
        event = event_by_code(session, code)
    link = write_event_poster(
        event,
        what,
        username=bot_username(settings),
        language=settings.interface_language,
        zone=settings.zone,
        path=output,
    )
    console.print(f"Poster written to {output} ({link})")
