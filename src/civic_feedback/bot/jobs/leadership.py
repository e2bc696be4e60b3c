"""One leader among the bot's replicas runs the scheduled jobs; the others only serve updates.

The leader is the process holding the leader lock (a PostgreSQL session-level advisory lock
on a connection of its own). Every replica that does not hold it tries again every
``retry`` seconds, so when the leader dies (its session ends, releasing the lock) another
takes over within ``retry + grace`` seconds. On SQLite the one process leads at once.

The leader confirms its lock every ``check`` seconds and stops its jobs as soon as a check
fails, or once no check has succeeded for ``lease`` seconds (a connection that hangs rather
than fails). A new leader waits ``grace`` (more than ``lease``) after taking the lock before
it starts its jobs: the session of the old leader ended after its last successful check, so
by then the old leader has stopped. Independently, every reminder, broadcast row and digest
is claimed in the database before it is sent, and a row is claimed by one process only.

Handlers wake the jobs after writing something due now; on a follower the wake-up goes to
the leader as a PostgreSQL NOTIFY, which the leader hears on its lock connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.bot.jobs.scheduler import Wakers
from civic_feedback.storage.advisory_locks import LeaderLock, LockLostError, wake_leader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    """Seconds; the defaults hand over within about ten seconds of a leader's death."""

    retry: float = 3.0  # between a follower's attempts to take the lock
    check: float = 2.0  # between the leader's checks that it still holds the lock
    lease: float = 6.0  # the leader stops its jobs when no check succeeded for this long

    @property
    def grace(self) -> float:
        """How long a new leader waits before it starts the jobs: longer than the lease."""
        return self.lease + 1.0


StartJobs = Callable[[], tuple[AsyncIOScheduler, Wakers]]


class Leadership:
    """Runs the jobs while this process leads; hands out wake-ups that reach the leader."""

    def __init__(
        self,
        start_jobs: StartJobs,
        lock: LeaderLock | None,
        engine: Engine,
        timing: Timing = Timing(),
    ) -> None:
        self._start_jobs = start_jobs
        self.timing = timing
        self._lock = lock
        self._engine = engine
        self._jobs: tuple[AsyncIOScheduler, Wakers] | None = None
        self._campaign: asyncio.Task[None] | None = None
        self.wakers = Wakers(
            notifications=lambda: self._wake("notifications"),
            broadcasts=lambda: self._wake("broadcasts"),
            inbox=lambda: self._wake("inbox"),
        )

    @property
    def leading(self) -> bool:
        return self._jobs is not None

    def start(self) -> None:
        """Lead now (SQLite), or keep trying to take the leader lock in the background."""
        if self._lock is None:
            self._begin()
            return
        self._campaign = asyncio.create_task(self._campaign_forever(self._lock))

    async def stop(self) -> None:
        if self._campaign is not None:
            self._campaign.cancel()
            await asyncio.gather(self._campaign, return_exceptions=True)
        self._end()
        if self._lock is not None:
            await asyncio.to_thread(self._lock.dispose)

    def _begin(self) -> None:
        self._jobs = self._start_jobs()
        log.info("leader_acquired: this process runs the scheduled jobs")

    def _end(self) -> None:
        if self._jobs is None:
            return
        scheduler, _ = self._jobs
        self._jobs = None
        # APScheduler does it at the event loop's next turn, a moment later;
        # the jobs that are running are cancelled at their next await.
        scheduler.shutdown(wait=False)

    def _wake(self, topic: str) -> None:
        if self._jobs is not None:
            self._wake_here(topic)
        elif self._lock is not None:
            try:
                wake_leader(self._engine, topic)
            except SQLAlchemyError as error:  # the leader finds the work at its next interval
                log.warning("leader_not_woken topic=%s: %s", topic, type(error).__name__)

    def _wake_here(self, topic: str) -> None:
        if self._jobs is None:
            return  # not running the jobs yet: they look for due work when they start
        wakers = self._jobs[1]
        wake = {
            "notifications": wakers.notifications,
            "broadcasts": wakers.broadcasts,
            "inbox": wakers.inbox,
        }.get(topic)
        if wake is not None:
            wake()

    async def _campaign_forever(self, lock: LeaderLock) -> None:
        while True:
            try:
                taken = await asyncio.to_thread(lock.try_acquire)
            except SQLAlchemyError as error:
                log.warning("leader_lock_unavailable: %s", type(error).__name__)
                taken = False
            if taken:
                log.info("leader_lock_taken: the jobs start in %.0f s", self.timing.grace)
                await self._lead(lock)
            await asyncio.sleep(self.timing.retry)

    async def _lead(self, lock: LeaderLock) -> None:
        """Hold the lock, with the jobs running after the grace period, until it is lost."""
        try:
            reason = await self._hold(lock)
        finally:
            was_leading = self._jobs is not None
            self._end()
        # In a thread: a connection that hangs must not hold up the event loop.
        await asyncio.to_thread(lock.release)
        if was_leading:
            log.warning("leader_lost reason=%s: scheduled jobs stopped", reason)
        else:
            log.warning("leader_lock_lost reason=%s: before the jobs started", reason)

    async def _hold(self, lock: LeaderLock) -> str:
        """Confirm the lock again and again; returns why it was lost."""
        timing = self.timing
        acquired = confirmed = time.monotonic()
        while True:
            now = time.monotonic()
            if self._jobs is None and now - acquired >= timing.grace:
                self._begin()
            wait = timing.check if self._jobs else min(timing.check, acquired + timing.grace - now)
            try:
                topics = await asyncio.wait_for(
                    asyncio.to_thread(lock.confirm, wait), confirmed + timing.lease - now
                )
            except (TimeoutError, LockLostError, SQLAlchemyError) as error:
                return type(error).__name__
            confirmed = now  # the lock was held at some moment after this
            for topic in topics:
                self._wake_here(topic)
