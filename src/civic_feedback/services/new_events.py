"""Adding an event: the checks and defaults ``feedback-admin events add`` and the staff
console share. It writes in the caller's transaction and never commits."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from civic_feedback.core.event_schedule import DEFAULT_REMINDERS
from civic_feedback.services.event_rules import (
    EventProblem,
    EventRefusedError,
    check_capacity,
    check_municipality,
    check_place_length,
)
from civic_feedback.storage.events import add_event
from civic_feedback.storage.flow_versions import latest_version
from civic_feedback.storage.models import Event, EventKind

DEFAULT_FORM = "event-satisfaction"  # the built-in feedback form
DEFAULT_REMINDER_OFFSETS = tuple(int(offset.total_seconds()) for offset in DEFAULT_REMINDERS)


@dataclass(frozen=True)
class NewEvent:
    """An event as an organizer describes it; texts are trimmed, empty ones dropped."""

    titles: Mapping[str, str | None]  # language -> title; at least one
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    municipality: str | None = None  # None: no municipality (every citizen sees it)
    capacity: int | None = None  # places, then a waiting list; None: no limit
    flow_id: str = DEFAULT_FORM
    reminder_offsets: Sequence[int] = DEFAULT_REMINDER_OFFSETS  # seconds before the start
    descriptions: Mapping[str, str | None] = field(default_factory=dict)  # language -> text
    map_url: str | None = None


def add_new_event(session: Session, new: NewEvent, municipalities: Collection[str]) -> Event:
    """Check ``new`` and store it under a fresh code; an EventRefusedError stores nothing."""
    titles = _texts(new.titles)
    if not titles:
        raise EventRefusedError(EventProblem.TITLE_EMPTY, "the title must not be empty")
    if new.ends_at <= new.starts_at:
        raise EventRefusedError(EventProblem.ENDS_BEFORE_START, "the end must be after the start")
    check_municipality(new.municipality, municipalities)
    if new.map_url is not None and not new.map_url.startswith(("https://", "http://")):
        raise EventRefusedError(
            EventProblem.BAD_MAP_URL, "the map link must be a web address starting with https://"
        )
    check_place_length(new.place.strip())
    check_capacity(new.capacity)
    if latest_version(session, new.flow_id) is None:
        raise EventRefusedError(
            EventProblem.UNKNOWN_FORM,
            f"no form {new.flow_id!r}: publish it first (feedback-admin flows publish)",
        )
    event = Event(
        code="",
        kind=new.kind,
        municipality=new.municipality,
        title=titles,
        description=_texts(new.descriptions),
        place=new.place.strip(),
        map_url=new.map_url,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        capacity=new.capacity,
        flow_id=new.flow_id,
        reminder_offsets=sorted(set(new.reminder_offsets), reverse=True),
    )
    return add_event(session, event)


def _texts(by_language: Mapping[str, str | None]) -> dict[str, str]:
    return {
        language: (text or "").strip()
        for language, text in by_language.items()
        if (text or "").strip()
    }
