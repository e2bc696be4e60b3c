"""The scheduler's jobs: a wake-up of the notification worker asked for while it is sending
is not dropped, a due time already passed is left to the regular wake-up instead of being
retried in a loop, and a job running when the scheduler stops ends without an error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from civic_feedback.bot.jobs.scheduler import Wakers, start_scheduler

HOUR = timedelta(hours=1)  # the regular wake-up: not within these tests


class Worker:
    """A notification worker whose sending lasts until the test lets it end."""

    def __init__(self) -> None:
        self.sends = 0
        self.looked_ahead = 0  # times asked when the next notification is due
        self.due: datetime | None = None
        self.release = asyncio.Event()
        self._changed = asyncio.Event()

    async def send_due(self) -> int:
        self.sends += 1
        self._changed.set()
        await self.release.wait()
        return 0

    def next_due(self) -> datetime | None:
        self.looked_ahead += 1  # the wake-up then schedules (or not) before it yields
        self._changed.set()
        return self.due

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(10):
            while not done():
                self._changed.clear()
                await self._changed.wait()


class Idle:
    async def send_due(self) -> None: ...
    async def purge(self) -> None: ...
    async def roll_up(self) -> None: ...
    async def send_if_due(self) -> None: ...
    async def deliver_pending(self) -> None: ...


def started(worker: Worker) -> tuple[AsyncIOScheduler, Wakers]:
    idle = cast(Any, Idle())
    return start_scheduler(cast(Any, worker), idle, idle, idle, idle, idle, every=HOUR)


async def test_a_wake_up_asked_for_while_the_worker_sends_runs_after_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Worker()
    worker.release.set()
    scheduler, wakers = started(worker)
    try:
        await worker.until(lambda: worker.looked_ahead == 1)  # the regular wake-up, at start
        worker.release.clear()
        wakers.notifications()  # a handler stored something due now
        await worker.until(lambda: worker.sends == 2)  # ...and the worker is sending it
        with caplog.at_level(logging.WARNING, logger="apscheduler"):
            wakers.notifications()  # another, meanwhile
            worker.release.set()
            await worker.until(lambda: worker.looked_ahead == 3)
    finally:
        scheduler.shutdown(wait=False)

    assert worker.sends == 3
    assert "skipped" not in caplog.text


async def test_a_due_time_within_the_interval_gets_its_own_wake_up_and_a_passed_one_none() -> None:
    worker = Worker()
    worker.release.set()
    worker.due = datetime.now(UTC) + timedelta(minutes=5)  # a reminder 5 min from now
    scheduler, wakers = started(worker)
    try:
        await worker.until(lambda: worker.looked_ahead == 1)
        soon = scheduler.get_job("notifications-soon")
        assert soon is not None
        assert soon.next_run_time == worker.due

        # Due already but not sent: another replica holds it. No wake-up loop.
        worker.due = datetime.now(UTC) - timedelta(seconds=1)
        scheduler.remove_job("notifications-soon")
        wakers.notifications()
        await worker.until(lambda: worker.looked_ahead == 2)
        assert scheduler.get_job("notifications-soon") is None
    finally:
        scheduler.shutdown(wait=False)

    assert worker.sends == 2


async def test_a_job_running_when_the_scheduler_stops_ends_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Worker()  # its sending waits: a broadcast paced behind many messages
    ended = asyncio.Event()
    scheduler, _ = started(worker)
    await worker.until(lambda: worker.sends == 1)

    with caplog.at_level(logging.INFO):
        scheduler.shutdown(wait=False)  # Ctrl+C, or the leader lost its lock
        asyncio.get_running_loop().call_soon(ended.set)  # after the job's cancellation
        await ended.wait()

    assert worker.looked_ahead == 0  # it stopped where it waited
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == []
    assert "job_stopped job=start_scheduler.<locals>.wake" in caplog.text
