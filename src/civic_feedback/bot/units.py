"""Units of work: a handler step's database work, done and committed before it replies.

A unit opens a session, runs a plain (synchronous) function with it, records the update as
handled with its commit, closes the session and hands back what the function returned: plain
data, never a session or a row. It cannot await, so no pooled connection or transaction ever
waits on Telegram. Units run inline on the event loop or in a bounded pool of threads
(``UnitRunner``), whichever serves the database better (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel

from civic_feedback.storage.citizens import add_citizen, attach_citizen, note_activity
from civic_feedback.storage.models import Citizen
from civic_feedback.storage.processed_updates import handled_elsewhere, record_update
from civic_feedback.storage.tables import CITIZEN_TABLE

log = logging.getLogger(__name__)

T = TypeVar("T")

# Updates handled at once, the rest wait in line (polling's task limit, the webhook's
# max_connections). A unit of work holds a connection only while it runs, so this is sized
# for waits on Telegram, not for the connection pool (storage/database.py).
UPDATES_AT_ONCE = 100
UNIT_THREADS = 4  # units of work at once on PostgreSQL: fewer than the pool's connections


@dataclass(frozen=True)
class CitizenSnapshot:
    """The update's sender as the last unit of work left them: plain, immutable data."""

    id: int
    telegram_id: int
    language: str | None
    municipality: str | None
    opted_out: bool
    privacy_accepted_at: datetime | None

    @classmethod
    def of(cls, columns: Mapping[str, Any]) -> CitizenSnapshot:
        """From the citizen's row (every column of the table)."""
        return cls(
            id=columns["id"],
            telegram_id=columns["telegram_id"],
            language=columns["language"],
            municipality=columns["municipality"],
            opted_out=columns["opted_out"],
            privacy_accepted_at=columns["privacy_accepted_at"],
        )


class Unit:
    """What a unit's work is given: its session and the sender, as a row of that session."""

    def __init__(
        self, session: Session, columns: Mapping[str, Any] | None, sender: Sender | None
    ) -> None:
        self.session = session
        self._sender = sender
        self.citizen: Citizen | None = attach_citizen(session, columns) if columns else None

    def citizen_or_new(self) -> Citizen:
        """The sender; met for the first time, a new citizen speaking their app's language
        when we offer it (written with this unit's commit)."""
        if self.citizen is None:
            assert self._sender is not None, "an update without a sender has no citizen"
            self.citizen = add_citizen(
                self.session,
                telegram_id=self._sender.telegram_id,
                language=self._sender.language,
            )
        return self.citizen


@dataclass(frozen=True)
class Sender:
    """Who sent the update, as Telegram says: enough to meet them as a new citizen."""

    telegram_id: int
    language: str | None  # their app's language, when we offer it


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
        columns: Mapping[str, Any] | None,
        sender: Sender | None,
    ) -> None:
        self._sessions = sessions
        self._runner = runner
        self.update_id = update_id
        self._columns = columns
        self._sender = sender
        self.recorded = False  # a unit committed the update id
        self.citizen = CitizenSnapshot.of(columns) if columns else None

    async def __call__(self, work: Work[T]) -> T:
        return await self._runner(lambda: self._run(work))

    def _run(self, work: Work[T]) -> T:
        with self._sessions() as session:
            unit = Unit(session, self._columns, self._sender)
            first = not self.recorded
            if first and unit.citizen is not None:
                note_activity(unit.citizen)
            try:
                result = work(unit)
                if isinstance(result, SQLModel):
                    raise TypeError(f"a unit of work returns plain data, not a row: {result!r}")
                if first:
                    record_update(session, self.update_id)
                session.commit()  # the one commit: the work and, the first time, the update id
            except IntegrityError:
                session.rollback()
                if first and handled_elsewhere(session, self.update_id):
                    log.info("update_duplicate update_id=%s (at the same moment)", self.update_id)
                    raise HandledElsewhereError from None
                raise
            self.recorded = True
            self._remember(unit.citizen)
        return result

    def _remember(self, citizen: Citizen | None) -> None:
        """What the unit left of the sender, for the next unit and the replies."""
        if citizen is None or inspect(citizen).was_deleted:
            self._columns, self.citizen = None, None
            return
        self._columns = {column.name: getattr(citizen, column.name) for column in CITIZEN_TABLE.c}
        self.citizen = CitizenSnapshot.of(self._columns)
