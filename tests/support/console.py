"""The staff console on a loopback port, and requests to it as its page makes them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.console.guards import RequestBudget
from civic_feedback.console.web import Console
from civic_feedback.sandbox.init_data import sign_init_data
from civic_feedback.settings import Settings
from civic_feedback.storage.database import create_db_engine
from tests.support.databases import migrated_sqlite, unit_sessions
from tests.support.keys import PSEUDONYM_KEY
from tests.support.webhook_replicas import free_port

TOKEN = "42:TEST-console"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
ADMIN = 7100
BOT_USERNAME = "smolyan_feedback_bot"


def console_settings() -> Settings:
    return Settings(
        _env_file=None,
        pseudonym_key=PSEUDONYM_KEY,
        admin_ids=str(ADMIN),
        municipalities="Смолян,Сливен",
        console_url="https://feedback.example.bg/console/",
    )


@asynccontextmanager
async def console_at(
    sessions: sessionmaker[Session],
    budget: RequestBudget | None = None,
    bot_username: str | None = BOT_USERNAME,
    bot: Bot | None = None,
    clock: Callable[[], datetime] = lambda: NOW,
) -> AsyncIterator[str]:
    """The console on a loopback port, its clock at NOW unless told, given the bot's username
    (and, for what it posts, the bot's client) as the bot gives them at start-up; yields its
    base URL."""
    settings = console_settings()
    app = Console(settings, sessions, TOKEN, clock, budget, bot_username, bot).app()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def opened_by(telegram_id: int, at: datetime = NOW, token: str = TOKEN) -> str:
    """The init data of a page ``telegram_id`` opened a minute before ``at``."""
    return sign_init_data(token, telegram_id, at - timedelta(minutes=1))


async def call(
    base: str,
    method: str,
    path: str,
    init_data: str | None,
    *,
    body: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, dict[str, str], Any]:
    """(status, headers, JSON body or text) of one request."""
    headers = {"Authorization": f"tma {init_data}"} if init_data is not None else {}
    if body is not None:
        headers["Content-Type"] = content_type
    async with (
        aiohttp.ClientSession() as client,
        client.request(method, base + path, headers=headers, data=body) as got,
    ):
        text = await got.text()
        try:
            parsed: Any = json.loads(text)
        except ValueError:
            parsed = text
        return got.status, dict(got.headers), parsed


async def download(base: str, path: str, init_data: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body as bytes) of a GET for a file."""
    headers = {"Authorization": f"tma {init_data}"}
    async with (
        aiohttp.ClientSession() as client,
        client.get(base + path, headers=headers) as got,
    ):
        return got.status, dict(got.headers), await got.read()


async def get(base: str, path: str, init_data: str | None) -> tuple[int, dict[str, str], Any]:
    return await call(base, "GET", path, init_data)


async def post_json(base: str, path: str, init_data: str, payload: Any) -> tuple[int, Any]:
    status, _headers, body = await call(
        base, "POST", path, init_data, body=json.dumps(payload).encode()
    )
    return status, body


async def post_for_file(
    base: str, path: str, init_data: str, payload: Any
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, bytes) of a POST whose answer is a file, as the page fetches it."""
    headers = {"Authorization": f"tma {init_data}"}
    async with (
        aiohttp.ClientSession() as client,
        client.post(base + path, headers=headers, json=payload) as got,
    ):
        return got.status, dict(got.headers), await got.read()


@contextmanager
def sqlite_sessions_in(folder: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated SQLite file: for what does not depend on the database."""
    engine = create_db_engine(migrated_sqlite(folder / "console.db"))
    try:
        yield unit_sessions(engine)
    finally:
        engine.dispose()
