"""Citizens and events arranged in storage, as the registrar keeps them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.core.event_schedule import FollowUpPolicy
from civic_feedback.services.registrations import Registrar
from civic_feedback.storage.events import RegistrationCounts, add_event, registration_counts
from civic_feedback.storage.models import Citizen, Event, EventKind, Notification, Registration
from tests.support.citizens import add_citizen

HOUR = 3600
DAY = 24 * HOUR
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
POLICY = FollowUpPolicy(post_event_delay=timedelta(minutes=30), followup_delay=timedelta(hours=48))
REGISTRAR = Registrar(POLICY)


def new_citizen(session: Session, telegram_id: int, language: str | None = "en") -> Citizen:
    citizen = add_citizen(session, telegram_id=telegram_id, language=language)
    session.commit()
    return citizen


def new_event(
    session: Session,
    *,
    starts_in: timedelta = timedelta(days=3),
    lasts: timedelta = timedelta(hours=2),
    capacity: int | None = None,
    offsets: tuple[int, ...] = (DAY, HOUR),
    municipality: str | None = None,
    title: str = "Round table on the city budget",
) -> Event:
    starts_at = NOW + starts_in
    return add_event(
        session,
        Event(
            code="",
            kind=EventKind.ROUND_TABLE,
            municipality=municipality,
            title={"bg": title, "en": title},
            place="Town hall, room 2",
            starts_at=starts_at,
            ends_at=starts_at + lasts,
            capacity=capacity,
            flow_id="event-satisfaction",
            reminder_offsets=list(offsets),
        ),
    )


class Stored:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def notes(
        self, event: Event, citizen: Citizen | None = None, *, kind: str | None = None
    ) -> list[Notification]:
        """Notification rows of the event (of one citizen, one kind), soonest first."""
        statement = select(Notification).where(Notification.event_id == event.id)
        if citizen is not None:
            statement = statement.where(Notification.citizen_id == citizen.id)
        if kind is not None:
            statement = statement.where(Notification.kind == kind)
        with self.sessions() as session:
            return list(
                session.exec(statement.order_by(col(Notification.due_at), col(Notification.id)))
            )

    def plan(self, event: Event, citizen: Citizen) -> list[tuple[str, int, datetime, str]]:
        """(kind, offset, due, state) of every row the citizen has for the event."""
        return [(n.kind, n.offset_seconds, n.due_at, n.state) for n in self.notes(event, citizen)]

    def status(self, event: Event, citizen: Citizen) -> str | None:
        with self.sessions() as session:
            return session.exec(
                select(Registration.status).where(
                    Registration.event_id == event.id, Registration.citizen_id == citizen.id
                )
            ).first()

    def counts(self, event: Event, now: datetime = NOW) -> RegistrationCounts:
        with self.sessions() as session:
            return registration_counts(session, event, now)
