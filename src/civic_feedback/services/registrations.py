"""Registrations: capacity, waiting list, check-in, cancellation. Each change is written in
the caller's transaction; the caller commits.

Messages the bot owes citizens (reminders, invitations, notices) are written as
notification rows in the same transaction; the notification worker sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from civic_feedback.core.event_schedule import FollowUpPolicy, invitation_time, reminder_times
from civic_feedback.services.event_rules import EventProblem, EventRefusedError
from civic_feedback.services.owed_notifications import cancel_pending, owe
from civic_feedback.storage.events import ACTIVE, registration_of, taken_places
from civic_feedback.storage.models import (
    Citizen,
    Event,
    EventState,
    NotificationKind,
    Registration,
    RegistrationStatus,
)


class Outcome(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    ALREADY = "already"  # registered (or on the list, or checked in) before
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NOT_REGISTERED = "not_registered"
    CLOSED = "closed"  # the event was cancelled or is over


@dataclass(frozen=True)
class Registrar:
    """Registration rules, with the follow-up delays of this deployment."""

    policy: FollowUpPolicy

    def register(self, session: Session, citizen: Citizen, event: Event, now: datetime) -> Outcome:
        """A place, or the waiting list when the event is full."""
        if event.state != EventState.SCHEDULED or event.ends_at <= now:
            return Outcome.CLOSED
        current = self._own(session, citizen, event)
        if current is not None and current.status != RegistrationStatus.CANCELLED:
            return Outcome.ALREADY
        full = event.capacity is not None and taken_places(session, event) >= event.capacity
        status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
        registration = current or _new_registration(event, citizen, now)
        registration.status = status
        registration.created_at = registration.updated_at = now  # the waiting list's order
        session.add(registration)
        if status == RegistrationStatus.REGISTERED:
            self._plan(session, event, citizen, now)
        session.flush()
        return Outcome.WAITLISTED if full else Outcome.REGISTERED

    def check_in(self, session: Session, citizen: Citizen, event: Event, now: datetime) -> Outcome:
        """Mark the citizen present, registering them on the spot if needed."""
        if event.state != EventState.SCHEDULED:
            return Outcome.CLOSED
        registration = self._own(session, citizen, event)
        if registration is not None and registration.status == RegistrationStatus.ATTENDED:
            return Outcome.ALREADY
        was_active = registration is not None and registration.status in ACTIVE
        registration = registration or _new_registration(event, citizen, now)
        registration.status = RegistrationStatus.ATTENDED
        registration.updated_at = now
        session.add(registration)
        if not was_active:  # someone present takes a place even beyond the capacity
            self._plan(session, event, citizen, now)
        session.flush()
        return Outcome.CHECKED_IN

    def cancel(self, session: Session, citizen: Citizen, event: Event, now: datetime) -> Outcome:
        """Give up a place; the first on the waiting list gets it and is told."""
        registration = self._own(session, citizen, event)
        if registration is None or registration.status == RegistrationStatus.CANCELLED:
            return Outcome.NOT_REGISTERED
        had_place = registration.status in ACTIVE
        registration.status = RegistrationStatus.CANCELLED
        registration.updated_at = now
        cancel_pending(session, event_id=event.id, citizen_id=citizen.id)
        if had_place:
            self.fill_free_places(session, event, now)
        session.flush()
        return Outcome.CANCELLED

    def cancel_event(self, session: Session, event: Event, now: datetime) -> int:
        """Cancel the event: nothing more is sent about it but the notice.

        Returns how many citizens will be told. An event cancelled already is refused: its
        citizens were told once.
        """
        if event.state == EventState.CANCELLED:
            raise EventRefusedError(
                EventProblem.CANCELLED, f"event {event.code} is already cancelled"
            )
        event.state = EventState.CANCELLED
        session.add(event)
        cancel_pending(session, event_id=event.id)
        statement = select(Registration.citizen_id).where(
            Registration.event_id == event.id,
            col(Registration.status).in_([*ACTIVE, RegistrationStatus.WAITLISTED]),
        )
        told = list(session.exec(statement))
        for citizen_id in told:
            owe(session, NotificationKind.CANCELLED, event, citizen_id, now)
        session.flush()
        return len(told)

    def fill_free_places(self, session: Session, event: Event, now: datetime) -> int:
        """Give the free places to the waiting list, in its order; each is told at once.

        Returns how many moved up. Nobody does once the event is over or cancelled.
        """
        if event.state != EventState.SCHEDULED or event.ends_at <= now:
            return 0
        promoted = 0
        while self._promote_next(session, event, now):
            promoted += 1
        return promoted

    def _own(self, session: Session, citizen: Citizen, event: Event) -> Registration | None:
        if citizen.id is None:
            session.flush()  # met in this update: it needs an id for the registration
        return registration_of(session, event, citizen)

    def _plan(self, session: Session, event: Event, citizen: Citizen, now: datetime) -> None:
        """Reminders still ahead and the post-event invitation for a new place."""
        assert citizen.id is not None
        for offset, due in reminder_times(event.starts_at, event.reminder_offsets, now):
            owe(session, NotificationKind.REMINDER, event, citizen.id, due, offset)
        due = invitation_time(event.ends_at, self.policy)
        owe(session, NotificationKind.INVITATION, event, citizen.id, due)

    def _promote_next(self, session: Session, event: Event, now: datetime) -> bool:
        """The first on the waiting list gets a free place; False: no place, or nobody waits."""
        session.flush()  # count the place just given up, or just given
        if event.capacity is not None and taken_places(session, event) >= event.capacity:
            return False  # people who checked in at the door took the free places
        statement = (
            select(Registration, Citizen)
            .join(Citizen, col(Citizen.id) == Registration.citizen_id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(col(Registration.created_at), col(Registration.id))
            .limit(1)
        )
        found = session.exec(statement).first()
        if found is None:
            return False
        registration, citizen = found
        registration.status = RegistrationStatus.REGISTERED
        registration.updated_at = now
        session.add(registration)
        self._plan(session, event, citizen, now)
        assert citizen.id is not None
        owe(session, NotificationKind.PROMOTED, event, citizen.id, now)
        return True


def _new_registration(event: Event, citizen: Citizen, now: datetime) -> Registration:
    assert event.id is not None
    assert citizen.id is not None
    return Registration(event_id=event.id, citizen_id=citizen.id, created_at=now, updated_at=now)
