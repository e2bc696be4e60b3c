"""End to end: feedback-bot in webhook mode, behind which Telegram (the fake) posts updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.bot_process import TOKEN
from tests.fake_telegram import FakeTelegram
from tests.webhook_replicas import (
    SECRET,
    post,
    start_update,
    until_serving,
    webhook_process,
    webhook_url,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def hook(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[str]:
    """The bot serving its webhook; yields the base URL Telegram posts to."""
    process = webhook_process(tg, tmp_path)
    await process.start()
    try:
        await until_serving(tg, [process])
        yield webhook_url(process)
    finally:
        await process.stop()
        assert TOKEN not in process.log()
        assert SECRET not in process.log()


async def test_only_requests_with_the_secret_are_handled(tg: FakeTelegram, hook: str) -> None:
    assert await post(hook, start_update(1, 4001), secret=None) == 401
    assert await post(hook, start_update(2, 4002), secret="wrong-secret-0123456789") == 403
    assert tg.messages(4001) == []
    assert tg.messages(4002) == []

    assert await post(hook, start_update(3, 4003), secret=SECRET) == 200

    (notice,) = tg.messages(4003)  # handled before the answer: already sent
    assert notice.text is not None
    assert notice.text.startswith("Before we start: your data")


async def test_a_redelivered_update_is_handled_once(tg: FakeTelegram, hook: str) -> None:
    for _ in range(2):
        assert await post(hook, start_update(7, 4007), secret=SECRET) == 200

    assert len(tg.messages(4007)) == 1


async def test_healthz_says_the_database_answers(hook: str) -> None:
    base = hook.removesuffix("/telegram/updates")
    async with aiohttp.ClientSession() as client, client.get(f"{base}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}
