"""The console's changes to events: add one, edit it, reschedule it, cancel it.

Each reads the page's JSON, makes one call to the service ``feedback-admin`` calls (so the
same checks hold and the same citizens are told, once, through the notification queue), and
records the audit entry under the staff member's pseudonym (``by: console``) in the same
transaction. What the page sent wrong is an EventInputError; what the service refuses is its
EventRefusedError; either changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.events import event_in_scope, may_choose_municipality
from civic_feedback.core.durations import parse_offsets
from civic_feedback.core.local_times import local_time_text, parse_local_time
from civic_feedback.services.event_changes import EventChanges, EventEdit, Places
from civic_feedback.services.new_events import DEFAULT_REMINDER_OFFSETS, NewEvent, add_new_event
from civic_feedback.services.registrations import Registrar
from civic_feedback.settings import Settings
from civic_feedback.storage import audit
from civic_feedback.storage.models import EventKind


class EventInputError(ValueError):
    """What the page sent, refused before any change; ``code`` is what the page says, and
    ``forbidden`` marks what this person may not do at all (403, not 422)."""

    def __init__(self, code: str, *, forbidden: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.forbidden = forbidden


def add_event_from(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    key: bytes,
    body: Any,
) -> dict[str, Any]:
    """A new event from the page's form: in the staff member's municipality, or the one an
    admin chose; reminders 24h and 1h before unless the form says otherwise."""
    form = _object(body)
    zone = settings.zone
    kind = form.get("kind")
    if kind not in {k.value for k in EventKind}:
        raise EventInputError("malformed")
    reminders = form.get("reminders")
    new = NewEvent(
        titles=_titles(form.get("titles"), settings),
        kind=EventKind(kind),
        starts_at=_time(form.get("starts"), zone, "starts_not_a_time"),
        ends_at=_time(form.get("ends"), zone, "ends_not_a_time"),
        place=_text(form.get("place", "")),
        municipality=_municipality(form, access),
        capacity=_capacity(form.get("capacity")),
        reminder_offsets=DEFAULT_REMINDER_OFFSETS if reminders is None else _offsets(reminders),
    )
    event = add_new_event(session, new, settings.municipalities)
    audit.record(
        session,
        audit.telegram_actor(key, access.telegram_id),
        "event_add",
        event.code,
        kind=event.kind,
        times=audit.times(event.starts_at, event.ends_at),
        municipality=event.municipality,
        by="console",
    )
    return {"code": event.code}


def edit_event(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    key: bytes,
    code: str,
    body: Any,
    now: datetime,
) -> dict[str, Any] | None:
    """Change what the page sent (titles, place, capacity, reminders; the municipality for
    admins); None when the event does not exist for this person."""
    event = event_in_scope(session, access, code)
    if event is None:
        return None
    form = _object(body)
    municipality = None
    if "municipality" in form:
        municipality = _text(form["municipality"])
        if municipality != event.municipality and not may_choose_municipality(access):
            raise EventInputError("not_allowed", forbidden=True)
    change = EventEdit(
        titles=_titles(form["titles"], settings) if "titles" in form else {},
        place=_text(form["place"]) if "place" in form else None,
        capacity=Places(_capacity(form["capacity"])) if "capacity" in form else None,
        municipality=municipality,
        reminder_offsets=_offsets(form["reminders"]) if "reminders" in form else None,
    )
    edited = _event_changes(settings).edit(session, event, change, now)
    if edited.changes:
        audit.record(
            session,
            audit.telegram_actor(key, access.telegram_id),
            "event_edit",
            event.code,
            changes=edited.changes,
            promoted=edited.promoted,
            told=edited.told,
            by="console",
        )
    return {"changes": sorted(edited.changes), "promoted": edited.promoted, "told": edited.told}


def reschedule_event(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    key: bytes,
    code: str,
    body: Any,
    now: datetime,
) -> dict[str, Any] | None:
    """Move the event to the page's ``starts`` (and ``ends``; none: as long as before);
    everyone registered or waiting is told once. None when it does not exist for them."""
    event = event_in_scope(session, access, code)
    if event is None:
        return None
    form, zone = _object(body), settings.zone
    starts_at = _time(form.get("starts"), zone, "starts_not_a_time")
    ends = form.get("ends")
    no_end = ends is None or (isinstance(ends, str) and not ends.strip())
    ends_at = None if no_end else _time(ends, zone, "ends_not_a_time")
    before = audit.times(event.starts_at, event.ends_at)
    moved = _event_changes(settings).reschedule(session, event, starts_at, ends_at, now)
    if moved.moved:
        audit.record(
            session,
            audit.telegram_actor(key, access.telegram_id),
            "event_reschedule",
            event.code,
            before=before,
            after=audit.times(event.starts_at, event.ends_at),
            told=moved.told,
            by="console",
        )
    return {
        "moved": moved.moved,
        "told": moved.told,
        "starts": local_time_text(event.starts_at, zone),
        "ends": local_time_text(event.ends_at, zone),
    }


def cancel_event(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    key: bytes,
    code: str,
    body: Any,
    now: datetime,
) -> dict[str, Any] | None:
    """Cancel the event (the page asked first); everyone registered or waiting is told.
    None when it does not exist for this person."""
    event = event_in_scope(session, access, code)
    if event is None:
        return None
    _object(body)
    told = Registrar(settings.follow_up).cancel_event(session, event, now)
    audit.record(
        session,
        audit.telegram_actor(key, access.telegram_id),
        "event_cancel",
        event.code,
        told=told,
        by="console",
    )
    return {"told": told}


def _event_changes(settings: Settings) -> EventChanges:
    return EventChanges(Registrar(settings.follow_up), tuple(settings.municipalities))


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise EventInputError("malformed")
    return body


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise EventInputError("malformed")
    return value


def _titles(value: Any, settings: Settings) -> dict[str, str]:
    """Titles by language, in the languages the deployment offers."""
    if not isinstance(value, dict) or not set(value) <= set(settings.languages):
        raise EventInputError("malformed")
    return {language: _text(title) for language, title in value.items()}


def _time(value: Any, zone: ZoneInfo, code: str) -> datetime:
    try:
        return parse_local_time(_text(value), zone)
    except ValueError:
        raise EventInputError(code) from None


def _capacity(value: Any) -> int | None:
    """A number of places, or None: no limit."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventInputError("capacity_not_a_number")
    return value


def _offsets(value: Any) -> list[int]:
    try:
        return parse_offsets(_text(value))
    except ValueError:
        raise EventInputError("bad_reminders") from None


def _municipality(form: dict[str, Any], access: StaffAccess) -> str | None:
    """An admin's choice (none: no municipality); everyone else adds to their own."""
    chosen = form.get("municipality")
    if chosen is not None and not isinstance(chosen, str):
        raise EventInputError("malformed")
    if may_choose_municipality(access):
        return chosen or None
    if chosen and chosen != access.municipality:
        raise EventInputError("not_allowed", forbidden=True)
    return access.municipality
