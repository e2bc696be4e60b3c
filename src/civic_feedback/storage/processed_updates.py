"""Update ids already handled: a repeated delivery of an update is dropped.

The id is written in the same transaction as whatever the update changed (the bot's unit of
work does both), so an update is either fully handled or not at all, across a kill -9 or two
replicas.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, exists, func, insert, literal, select
from sqlmodel import Session

from civic_feedback.storage.citizens import SNAPSHOT_COLUMNS, CitizenSnapshot
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.tables import CITIZEN_TABLE, PROCESSED_UPDATE_TABLE

_PROCESSED = PROCESSED_UPDATE_TABLE
_RECORD = insert(_PROCESSED)

# One row whatever the ids: whether the update was handled, and what the bot knows its
# sender by (all NULL for someone never met). Built once, so executing it skips SQLAlchemy's
# cache-key work.
_ONE_ROW = select(literal(1).label("one")).subquery()
_ARRIVAL = select(
    exists().where(_PROCESSED.c.update_id == bindparam("update_id")).label("seen"),
    *SNAPSHOT_COLUMNS,
).select_from(
    _ONE_ROW.outerjoin(CITIZEN_TABLE, CITIZEN_TABLE.c.telegram_id == bindparam("telegram_id"))
)


@dataclass(frozen=True)
class Arrival:
    """What the database knows about an update as it arrives."""

    seen: bool  # handled before: drop it
    citizen: CitizenSnapshot | None  # its sender; None when never met


def look_up_arrival(engine: Engine, update_id: int, telegram_id: int | None) -> Arrival:
    """Whether the update was handled before, and who sent it, in one query on a connection
    given back at once."""
    with engine.connect() as db:
        row = db.execute(_ARRIVAL, {"update_id": update_id, "telegram_id": telegram_id}).one()
    if row.seen or row.id is None:
        return Arrival(bool(row.seen), None)
    return Arrival(False, CitizenSnapshot.of(row._mapping))


def record_update(db: Connection, update_id: int) -> None:
    """Record the update as handled, in ``db``'s transaction (written by its commit)."""
    db.execute(_RECORD, {"update_id": update_id, "processed_at": utcnow()})


_WAS_PROCESSED = select(_PROCESSED.c.update_id).where(
    _PROCESSED.c.update_id == bindparam("update_id")
)


_LAST = select(func.coalesce(func.max(_PROCESSED.c.update_id), 0))


def last_update_id(session: Session) -> int:
    """The highest update id handled so far (0: none)."""
    return int(session.connection().execute(_LAST).scalar_one())


def handled_elsewhere(db: Connection, update_id: int) -> bool:
    """Whether another process (a replica given the same update) recorded the update as
    handled, after this connection's transaction failed on a row that process wrote first.
    Call it after the failed transaction was rolled back."""
    return db.execute(_WAS_PROCESSED, {"update_id": update_id}).first() is not None
