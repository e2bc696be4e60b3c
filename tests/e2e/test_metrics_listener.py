"""End to end: feedback-bot polling, with and without METRICS_PORT."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import psutil
import pytest

from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.scrape import scrape
from tests.support.webhook_replicas import free_port

pytestmark = pytest.mark.e2e

REQUESTS = "civic_feedback_bot_api_requests_total"


async def test_a_polling_bot_serves_health_and_metrics_on_metrics_port(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    bot = BotProcess(tg.url, tmp_path, METRICS_PORT=str(port))
    await bot.start()
    try:
        await tg.wait_for_polling(timeout=60)
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as client, client.get(f"{base}/healthz") as response:
            health = response.status, await response.json()
        metrics = await scrape(f"{base}/metrics")
    finally:
        await bot.stop()

    assert health == (200, {"status": "ok", "leader": True, "database": "ok"})
    # What the bot asked before it started polling, counted as the fake answered it.
    assert metrics.value(REQUESTS, method="deleteWebhook", result="ok") == 1
    assert metrics.value(REQUESTS, method="setMyCommands", result="ok") == len(
        tg.requests("setMyCommands")
    )
    assert metrics.value("civic_feedback_leader") == 1
    assert f"metrics_listening listen=127.0.0.1:{port}" in bot.log()


async def test_a_polling_bot_without_metrics_port_listens_on_no_port(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(tg.url, tmp_path)
    await bot.start()
    try:
        await tg.wait_for_polling(timeout=60)
        assert bot.process is not None
        connections = psutil.Process(bot.process.pid).net_connections(kind="tcp")
    finally:
        await bot.stop()

    assert [c.laddr for c in connections if c.status == psutil.CONN_LISTEN] == []
    assert "metrics_listening" not in bot.log()
