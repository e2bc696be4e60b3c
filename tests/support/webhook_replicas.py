"""feedback-bot in webhook mode: one process or several replicas on one database, with
Telegram (the fake) posting updates to them in turn as through a reverse proxy."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram

SECRET = "webhook-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def webhook_process(tg: FakeTelegram, workdir: Path, **env: str) -> BotProcess:
    """A bot process that will serve its webhook on a free port of its own."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    return BotProcess(
        tg.url, workdir, WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_PORT=str(port), **env
    )


def webhook_url(process: BotProcess) -> str:
    return process.env["WEBHOOK_URL"]


async def until_serving(tg: FakeTelegram, processes: list[BotProcess]) -> None:
    """Wait until every process has registered its webhook (it serves from then on)."""
    wanted = {webhook_url(process) for process in processes}
    await tg.wait_for(
        lambda: wanted <= {r.params.get("url") for r in tg.requests("setWebhook")},
        timeout=60,
        what=f"setWebhook from {len(wanted)} process(es)",
    )


class Replicas:
    """Bot processes on one database, each with its own workdir (and log) and port."""

    def __init__(self, tg: FakeTelegram, root: Path, database_url: str, count: int, **env: str):
        self.tg = tg
        self.processes = []
        for index in range(count):
            workdir = root / f"replica-{index}"
            workdir.mkdir()
            self.processes.append(webhook_process(tg, workdir, DATABASE_URL=database_url, **env))

    @property
    def urls(self) -> list[str]:
        return [webhook_url(process) for process in self.processes]

    async def start(self) -> None:
        """Start them together, as a deployment does, and wait until all serve."""
        await asyncio.gather(*(process.start() for process in self.processes))
        await until_serving(self.tg, self.processes)

    async def stop(self) -> None:
        for process in self.processes:
            await process.stop()

    def leaders(self) -> list[BotProcess]:
        """The running processes whose log says they became the leader."""
        return [p for p in self.processes if p.process and "leader_acquired" in p.log()]

    @asynccontextmanager
    async def delivering(self) -> AsyncIterator[None]:
        """Telegram posts queued updates to the replicas in turn while inside."""
        delivery = asyncio.create_task(self.tg.deliver_to_webhooks(self.urls, SECRET))
        try:
            yield
        finally:
            delivery.cancel()
            await asyncio.gather(delivery, return_exceptions=True)

    def logs(self) -> str:
        return "\n".join(f"=== {p.workdir.name}\n{p.log()}" for p in self.processes)


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


async def post(
    url: str,
    update: dict[str, Any],
    secret: str | None = SECRET,
    *,
    telegram: FakeTelegram | None = None,
) -> int:
    """Post one update as Telegram does; returns the HTTP status. With ``telegram``, the Bot
    API method the webhook answered with is carried out there, as Telegram does."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, json=update, headers=headers) as response,
    ):
        if telegram is not None and response.status == 200:
            await telegram.take_webhook_reply(response)
        return response.status
