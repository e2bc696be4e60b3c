"""Load, end to end: a thousand citizens answer event-satisfaction at once.

Through one real bot process on long polling and SQLite, and through two webhook replicas
on PostgreSQL with Telegram (the fake) posting to them in turn. Every citizen finishes and
every answer is stored exactly once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.citizen_driver import (
    CitizenDriver,
    answer_event_satisfaction,
    assert_answered_once,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.webhook_replicas import Replicas

pytestmark = pytest.mark.e2e

# The thousand citizens, on both paths: on a quiet 2-core machine about 30 s by
# polling on SQLite and 45 s on the two replicas; benchmarks/ measures throughput.
CITIZENS = 1000
TIMEOUT = 120  # per step; each citizen waits behind hundreds of others' updates


async def crowd(tg: FakeTelegram, count: int) -> list[CitizenDriver]:
    """``count`` citizens complete the form, all at once; returns them."""
    citizens = [CitizenDriver(tg, 600_000 + n) for n in range(count)]
    rounds = (answer_event_satisfaction(c, str(4 + c.id % 2), TIMEOUT) for c in citizens)
    await asyncio.gather(*rounds)
    return citizens


async def test_a_thousand_citizens_at_once_through_long_polling_on_sqlite(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(tg.url, tmp_path)
    await bot.start()
    try:
        await tg.wait_for_polling(timeout=60)
        citizens = await crowd(tg, CITIZENS)
    finally:
        await bot.stop()

    assert_answered_once(bot.export("event-satisfaction"), citizens)
    assert "Traceback" not in bot.log()


async def test_a_thousand_citizens_at_once_through_two_webhook_replicas_on_postgresql(
    tg: FakeTelegram, tmp_path: Path, postgres_url: str
) -> None:
    replicas = Replicas(tg, tmp_path, postgres_url, 2)
    await replicas.start()
    try:
        async with replicas.delivering():
            citizens = await crowd(tg, CITIZENS)
    finally:
        await replicas.stop()

    assert_answered_once(replicas.processes[0].export("event-satisfaction"), citizens)
    assert tg.webhook_retries == 0  # every post was answered 200 the first time
    for process in replicas.processes:
        assert "Traceback" not in process.log()
