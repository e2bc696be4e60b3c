"""Who registered, waited, came and answered, per event: the attendance list funders ask for.

Events are chosen by code, by the day they start and by municipality; every query reads the
chosen events through one subquery, so any number of them costs the same few queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from civic_feedback.storage.events import ACTIVE
from civic_feedback.storage.models import (
    Citizen,
    Event,
    Registration,
    RegistrationStatus,
    Response,
    ResponseState,
)


@dataclass(frozen=True)
class EventChoice:
    """Which events: all of these that hold (nothing given: every event)."""

    codes: Sequence[str] = ()
    starts_from: datetime | None = None  # starts at or after
    starts_before: datetime | None = None  # starts before
    municipality: str | None = None


@dataclass(frozen=True)
class Attendance:
    """One event's figures."""

    event: Event
    registered: int  # had a place: registered or checked in (walk-ins included)
    waitlisted: int  # still on the waiting list
    checked_in: int
    responses: int  # feedback forms completed about it, anonymous ones included


@dataclass(frozen=True)
class Participant:
    """A citizen registered, waiting or checked in at one of the events."""

    event_code: str
    telegram_id: int
    status: str  # a RegistrationStatus other than cancelled


def _chosen(choice: EventChoice) -> Any:
    statement = select(Event.id)
    if choice.codes:
        statement = statement.where(col(Event.code).in_(choice.codes))
    if choice.starts_from is not None:
        statement = statement.where(col(Event.starts_at) >= choice.starts_from)
    if choice.starts_before is not None:
        statement = statement.where(col(Event.starts_at) < choice.starts_before)
    if choice.municipality is not None:
        statement = statement.where(Event.municipality == choice.municipality)
    return statement


def attendance(session: Session, choice: EventChoice) -> list[Attendance]:
    """The chosen events' figures, in the order they start."""
    chosen = _chosen(choice)
    events = session.exec(
        select(Event).where(col(Event.id).in_(chosen)).order_by(col(Event.starts_at), col(Event.id))
    ).all()
    statuses: dict[tuple[int, str], int] = {
        (event_id, status): count
        for event_id, status, count in session.exec(
            select(Registration.event_id, Registration.status, func.count())
            .where(col(Registration.event_id).in_(chosen))
            .group_by(col(Registration.event_id), col(Registration.status))
        )
    }
    responses: dict[int, int] = {
        event_id: count
        for event_id, count in session.exec(
            select(Response.event_id, func.count())
            .where(col(Response.event_id).in_(chosen), Response.state == ResponseState.COMPLETED)
            .group_by(col(Response.event_id))
        )
        if event_id is not None
    }

    def count(event_id: int, *wanted: str) -> int:
        return sum(statuses.get((event_id, status), 0) for status in wanted)

    return [
        Attendance(
            event=event,
            registered=count(event.id, *ACTIVE),
            waitlisted=count(event.id, RegistrationStatus.WAITLISTED),
            checked_in=count(event.id, RegistrationStatus.ATTENDED),
            responses=responses.get(event.id, 0),
        )
        for event in events
        if event.id is not None
    ]


def participants(session: Session, choice: EventChoice) -> list[Participant]:
    """Everyone registered, waiting or checked in at the chosen events: event by event in the
    order they start, people in the order they registered."""
    statement = (
        select(Event.code, Citizen.telegram_id, Registration.status)
        .join(Registration, col(Registration.event_id) == Event.id)
        .join(Citizen, col(Citizen.id) == Registration.citizen_id)
        .where(
            col(Event.id).in_(_chosen(choice)),
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .order_by(
            col(Event.starts_at), col(Event.id), col(Registration.created_at), col(Registration.id)
        )
    )
    return [Participant(*row) for row in session.exec(statement)]
