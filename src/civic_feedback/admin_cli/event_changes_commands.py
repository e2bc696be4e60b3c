"""``feedback-admin events edit`` and ``events reschedule``: change an event after citizens
registered. What may change and who is told are the service's rules
(services/event_changes.py), which the bot and the staff console share; here the options
are read, the change is made in one transaction and written to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.events_commands import event_by_code, parse_reminders
from civic_feedback.admin_cli.times import parse_time
from civic_feedback.services.event_changes import (
    EventChanges,
    EventEdit,
    Places,
)
from civic_feedback.services.event_rules import EventRefusedError
from civic_feedback.services.registrations import Registrar
from civic_feedback.settings import Settings, load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.models import Event, utcnow

console = Console(highlight=False)

_EDIT_OPTIONS = (
    "--title, --title-en, --title-tr, --place, --capacity, --municipality or --reminders"
)


def edit(
    code: Annotated[str, typer.Argument(help="The event's code.")],
    title: Annotated[
        str | None, typer.Option(help="Title in DEFAULT_LANGUAGE (Bulgarian by default).")
    ] = None,
    title_en: Annotated[str | None, typer.Option(help="Title in English.")] = None,
    title_tr: Annotated[str | None, typer.Option(help="Title in Turkish.")] = None,
    place: Annotated[
        str | None, typer.Option(help="The new place: everyone registered or waiting is told.")
    ] = None,
    capacity: Annotated[
        str | None,
        typer.Option(
            metavar="N|none",
            help="Places (none: no limit). More places move the waiting list up; fewer than "
            "those who have one are refused.",
        ),
    ] = None,
    municipality: Annotated[str | None, typer.Option(help="One of MUNICIPALITIES.")] = None,
    reminders: Annotated[
        str | None, typer.Option(help="Before the start, e.g. 24h,1h (empty: none).")
    ] = None,
) -> None:
    """Change an event's titles, place, capacity, municipality or reminders."""
    settings = load_settings()
    titles = {
        language: text
        for language, text in (
            (settings.interface_language, title),
            ("en", title_en),
            ("tr", title_tr),
        )
        if text is not None
    }
    change = EventEdit(
        titles=titles,
        place=place,
        capacity=_capacity(capacity),
        municipality=municipality,
        reminder_offsets=None if reminders is None else parse_reminders(reminders),
    )
    if change == EventEdit():
        raise CliError(f"say what to change: {_EDIT_OPTIONS}")
    with open_session(settings) as session:
        event = event_by_code(session, code)
        try:
            edited = _event_changes(settings).edit(session, event, change, utcnow())
        except EventRefusedError as error:
            raise CliError(str(error)) from None
        if edited.changes:
            audit.record(
                session,
                audit.cli_actor(),
                "event_edit",
                event.code,
                changes=edited.changes,
                promoted=edited.promoted,
                told=edited.told,
            )
    if not edited.changes:
        console.print(f"Nothing to change: event {event.code} already has these details.")
        return
    console.print(f"Event {event.code} changed: {', '.join(edited.changes)}.")
    if edited.promoted:
        console.print(
            f"{edited.promoted} citizens moved up from the waiting list; "
            "they will be told in Telegram."
        )
    if "place" in edited.changes:
        console.print(f"{edited.told} citizens will be told of the new place in Telegram.")


def reschedule(
    code: Annotated[str, typer.Argument(help="The event's code.")],
    starts: Annotated[str, typer.Option(help='New start, e.g. "2026-12-10 18:00" (TIMEZONE).')],
    ends: Annotated[
        str | None, typer.Option(help="New end (default: it lasts as long as before).")
    ] = None,
) -> None:
    """Move an event to a new time: everyone registered or waiting is told once; reminders
    and the feedback invitation follow the new time."""
    settings = load_settings()
    zone = settings.zone
    starts_at = parse_time(starts, zone, "--starts")
    ends_at = None if ends is None else parse_time(ends, zone, "--ends")
    with open_session(settings) as session:
        event = event_by_code(session, code)
        before = audit.times(event.starts_at, event.ends_at)
        try:
            moved = _event_changes(settings).reschedule(
                session, event, starts_at, ends_at, utcnow()
            )
        except EventRefusedError as error:
            raise CliError(str(error)) from None
        if moved.moved:
            audit.record(
                session,
                audit.cli_actor(),
                "event_reschedule",
                event.code,
                before=before,
                after=audit.times(event.starts_at, event.ends_at),
                told=moved.told,
            )
    when = escape(_when(event, settings))
    if not moved.moved:
        console.print(f"Event {event.code} is at {when} already; nobody is told again.")
        return
    console.print(
        f"Event {event.code} moved to {when}; {moved.told} citizens will be told in Telegram."
    )


def _capacity(text: str | None) -> Places | None:
    if text is None:
        return None
    if text.strip().lower() == "none":
        return Places(None)
    try:
        return Places(int(text))
    except ValueError:
        raise CliError(
            f"--capacity {text!r} is not a number of places: write e.g. 40, or none for no limit"
        ) from None


def _event_changes(settings: Settings) -> EventChanges:
    return EventChanges(Registrar(settings.follow_up), tuple(settings.municipalities))


def _when(event: Event, settings: Settings) -> str:
    start: datetime = event.starts_at.astimezone(settings.zone)
    end: datetime = event.ends_at.astimezone(settings.zone)
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} ({settings.timezone})"
