"""Update ids already handled: a repeated delivery of an update is dropped.

The id is written by the same commit as whatever the update changed, so an update is
either fully handled or not at all, across a kill -9 or two replicas.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, event, exists, insert, literal, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.citizens import attach_citizen
from civic_feedback.storage.models import Citizen, utcnow
from civic_feedback.storage.tables import CITIZEN_TABLE, PROCESSED_UPDATE_TABLE

_RECORD = insert(PROCESSED_UPDATE_TABLE)
_KEY = "update_id"  # the update id the session's next commit records
_WRITING = "update_id_writing"  # ...written by the commit under way
_COMMITTED = "update_id_committed"  # ...recorded by a commit of this session

# One row whatever the ids: whether the update was handled, and its sender's columns (all
# NULL for someone never met). Built once, so executing it skips SQLAlchemy's cache-key work.
_ONE_ROW = select(literal(1).label("one")).subquery()
_ARRIVAL = select(
    exists().where(PROCESSED_UPDATE_TABLE.c.update_id == bindparam("update_id")).label("seen"),
    *CITIZEN_TABLE.c,
).select_from(
    _ONE_ROW.outerjoin(CITIZEN_TABLE, CITIZEN_TABLE.c.telegram_id == bindparam("telegram_id"))
)


@dataclass(frozen=True)
class Arrival:
    """What the database knows about an update as it arrives."""

    seen: bool  # handled before: drop it
    citizen: Citizen | None  # its sender, part of the session; None when never met


def look_up_arrival(session: Session, update_id: int, telegram_id: int | None) -> Arrival:
    """Whether the update was handled before, and who sent it, in one query.

    The query runs on a connection of its own, given back at once: the session starts no
    transaction, so a handler that replies before it writes holds no connection meanwhile.
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # sessions are made by session_factory(engine)
    with engine.connect() as db:
        row = db.execute(_ARRIVAL, {"update_id": update_id, "telegram_id": telegram_id}).one()
    if row.seen or row.id is None:
        return Arrival(bool(row.seen), None)
    return Arrival(False, attach_citizen(session, row._mapping))


_WAS_PROCESSED = select(PROCESSED_UPDATE_TABLE.c.update_id).where(
    PROCESSED_UPDATE_TABLE.c.update_id == bindparam("update_id")
)


def handled_elsewhere(session: Session, update_id: int) -> bool:
    """Whether another process (a replica given the same update) recorded the update as
    handled, after this session's transaction failed on a row that process wrote first."""
    if session.info.get(_COMMITTED) == update_id:
        return False  # this session recorded it: the failure came after, and is its own
    return (
        session.connection().execute(_WAS_PROCESSED, {"update_id": update_id}).first() is not None
    )


def record_with_next_commit(session: Session, update_id: int) -> None:
    """The session's next commit also records the update as handled (once)."""
    session.info[_KEY] = update_id


def commit_pending(session: Session) -> None:
    """Commit what the session still holds: the update id when no commit wrote it yet, and
    anything read, written or changed since the last commit. A handler that committed last
    leaves nothing, and then nothing is done (a commit costs even when it has no work)."""
    if (
        _KEY in session.info
        or session.in_transaction()
        or session.new
        or session.dirty
        or session.deleted
    ):
        session.commit()


def record_updates_on_commit(factory: sessionmaker[Session]) -> None:
    """Sessions of ``factory`` write a pending update id inside the commit they make."""
    event.listen(factory, "before_commit", _write_pending_update)
    event.listen(factory, "after_commit", _note_update_committed)


def _write_pending_update(session: Session) -> None:
    update_id = session.info.pop(_KEY, None)
    if update_id is not None:
        session.connection().execute(_RECORD, {"update_id": update_id, "processed_at": utcnow()})
        session.info[_WRITING] = update_id


def _note_update_committed(session: Session) -> None:
    if _WRITING in session.info:
        session.info[_COMMITTED] = session.info.pop(_WRITING)
