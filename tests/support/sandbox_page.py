"""The sandbox's chat page served over a fresh demo database, without the bot: tests play the
bot through the emulator's Bot API and the people through the page's JSON API.

The database is SQLite only: what these tests check is the page, not the storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.sandbox.chat_view import ChatView
from civic_feedback.sandbox.demo import demo_consultation, demo_event
from civic_feedback.sandbox.emulator import BotApiEmulator
from civic_feedback.sandbox.web import ChatPage, PageDemo
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.flow_versions import install_library
from tests.support.databases import migrated_sqlite, unit_sessions

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SOFIA = ZoneInfo("Europe/Sofia")
GROUP = -1001000000001  # the one staff group, for every municipality
TOKEN = "1000000001:sandbox-local-emulator-token"


@dataclass
class ServedPage:
    emulator: BotApiEmulator
    client: aiohttp.ClientSession
    event_code: str
    consultation_code: str

    async def bot_sends(self, method: str, **params: object) -> dict[str, object]:
        """The bot calls the Bot API (as aiogram would, in JSON): the result."""
        async with self.client.post(f"/bot{TOKEN}/{method}", json=params) as response:
            answer = await response.json()
        assert answer["ok"], answer
        result: dict[str, object] = answer["result"]
        return result


@asynccontextmanager
async def served_page(folder: Path) -> AsyncIterator[ServedPage]:
    engine = create_db_engine(migrated_sqlite(folder / "feedback.db"))
    sessions = unit_sessions(engine)
    with sessions() as session:
        install_library(session)
        session.commit()
        code = demo_event(session, SOFIA, NOW, None).code
        consultation = demo_consultation(session, NOW, None).code
        session.commit()
    emulator = BotApiEmulator(bot_username="civic_feedback_sandbox_bot")
    app = web.Application()
    view = ChatView("civic_feedback_sandbox_bot", SOFIA)
    demo = PageDemo(code, consultation, {GROUP: [None]})
    ChatPage(emulator, sessions, view, demo, lambda: NOW, create_i18n("bg")).install(app)
    await emulator.start(app)
    try:
        async with aiohttp.ClientSession(emulator.url) as client:
            yield ServedPage(emulator, client, code, consultation)
    finally:
        await emulator.stop()
        engine.dispose()
