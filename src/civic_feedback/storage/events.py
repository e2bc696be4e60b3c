"""Events and registrations as stored: codes, look-ups, places taken, counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from civic_feedback.storage.claims import count_where, uncertain
from civic_feedback.storage.codes import is_code, new_code
from civic_feedback.storage.models import (
    Citizen,
    Event,
    EventState,
    Registration,
    RegistrationStatus,
)
from civic_feedback.storage.tables import NOTIFICATION_TABLE

ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)


def find_event(session: Session, code: str) -> Event | None:
    if not is_code(code):
        return None
    return session.exec(select(Event).where(Event.code == code)).first()


def add_event(session: Session, event: Event) -> Event:
    """Store a new event under a fresh random code."""
    while True:
        event.code = new_code()
        if find_event(session, event.code) is None:
            break
    session.add(event)
    session.flush()
    return event


def upcoming_events(
    session: Session, now: datetime, *, municipality: str | None = None
) -> list[Event]:
    """Scheduled events that have not ended, soonest first (one municipality when given)."""
    statement = select(Event).where(Event.state == EventState.SCHEDULED, col(Event.ends_at) > now)
    if municipality:
        statement = statement.where(Event.municipality == municipality)
    return list(session.exec(statement.order_by(col(Event.starts_at), col(Event.id))))


def registration_of(session: Session, event: Event, citizen: Citizen) -> Registration | None:
    if citizen.id is None:
        return None
    statement = select(Registration).where(
        Registration.event_id == event.id, Registration.citizen_id == citizen.id
    )
    return session.exec(statement).first()


def registrants(session: Session, event: Event) -> list[tuple[int, str]]:
    """(citizen id, status) of everyone registered, waiting or checked in, in the order they
    registered."""
    statement = (
        select(Registration.citizen_id, Registration.status)
        .where(
            Registration.event_id == event.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .order_by(col(Registration.created_at), col(Registration.id))
    )
    return [(citizen_id, status) for citizen_id, status in session.exec(statement)]


def taken_places(session: Session, event: Event) -> int:
    statement = select(func.count()).where(
        Registration.event_id == event.id, col(Registration.status).in_(ACTIVE)
    )
    return session.exec(statement).one()


@dataclass(frozen=True)
class RegistrationCounts:
    """One event's registrations by status, and the reminders and invitations sent for it;
    uncertain ones were claimed by a process that stopped before it knew whether Telegram
    took them (storage/claims.py)."""

    registered: int
    waitlisted: int
    attended: int
    cancelled: int
    reminders_sent: int
    reminders_missed: int
    reminders_uncertain: int
    invitations_sent: int
    invitations_uncertain: int


def registration_counts(session: Session, event: Event, now: datetime) -> RegistrationCounts:
    statuses = dict(
        session.exec(
            select(Registration.status, func.count())
            .where(Registration.event_id == event.id)
            .group_by(col(Registration.status))
        ).all()
    )
    notes: dict[str, int] = {}
    statement = (
        select(
            NOTIFICATION_TABLE.c.kind,
            NOTIFICATION_TABLE.c.state,
            func.count(),
            count_where(uncertain(NOTIFICATION_TABLE, now)),
        )
        .where(NOTIFICATION_TABLE.c.event_id == event.id)
        .group_by(NOTIFICATION_TABLE.c.kind, NOTIFICATION_TABLE.c.state)
    )
    for kind, state, count, stale in session.execute(statement):
        notes[f"{kind}:{state}"] = count - stale
        notes[f"{kind}:uncertain"] = notes.get(f"{kind}:uncertain", 0) + stale
    return RegistrationCounts(
        registered=statuses.get(RegistrationStatus.REGISTERED, 0),
        waitlisted=statuses.get(RegistrationStatus.WAITLISTED, 0),
        attended=statuses.get(RegistrationStatus.ATTENDED, 0),
        cancelled=statuses.get(RegistrationStatus.CANCELLED, 0),
        reminders_sent=notes.get("reminder:sent", 0),
        reminders_missed=notes.get("reminder:missed", 0),
        reminders_uncertain=notes.get("reminder:uncertain", 0),
        invitations_sent=notes.get("invitation:sent", 0),
        invitations_uncertain=notes.get("invitation:uncertain", 0),
    )


def registrations_of(session: Session, citizen: Citizen) -> list[tuple[Registration, Event]]:
    """The citizen's registrations (not cancelled), soonest event first."""
    statement = (
        select(Registration, Event)
        .join(Event, col(Event.id) == Registration.event_id)
        .where(
            Registration.citizen_id == citizen.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .order_by(col(Event.starts_at))
    )
    return [(registration, event) for registration, event in session.exec(statement)]


def event_kinds(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Event code -> kind, for reports that count events by kind."""
    wanted = list(codes)
    if not wanted:
        return {}
    rows = session.exec(select(Event.code, Event.kind).where(col(Event.code).in_(wanted)))
    return {code: str(kind) for code, kind in rows}
