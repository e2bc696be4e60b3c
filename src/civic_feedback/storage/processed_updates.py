"""Update ids already handled: a repeated delivery of an update is dropped.

The id is written by the same commit as whatever the update changed, so an update is
either fully handled or not at all, across a kill -9 or two replicas.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, event, insert, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.models import ProcessedUpdate, utcnow

_PROCESSED: Table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
_SEEN = select(_PROCESSED.c.update_id).where(_PROCESSED.c.update_id == bindparam("update_id"))
_RECORD = insert(_PROCESSED)
_KEY = "update_id"


def already_processed(session: Session, update_id: int) -> bool:
    return session.connection().execute(_SEEN, {"update_id": update_id}).first() is not None


def record_with_next_commit(session: Session, update_id: int) -> None:
    """The session's next commit also records the update as handled (once)."""
    session.info[_KEY] = update_id


def record_updates_on_commit(factory: sessionmaker[Session]) -> None:
    """Sessions of ``factory`` write a pending update id inside the commit they make."""
    event.listen(factory, "before_commit", _write_pending_update)


def _write_pending_update(session: Session) -> None:
    update_id = session.info.pop(_KEY, None)
    if update_id is not None:
        session.connection().execute(_RECORD, {"update_id": update_id, "processed_at": utcnow()})
