"""Forgetting roll-ups (storage/rollups.py) that a change makes wrong, in the change's own
transaction: the days it reaches are counted from the answers until rolled up again.

Kept apart from the roll-ups' building so that the paths that change answers (completing a
form, erasing a citizen, /settings) load only this.

On PostgreSQL a change could otherwise slip past a day being counted: the count reads the
answers before the change commits, the change finds no roll-up of that day to forget (it is
not committed yet), and the day keeps the old count. So a change that forgets takes a shared
transaction lock, and counting a day takes it exclusively (``count_alone``): each waits for
the other's commit. SQLite lets one transaction write at a time, which does the same.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, or_, select, text
from sqlmodel import Session

from civic_feedback.storage.tables import RESPONSE_TABLE, ROLLUP_DAY_TABLE

ROLLUPS = 7_310_003  # the key of the roll-ups' lock (storage/advisory_locks.py has the others)
_SHARED = text("SELECT pg_advisory_xact_lock_shared(:key, hashtext(current_schema()))")
_ALONE = text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))")


def _on_postgresql(db: Connection | Session) -> bool:
    bind = db.get_bind() if isinstance(db, Session) else db
    return bind.dialect.name == "postgresql"


def count_alone(db: Connection | Session) -> None:
    """Before counting a day: wait for the changes under way, and hold off new ones, until
    this transaction ends."""
    if _on_postgresql(db):
        db.execute(_ALONE, {"key": ROLLUPS})


def forget(db: Connection | Session, *conditions: ColumnElement[bool]) -> None:
    """Forget the roll-ups of the days matching ``conditions`` (their counts go with them)."""
    if _on_postgresql(db):
        db.execute(_SHARED, {"key": ROLLUPS})  # until this transaction ends
    db.execute(delete(ROLLUP_DAY_TABLE).where(*conditions))


def forget_days_of(db: Connection | Session, responses: ColumnElement[bool]) -> None:
    """Forget the roll-ups of every day a response matching ``responses`` was started or
    completed on: call it, in the same transaction, before changing what those days count."""
    response, day = RESPONSE_TABLE.c, ROLLUP_DAY_TABLE.c
    touched = exists().where(
        responses,
        or_(
            and_(response.started_at >= day.starts_at, response.started_at < day.ends_at),
            and_(response.completed_at >= day.starts_at, response.completed_at < day.ends_at),
        ),
    )
    forget(db, touched)


def forget_start_day(db: Connection | Session, response_id: int) -> None:
    """A response is completed: the day it was started on, if rolled up, counted it as not
    completed."""
    started = select(RESPONSE_TABLE.c.started_at).where(RESPONSE_TABLE.c.id == response_id)
    moment = started.scalar_subquery()
    forget(db, ROLLUP_DAY_TABLE.c.starts_at <= moment, ROLLUP_DAY_TABLE.c.ends_at > moment)


def forget_everything(session: Session) -> None:
    forget(session)


def forget_other_zones(session: Session, zone: ZoneInfo) -> None:
    """TIMEZONE changed: days of another zone are not days of this one."""
    forget(session, ROLLUP_DAY_TABLE.c.zone != zone.key)
