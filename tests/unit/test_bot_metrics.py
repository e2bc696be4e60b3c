"""The metrics' registry per bot, the backups' hook, and the bounded reads behind scrapes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from civic_feedback.bot.monitoring.bounded_reads import BoundedRead
from civic_feedback.bot.monitoring.metrics import DUPLICATE, HANDLED, BotMetrics
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
