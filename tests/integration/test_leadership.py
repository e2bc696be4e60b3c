"""One leader runs the scheduled jobs: the holder of the PostgreSQL leader lock.

Two Leadership objects stand for two replicas (each with a lock connection of its own),
with short timings; their "jobs" are an empty scheduler whose start and stop are recorded.
The end-to-end tests (tests/e2e/test_replicas.py) kill real bot processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine, create_engine, text

from civic_feedback.bot.jobs.leadership import Leadership, Timing
from civic_feedback.bot.jobs.scheduler import Wakers
from civic_feedback.storage.advisory_locks import LEADER, LeaderLock

# Quick attempts and checks; a lease long enough that a check slowed by a busy machine (the
# whole suite runs on two cores) never makes the leader let go in the middle of a test.
FAST = Timing(retry=0.1, check=0.1, lease=3.0)
DEADLINE = 20  # seconds; far more than any step takes, the grace of 4 s included


class Replica:
    """A Leadership whose jobs write what happens to a shared journal."""

    def __init__(self, name: str, url: str | None, engine: Engine, journal: list[str]) -> None:
        self.name = name
        self.journal = journal
        self.attempts = 0
        self.changed = asyncio.Event()
        self.woken: list[str] = []
        lock = None if url is None else CountingLock(url, self)
        self.leadership = Leadership(self._start_jobs, lock, engine, FAST)

    def _start_jobs(self) -> tuple[AsyncIOScheduler, Wakers]:
        self._note("started")
        scheduler = AsyncIOScheduler()
        scheduler.add_listener(lambda _: self._note("stopped"), EVENT_SCHEDULER_SHUTDOWN)
        scheduler.start()
        wakers = Wakers(
            notifications=lambda: self._woken("notifications"),
            broadcasts=lambda: self._woken("broadcasts"),
            inbox=lambda: self._woken("inbox"),
        )
        return scheduler, wakers

    def _note(self, what: str) -> None:
        self.journal.append(f"{self.name} {what}")
        self.changed.set()

    def attempted(self) -> None:
        self.attempts += 1
        self.changed.set()

    def _woken(self, topic: str) -> None:
        self.woken.append(topic)
        self.changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition`` holds; checked again whenever this replica changes."""
        async with asyncio.timeout(DEADLINE):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


class CountingLock(LeaderLock):
    """Counts the attempts to take the lock (made in a worker thread)."""

    def __init__(self, url: str, replica: Replica) -> None:
        super().__init__(url)
        self.replica = replica
        self.loop = asyncio.get_running_loop()

    def try_acquire(self) -> bool:
        taken = super().try_acquire()
        self.loop.call_soon_threadsafe(self.replica.attempted)
        return taken


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
async def pair(postgres_url: str, engine: Engine) -> AsyncIterator[tuple[Replica, Replica]]:
    journal: list[str] = []
    replicas = (
        Replica("a", postgres_url, engine, journal),
        Replica("b", postgres_url, engine, journal),
    )
    yield replicas
    for replica in replicas:
        await replica.leadership.stop()


def cut_leader_connection(engine: Engine) -> int:
    """End the session that holds this schema's leader lock, as a network failure would."""
    with engine.begin() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND classid = :leader "
                    "AND objid = hashtext(current_schema())::oid"
                ),
                {"leader": LEADER},
            ).scalar_one()
        )


async def test_only_one_replica_runs_the_jobs(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    a.leadership.start()
    await a.until(lambda: a.leadership.leading)
    b.leadership.start()

    await b.until(lambda: b.attempts >= 5)  # it kept trying while a held the lock

    assert a.journal == ["a started"]
    assert not b.leadership.leading


async def test_a_leader_that_loses_its_lock_stops_before_the_next_one_starts(
    pair: tuple[Replica, Replica], engine: Engine
) -> None:
    a, b = pair
    a.leadership.start()
    await a.until(lambda: a.leadership.leading)
    b.leadership.start()
    await b.until(lambda: b.attempts >= 2)

    assert cut_leader_connection(engine) == 1
    await b.until(lambda: b.leadership.leading)

    assert a.journal == ["a started", "a stopped", "b started"]
    assert not a.leadership.leading


async def test_a_follower_wakes_the_leader_through_the_database(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    a.leadership.start()
    await a.until(lambda: a.leadership.leading)
    b.leadership.start()
    await b.until(lambda: b.attempts >= 1)

    b.leadership.wakers.broadcasts()  # a handler on b queued an announcement
    b.leadership.wakers.notifications()

    await a.until(lambda: len(a.woken) == 2)
    assert a.woken == ["broadcasts", "notifications"]
    assert b.woken == []


async def test_on_sqlite_the_one_process_leads_at_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'feedback.db'}")
    replica = Replica("only", None, engine, [])
    replica.leadership.start()
    try:
        assert replica.leadership.leading
        replica.leadership.wakers.notifications()
        assert replica.woken == ["notifications"]
        await replica.leadership.stop()
        await replica.until(lambda: len(replica.journal) == 2)  # the scheduler stops next
        assert replica.journal == ["only started", "only stopped"]
    finally:
        engine.dispose()
