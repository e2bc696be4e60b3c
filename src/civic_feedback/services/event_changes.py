"""Changing an event after citizens registered: its details, capacity, reminders and time.

Each change is one call, shared by feedback-admin, the bot and the staff console; it writes in
the caller's transaction and never commits. What citizens are owed because of it is written as
notification rows in the same transaction, and the worker sends each row once:

- a new time or place: one notice per change to everyone registered, waiting or checked in,
  written in their language when it is sent (a notice not sent yet gives way to the next one:
  both would say the same);
- a new time: each reminder whose new moment is still ahead is owed, again if it was sent for
  the old time; one whose new moment has passed is not sent; the invitation to the feedback
  form moves with the end;
- more places: the waiting list moves up in its order, each told at once.

Making the same change twice changes nothing the second time, and tells nobody again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from civic_feedback.core.event_schedule import invitation_time, reminder_times
from civic_feedback.services.event_rules import (
    EventProblem,
    EventRefusedError,
    check_capacity,
    check_municipality,
    check_place_length,
)
from civic_feedback.services.owed_notifications import cancel_pending, owe_each
from civic_feedback.services.registrations import Registrar
from civic_feedback.storage.events import ACTIVE, registrants, taken_places
from civic_feedback.storage.models import (
    Event,
    EventState,
    Notification,
    NotificationKind,
)


@dataclass(frozen=True)
class Places:
    """A capacity: ``limit`` places, then a waiting list; None: no limit."""

    limit: int | None


@dataclass(frozen=True)
class EventEdit:
    """What to change; what is None (or not in ``titles``) stays as it is."""

    titles: Mapping[str, str] = field(default_factory=dict)  # language -> title
    place: str | None = None
    capacity: Places | None = None
    municipality: str | None = None
    reminder_offsets: Sequence[int] | None = None  # seconds before the start


@dataclass(frozen=True)
class Edited:
    """What an edit changed, as {field: [before, after]} for the audit log, and its effects."""

    changes: dict[str, list[Any]]
    promoted: int = 0  # moved up from the waiting list, each told
    told: int = 0  # told of the new place


@dataclass(frozen=True)
class Rescheduled:
    """Whether the event moved (False: it was at that time already) and how many are told."""

    moved: bool
    told: int = 0


@dataclass(frozen=True)
class EventChanges:
    """Changes to events, with this deployment's follow-up delays and municipalities."""

    registrar: Registrar
    municipalities: Collection[str]

    def edit(self, session: Session, event: Event, edit: EventEdit, now: datetime) -> Edited:
        """Change what ``edit`` gives; more places move the waiting list up, a new place is
        told to everyone registered or waiting."""
        _lock(session, event)
        self._check_edit(session, event, edit, now)
        changes = _apply(event, edit)
        if not changes:
            return Edited({})
        if changes.keys() & {"title", "place"}:
            event.sequence += 1  # what a calendar shows changed
        session.add(event)
        if "reminders" in changes:
            self._replan(session, event, now, moved=False)
        promoted = 0
        if "capacity" in changes:
            promoted = self.registrar.fill_free_places(session, event, now)
        told = 0
        if "place" in changes:
            told = _tell(session, event, NotificationKind.PLACE_CHANGED, now)
        session.flush()
        return Edited(changes, promoted, told)

    def reschedule(
        self,
        session: Session,
        event: Event,
        starts_at: datetime,
        ends_at: datetime | None,
        now: datetime,
    ) -> Rescheduled:
        """Move the event to ``starts_at`` (and ``ends_at``; None: it lasts as long as before)."""
        _lock(session, event)
        if event.state == EventState.CANCELLED:
            raise EventRefusedError(
                EventProblem.CANCELLED, f"event {event.code} is cancelled: it cannot be rescheduled"
            )
        if event.ends_at <= now:
            raise EventRefusedError(
                EventProblem.OVER, f"event {event.code} is over: it cannot be rescheduled"
            )
        if ends_at is None:
            ends_at = starts_at + (event.ends_at - event.starts_at)
        if ends_at <= starts_at:
            raise EventRefusedError(
                EventProblem.ENDS_BEFORE_START, "the new end must be after the new start"
            )
        if starts_at <= now:
            raise EventRefusedError(
                EventProblem.STARTS_IN_PAST, "the new start is in the past: give a time still ahead"
            )
        if (starts_at, ends_at) == (event.starts_at, event.ends_at):
            return Rescheduled(moved=False)
        event.starts_at, event.ends_at = starts_at, ends_at
        event.sequence += 1
        session.add(event)
        self._replan(session, event, now, moved=True)
        told = _tell(session, event, NotificationKind.RESCHEDULED, now)
        session.flush()
        return Rescheduled(moved=True, told=told)

    def _check_edit(self, session: Session, event: Event, edit: EventEdit, now: datetime) -> None:
        if event.state == EventState.CANCELLED:
            raise EventRefusedError(
                EventProblem.CANCELLED, f"event {event.code} is cancelled: it cannot be edited"
            )
        for_the_future = edit.place, edit.capacity, edit.reminder_offsets
        if event.ends_at <= now and any(part is not None for part in for_the_future):
            raise EventRefusedError(
                EventProblem.OVER,
                f"event {event.code} is over: only its titles and municipality can change",
            )
        for language, title in edit.titles.items():
            if not title.strip():
                raise EventRefusedError(
                    EventProblem.TITLE_EMPTY, f"the title ({language}) must not be empty"
                )
        if edit.place is not None:
            if not edit.place.strip():
                raise EventRefusedError(EventProblem.PLACE_EMPTY, "the place must not be empty")
            check_place_length(edit.place.strip())
        check_municipality(edit.municipality, self.municipalities)
        if edit.capacity is not None and edit.capacity.limit is not None:
            limit = edit.capacity.limit
            check_capacity(limit)
            taken = taken_places(session, event)
            if limit < taken:
                raise EventRefusedError(
                    EventProblem.CAPACITY_BELOW_TAKEN,
                    f"{taken} citizens have a place at {event.code}, more than {limit}: "
                    f"give a capacity of at least {taken} (nobody loses a place once given)",
                )

    def _replan(self, session: Session, event: Event, now: datetime, *, moved: bool) -> None:
        """The reminders of everyone with a place, at the event's offsets from its start;
        when it moved, their invitations too."""
        ahead = reminder_times(event.starts_at, event.reminder_offsets, now)
        with_a_place = [c for c, status in registrants(session, event) if status in ACTIVE]
        for offset, due in ahead:
            kind = NotificationKind.REMINDER
            owe_each(session, kind, event, with_a_place, due, offset, even_if_sent=moved)
        if moved:
            invited_at = invitation_time(event.ends_at, self.registrar.policy)
            owe_each(session, NotificationKind.INVITATION, event, with_a_place, invited_at)
        # Offsets dropped, and those whose new moment has passed, are owed to nobody.
        cancel_pending(
            session,
            event_id=event.id,
            kind=NotificationKind.REMINDER,
            keep_offsets=[offset for offset, _ in ahead],
        )


