"""Published results of events, and the one "here is what everyone said" per participant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    distinct,
    exists,
    func,
    insert,
    literal,
    select,
)
from sqlmodel import Session, col

from civic_feedback.storage.models import (
    Consultation,
    NotificationKind,
    NotificationState,
    Publication,
    Response,
    ResponseState,
)
from civic_feedback.storage.tables import NOTIFICATION_TABLE


def participants(session: Session, event_id: int) -> int:
    """Citizens (known by name, so not anonymous ones) who completed the event's form."""
    statement = select(func.count(distinct(col(Response.citizen_id)))).where(_answered(event_id))
    return int(session.execute(statement).scalar_one())


def _answered(event_id: int) -> ColumnElement[bool]:
    return and_(
        col(Response.event_id) == event_id,
        col(Response.state) == ResponseState.COMPLETED,
        col(Response.citizen_id).is_not(None),
    )


def record_publication(session: Session, publication: Publication, now: datetime) -> int:
    """Store the post and owe each participant one results message (never a second).;
    returns how many citizens will be told."""
    session.add(publication)
    already = exists().where(
        NOTIFICATION_TABLE.c.kind == NotificationKind.RESULTS.value,
        NOTIFICATION_TABLE.c.event_id == publication.event_id,
        NOTIFICATION_TABLE.c.citizen_id == col(Response.citizen_id),
    )
    owed = (
        select(
            literal(NotificationKind.RESULTS.value),
            literal(publication.event_id),
            col(Response.citizen_id),
            literal(0),
            literal(now),
            literal(NotificationState.PENDING.value),
        )
        .distinct()
        .where(_answered(publication.event_id), ~already)
    )
    columns = ["kind", "event_id", "citizen_id", "offset_seconds", "due_at", "state"]
    # Counted from what the insert returns: PostgreSQL's driver gives no row count for an
    # INSERT ... SELECT (it says -1).
    inserted = insert(NOTIFICATION_TABLE).from_select(columns, owed)
    rows = session.execute(inserted.returning(NOTIFICATION_TABLE.c.id)).all()
    session.flush()
    return len(rows)


def latest_url(session: Session, event_id: int) -> str | None:
    statement = (
        select(col(Publication.url))
        .where(col(Publication.event_id) == event_id, col(Publication.url).is_not(None))
        .order_by(col(Publication.id).desc())
        .limit(1)
    )
    url: str | None = session.execute(statement).scalar()
    return url


def publish_channels(session: Session) -> list[str]:
    """Every chat results were published to (events' results, consultations' reports), as
    written: ``@channel`` or a chat id."""
    events = select(col(Publication.chat))
    consultations = select(col(Consultation.published_chat)).where(
        col(Consultation.published_chat).is_not(None)
    )
    chats = session.execute(events.union(consultations)).scalars()
    return sorted({str(chat) for chat in chats})
