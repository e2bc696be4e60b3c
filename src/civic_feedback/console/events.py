"""The console's events as the staff member may see them: their municipality's (every one for
admins and roles granted without one), found by title and by upcoming or past, and one event
with its figures and its three links. Times read as ``2026-12-10 18:00`` in TIMEZONE."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from civic_feedback.console.access import StaffAccess
from civic_feedback.core.durations import format_duration
from civic_feedback.core.local_times import local_time_text
from civic_feedback.flows.schema import in_language
from civic_feedback.reports.event_posters import EventLink, event_link
from civic_feedback.services.new_events import DEFAULT_REMINDER_OFFSETS
from civic_feedback.settings import Settings
from civic_feedback.storage.attendance import Attendance, EventChoice, attendance
from civic_feedback.storage.events import find_event
from civic_feedback.storage.models import Event, EventKind, EventState, Role
from civic_feedback.storage.roles import Permission, may

LISTED = 50  # events on the page at once; a search finds the others
SEARCH_LIMIT = 200  # characters of a search


def event_in_scope(session: Session, access: StaffAccess, code: str) -> Event | None:
    """The event with ``code`` if the staff member may see it: one of another municipality
    is as good as unknown to them."""
    event = find_event(session, code.strip().lower())
    if event is None or access.municipality not in (None, event.municipality):
        return None
    return event


def may_choose_municipality(access: StaffAccess) -> bool:
    """Admins who see every municipality place an event in one; others add to their own."""
    return access.role is Role.ADMIN and access.municipality is None


def event_list(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    now: datetime,
    *,
    search: str = "",
    past: bool = False,
) -> dict[str, Any]:
    """Events not over yet (soonest first) or over (latest first) whose title in any
    language holds ``search``, with what the page needs to add one."""
    statement = select(Event)
    if access.municipality is not None:
        statement = statement.where(Event.municipality == access.municipality)
    if past:
        statement = statement.where(col(Event.ends_at) <= now)
        statement = statement.order_by(col(Event.starts_at).desc(), col(Event.id).desc())
    else:
        statement = statement.where(col(Event.ends_at) > now)
        statement = statement.order_by(col(Event.starts_at), col(Event.id))
    wanted = search.strip().casefold()[:SEARCH_LIMIT]
    found = [
        event
        for event in session.exec(statement)
        if not wanted or any(wanted in title.casefold() for title in event.title.values())
    ]
    figures = _figures(session, found[:LISTED])
    return {
        "events": [
            _summary(event, figures[event.code], access.language, settings)
            for event in found[:LISTED]
        ],
        "more": len(found) > LISTED,
        "search": search,
        "past": past,
        "may_change": may(access.role, Permission.EVENTS),
        "may_choose_municipality": may_choose_municipality(access),
        "municipalities": list(settings.municipalities),
        "languages": _title_languages(settings),
        "kinds": [kind.value for kind in EventKind],
        "reminders": _reminders(DEFAULT_REMINDER_OFFSETS),
        "timezone": settings.timezone,
    }


def event_detail(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    code: str,
    now: datetime,
    username: str | None,
) -> dict[str, Any] | None:
    """One event, its figures and its links (None without the bot's username); None when it
    does not exist for this person."""
    event = event_in_scope(session, access, code)
    if event is None:
        return None
    figures = _figures(session, [event])[event.code]
    return {
        **_summary(event, figures, access.language, settings),
        "titles": event.title,
        "ends": local_time_text(event.ends_at, settings.zone),
        "over": event.ends_at <= now,
        "reminders": _reminders(event.reminder_offsets),
        "responses": figures.responses,
        "links": None
        if username is None
        else {link.value: event_link(username, event.code, link) for link in EventLink},
        "timezone": settings.timezone,
        "languages": _title_languages(settings),
        "municipalities": list(settings.municipalities),
        "may_change": may(access.role, Permission.EVENTS),
        "may_choose_municipality": may_choose_municipality(access),
    }


def _summary(
    event: Event, figures: Attendance, language: str, settings: Settings
) -> dict[str, Any]:
    return {
        "code": event.code,
        "title": in_language(event.title, language),
        "kind": event.kind,
        "cancelled": event.state == EventState.CANCELLED,
        "municipality": event.municipality,
        "starts": local_time_text(event.starts_at, settings.zone),
        "place": event.place,
        "capacity": event.capacity,
        "registered": figures.registered,
        "waiting": figures.waitlisted,
        "checked_in": figures.checked_in,
    }


def _figures(session: Session, events: list[Event]) -> dict[str, Attendance]:
    """Each event's figures, in a few queries however many events there are."""
    if not events:
        return {}
    rows = attendance(session, EventChoice(codes=[event.code for event in events]))
    return {row.event.code: row for row in rows}


def _reminders(offsets: Iterable[int]) -> str:
    """Offsets as organizers write them: ``24h, 1h`` (empty: none)."""
    return ", ".join(format_duration(timedelta(seconds=offset)) for offset in offsets)


def _title_languages(settings: Settings) -> list[str]:
    """The languages an event's title is written in, the deployment's own first."""
    default = settings.interface_language
    return [default, *(code for code in settings.languages if code != default)]