def _lock(session: Session, event: Event) -> None:
    """Read the event afresh, its row locked until the caller commits (PostgreSQL): two
    changes made at once take turns, and the second sees the first."""
    session.refresh(event, with_for_update=True)


def _apply(event: Event, edit: EventEdit) -> dict[str, list[Any]]:
    """Set what differs; returns {field: [before, after]} of what did."""
    changes: dict[str, list[Any]] = {}
    titles = {**event.title, **{language: t.strip() for language, t in edit.titles.items()}}
    if titles != event.title:
        changes["title"] = [event.title, titles]
        event.title = titles
    if edit.place is not None and edit.place.strip() != event.place:
        changes["place"] = [event.place, edit.place.strip()]
        event.place = edit.place.strip()
    if edit.municipality is not None and edit.municipality != event.municipality:
        changes["municipality"] = [event.municipality, edit.municipality]
        event.municipality = edit.municipality
    if edit.capacity is not None and edit.capacity.limit != event.capacity:
        changes["capacity"] = [event.capacity, edit.capacity.limit]
        event.capacity = edit.capacity.limit
    if edit.reminder_offsets is not None:
        offsets = sorted(set(edit.reminder_offsets), reverse=True)
        if offsets != event.reminder_offsets:
            changes["reminders"] = [event.reminder_offsets, offsets]
            event.reminder_offsets = offsets
    return changes


def _tell(session: Session, event: Event, kind: NotificationKind, now: datetime) -> int:
    """One notice of this change to everyone registered, waiting or checked in; returns how
    many. It is keyed by the event's new sequence, so each change is told once."""
    assert event.id is not None
    cancel_pending(session, event_id=event.id, kind=kind)  # this one says the same, and more
    told = registrants(session, event)
    for citizen_id, _status in told:
        session.add(
            Notification(
                kind=kind,
                event_id=event.id,
                citizen_id=citizen_id,
                offset_seconds=event.sequence,
                due_at=now,
            )
        )
    return len(told)
