"""Units of work: a handler step's database work, done and committed before it replies.

A unit checks out a connection and begins a transaction, runs a plain (synchronous) function
with it, records the update as handled with its commit, gives the connection back and hands
back what the function returned: plain data, never a session or a row. It cannot await, so
no pooled connection or transaction ever waits on Telegram. Units run inline on the event
loop or in a bounded pool of threads (``UnitRunner``), whichever serves the database better
(docs/performance.md).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel

from civic_feedback.storage.citizens import (
    CitizenSnapshot,
    activity_changes,
    change_citizen,
    insert_citizen,
)
from civic_feedback.storage.models import Citizen, utcnow
from civic_feedback.storage.processed_updates import handled_elsewhere, record_update

log = logging.getLogger(__name__)

T = TypeVar("T")

# Updates handled at once, the rest wait in line (polling's task limit, the webhook's
# max_connections). A unit of work holds a connection only while it runs, so this is sized
# for waits on Telegram, not for the connection pool (storage/database.py).
UPDATES_AT_ONCE = 100
UNIT_THREADS = 4  # units of work at once on PostgreSQL: fewer than the pool's connections


@dataclass(frozen=True)
class Sender:
    """Who sent the update, as Telegram says: enough to meet them as a new citizen."""

    telegram_id: int
    language: str | None  # their app's language, when we offer it


class Unit:
    """What a unit's work is given: a connection in the unit's transaction and the sender as
    plain data; when the work asks for them, an ORM session in the same transaction and the
    sender's row.

    The busy paths (answering a form) work on ``db`` and ``snapshot`` alone: no session is
    made, no row loaded, nothing flushed. Work that changes the sender does it through
    ``snapshot_or_new`` and ``change_citizen``, or through the row (``citizen``).
    """

    def __init__(
        self,
        db: Connection,
        sessions: sessionmaker[Session],
        snapshot: CitizenSnapshot | None,
        sender: Sender | None,
    ) -> None:
        self.db = db
        self._sessions = sessions
        self._snapshot = snapshot
        self._sender = sender
        self._session: Session | None = None
        self._citizen: Citizen | None = None  # the sender's row, once the work asked for it

    @property
    def session(self) -> Session:
        """An ORM session in the unit's transaction (made on first use; never commits)."""
        if self._session is None:
            self._session = self._sessions(bind=self.db, join_transaction_mode="rollback_only")
        return self._session

    @property
    def citizen(self) -> Citizen | None:
        """The sender's row, loaded on first use; None for someone never met."""
        if self._citizen is None and self._snapshot is not None:
            self._citizen = self.session.get(Citizen, self._snapshot.id)
        return self._citizen

    def citizen_or_new(self) -> Citizen:
        """The sender's row; met for the first time, written first (``snapshot_or_new``)."""
        if self.citizen is None:
            self.snapshot_or_new()
        citizen = self.citizen
        assert citizen is not None
        return citizen

    @property
    def snapshot(self) -> CitizenSnapshot | None:
        """The sender as plain data, with this unit's changes (None: never met, or erased)."""
        citizen = self._citizen
        if citizen is None:
            return self._snapshot
        self.session.flush()  # the row is in play: it holds the latest, and gets its id
        return None if inspect(citizen).was_deleted else CitizenSnapshot.of_row(citizen)

    def snapshot_or_new(self) -> CitizenSnapshot:
        """The sender as plain data; met for the first time, written now as a new citizen
        speaking their app's language when we offer it."""
        snapshot = self.snapshot
        if snapshot is None:
            assert self._sender is not None, "an update without a sender has no citizen"
            snapshot = insert_citizen(
                self.db, telegram_id=self._sender.telegram_id, language=self._sender.language
            )
            self._snapshot = snapshot
        return snapshot

    def change_citizen(self, **values: Any) -> CitizenSnapshot:
        """Change the sender's columns (meeting them first when new); the sender after it."""
        if self._citizen is not None:
            for name, value in values.items():
                setattr(self._citizen, name, value)
        else:
            self._snapshot = change_citizen(self.db, self.snapshot_or_new(), **values)
        snapshot = self.snapshot
        assert snapshot is not None
        return snapshot

    def finish(self) -> CitizenSnapshot | None:
        """Write what the work changed through the session; the sender as the unit leaves
        them."""
        if self._session is not None:
            self._session.flush()
        return self.snapshot

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


class HandledElsewhereError(Exception):
    """Another process handled the same update at the same moment: drop it as a duplicate."""


Work = Callable[[Unit], T]
Runner = Callable[[Callable[[], T]], Awaitable[T]]


class UnitRunner:
    """Runs units inline on the event loop (``threads=0``) or in a pool of that many threads.

    Inline costs nothing but holds the loop for the unit's time; threads keep the loop free
    for other citizens while the database works, at the price of a hop each way. The pool is
    the bound on connections the updates use at once.
    """

    def __init__(self, threads: int = 0) -> None:
        self.threads = threads
        self._pool = (
            ThreadPoolExecutor(threads, thread_name_prefix="unit-of-work") if threads else None
        )

    async def __call__(self, function: Callable[[], T]) -> T:
        if self._pool is None:
            return function()
        context = contextvars.copy_context()  # the update's language travels with the unit
        return await asyncio.get_running_loop().run_in_executor(self._pool, context.run, function)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def runner_for(database_url: str) -> UnitRunner:
    """Inline on SQLite, whose statements take microseconds; on PostgreSQL in threads, so
    the loop serves other citizens during the round trips (figures: docs/performance.md)."""
    if make_url(database_url).get_backend_name() == "sqlite":
        return UnitRunner()
    return UnitRunner(threads=UNIT_THREADS)


class UpdateWork:
    """The database side of one update: its units, run one after another.

    The first unit to commit also records the update id, in the same transaction, so the
    update is handled exactly once across a kill -9 or two replicas. Two replicas given the
    same update at once both pass the arrival check; the one committing second fails on a
    row the first wrote, its unit is rolled back, and ``HandledElsewhereError`` drops the update.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        runner: UnitRunner,
        update_id: int,
        citizen: CitizenSnapshot | None,
        sender: Sender | None,
    ) -> None:
        self._sessions = sessions
        engine = sessions.kw["bind"]
        assert isinstance(engine, Engine)
        self._engine = engine
        self._runner = runner
        self.update_id = update_id
        self._sender = sender
        self.recorded = False  # a unit committed the update id
        self.citizen = citizen  # the sender as the last unit left them

    async def __call__(self, work: Work[T]) -> T:
        return await self._runner(lambda: self._run(work))

    def _run(self, work: Work[T]) -> T:
        with self._engine.connect() as db:
            db.begin()
            unit = Unit(db, self._sessions, self.citizen, self._sender)
            first = not self.recorded
            try:
                if first and self.citizen is not None:
                    changes = activity_changes(self.citizen, utcnow())
                    if changes:
                        unit.change_citizen(**changes)
                result = work(unit)
                if isinstance(result, SQLModel):
                    raise TypeError(f"a unit of work returns plain data, not a row: {result!r}")
                citizen = unit.finish()
                if first:
                    record_update(db, self.update_id)
                db.commit()  # the one commit: the work and, the first time, the update id
            except IntegrityError:
                db.rollback()
                if first and handled_elsewhere(db, self.update_id):
                    log.info("update_duplicate update_id=%s (at the same moment)", self.update_id)
                    raise HandledElsewhereError from None
                raise
            finally:
                unit.close()
        self.recorded = True
        self.citizen = citizen
        return result
