"""The metrics' registry per bot, the backups' hook, the bounded reads behind scrapes, and
what the update middleware counts when the database fails an update."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.types import Update
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from civic_feedback.bot.middlewares.update_metrics import UpdateMetrics
from civic_feedback.bot.monitoring.bounded_reads import BoundedRead
from civic_feedback.bot.monitoring.metrics import DUPLICATE, HANDLED, BotMetrics
from tests.support.recording_session import message_update
from tests.support.scrape import scrape_registry

BACKUP = "civic_feedback_last_backup_timestamp_seconds"


def test_two_bots_in_one_process_count_apart() -> None:
    first, second = BotMetrics(), BotMetrics()  # a second registry: no clash over the names

    first.update_done("message", HANDLED, 0.01)
    first.update_done("message", DUPLICATE, 0.0)
    second.update_skipped("poll")

    one, two = scrape_registry(first), scrape_registry(second)
    assert one.by("civic_feedback_updates_total", "outcome", kind="message") == {
        "handled": 1,
        "duplicate": 1,
    }
    assert one.by("civic_feedback_skipped_updates_total", "kind") == {}
    assert two.by("civic_feedback_updates_total", "outcome", kind="message") == {}
    assert two.by("civic_feedback_skipped_updates_total", "kind") == {"poll": 1}


def test_the_last_backup_is_shown_once_a_backup_module_connects_it() -> None:
    metrics = BotMetrics()
    assert scrape_registry(metrics).value(BACKUP) is None  # no backups: no such metric

    last: list[datetime | None] = [None]
    metrics.watch_last_backup(lambda: last[0])
    assert scrape_registry(metrics).value(BACKUP) == 0  # none yet

    backed_up = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)
    last[0] = backed_up
    assert scrape_registry(metrics).value(BACKUP) == backed_up.timestamp()


async def test_a_read_that_hangs_times_out_and_is_not_started_again_while_it_hangs() -> None:
    release = threading.Event()
    started: list[int] = []

    def hanging_read() -> str:
        started.append(1)
        release.wait()
        return "figures"

    read = BoundedRead(hanging_read, timeout=0.05)
    for _ in range(3):
        with pytest.raises(TimeoutError):
            await read()
    assert len(started) == 1  # one thread tied up, however often asked

    release.set()
    assert await read() == "figures"  # the same read, finished
    assert await read() == "figures"
    assert len(started) == 2  # a new read once the last one was done


async def test_a_read_s_error_reaches_its_caller_and_the_next_read_starts_afresh() -> None:
    calls: list[int] = []

    def read_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return "figures"

    read = BoundedRead(read_once, timeout=5)
    with pytest.raises(RuntimeError, match="database gone"):
        await read()
    assert await read() == "figures"


@pytest.mark.parametrize(
    ("error", "counted"),
    [
        # No free connection: only the update sees it, so it is counted here.
        (PoolTimeoutError("QueuePool limit reached"), {"TimeoutError": 1}),
        # The driver's errors were counted by the engine as they happened: not twice.
        (OperationalError("SELECT 1", {}, Exception("database is locked")), {}),
    ],
)
async def test_an_update_failed_by_the_database_is_failed_and_counted_once(
    error: Exception, counted: dict[str, float]
) -> None:
    metrics = BotMetrics()
    update = Update.model_validate(message_update(1, 4001, "/start"))

    async def handler(_event: Any, _data: dict[str, Any]) -> None:
        raise error

    with pytest.raises(type(error)):
        await UpdateMetrics(metrics)(handler, update, {})

    scrape = scrape_registry(metrics)
    assert scrape.by("civic_feedback_updates_total", "outcome", kind="message") == {"failed": 1}
    assert scrape.by("civic_feedback_database_errors_total", "error") == counted
