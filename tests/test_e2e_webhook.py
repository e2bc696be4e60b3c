"""End to end: feedback-bot in webhook mode, behind which Telegram (the fake) posts updates."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.bot_process import TOKEN, BotProcess
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e

SECRET = "webhook-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def hook(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[str]:
    """The bot serving its webhook; yields the base URL Telegram posts to."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    process = BotProcess(
        tg.url, tmp_path, WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_PORT=str(port)
    )
    await process.start()
    try:
        await tg.wait_for(lambda: tg.webhook_url == url, timeout=30, what="setWebhook")
        yield url
    finally:
        await process.stop()
        assert TOKEN not in process.log()
        assert SECRET not in process.log()


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, json=update, headers=headers) as response,
    ):
        return response.status


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
