"""The console in the chat: /console gives role holders the button that opens it; at
start-up every role holder gets it as the chat's menu button, in their language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, SetChatMenuButton
from aiogram.types import InlineKeyboardMarkup, MenuButtonDefault
from aiohttp.test_utils import TestServer
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.console_door import offer_console
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.bot.webhook import create_app
from civic_feedback.console.web import Console
from civic_feedback.settings import Settings
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Role, utcnow
from civic_feedback.storage.roles import grant
from tests.support.citizens import add_citizen
from tests.support.databases import migrated_sqlite, unit_sessions
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY
from tests.support.people import Person
from tests.support.telegram import (
    ADMIN,
    CITIZEN,
    CONSOLE_URL,
    StaffTelegram,
    Telegram,
    watched,
)

CLERK = 7020


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[StaffTelegram]:
    with sessions() as session:
        install_library(session)
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Сливен")
    async with watched(StaffTelegram(database_url, sessions)) as telegram:
        yield telegram


async def test_a_role_holder_gets_the_button_that_opens_the_console(tg: StaffTelegram) -> None:
    for holder in (CLERK, ADMIN):
        person = Person(tg, holder)

        reply = (await person.say("/console")).one(SendMessage)

        assert isinstance(reply.reply_markup, InlineKeyboardMarkup)
        (button,) = [b for row in reply.reply_markup.inline_keyboard for b in row]
        assert button.web_app is not None
        assert button.web_app.url == CONSOLE_URL


async def test_a_citizen_is_told_it_is_for_staff_and_loses_any_menu_button(
    tg: StaffTelegram,
) -> None:
    person = Person(tg, CITIZEN)

    calls = await person.say("/console")

    (refusal,) = calls.of(SendMessage)
    assert refusal.text == "The console is for municipal staff and organizers."
    (reset,) = calls.of(SetChatMenuButton)
    assert (reset.chat_id, reset.menu_button) == (CITIZEN, MenuButtonDefault())


async def test_at_start_up_every_role_holder_gets_the_menu_button_in_their_language(
    telegram: FakeTelegram, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Сливен")
        add_citizen(session, telegram_id=CLERK, language="en")
        grant(session, 7021, Role.ORGANIZER, granted_by="test")
    telegram.blocked.add(7021)  # never started the bot, or blocked it
    settings = Settings(
        _env_file=None,
        pseudonym_key=PSEUDONYM_KEY,
        admin_ids=str(ADMIN),
        console_url=CONSOLE_URL,
    )
    bot: Bot = create_bot("42:TEST-console", telegram.url)
    try:
        await offer_console(bot, create_i18n("bg"), sessions, settings)
    finally:
        await bot.session.close()

    buttons = telegram.menu_buttons
    assert set(buttons) == {ADMIN, CLERK}  # 7021 was skipped, and the others still got it
    assert buttons[CLERK] == {"type": "web_app", "text": "Console", "web_app": {"url": CONSOLE_URL}}
    assert buttons[ADMIN]["text"] == "Табло"  # the deployment's language: never chose one


async def test_with_a_webhook_the_console_shares_its_listener_and_hides_nothing_of_it(
    tmp_path: Path,
) -> None:
    engine = create_db_engine(migrated_sqlite(tmp_path / "feedback.db"))
    telegram = Telegram(str(engine.url), unit_sessions(engine))
    settings = Settings(_env_file=None, pseudonym_key=PSEUDONYM_KEY, console_url=CONSOLE_URL)
    console = Console(settings, telegram.sessions, "42:TEST", utcnow).app()
    monitor = Monitor(BotMetrics(), engine, leading=lambda: True)
    app = create_app(telegram.dispatcher, telegram.bot, monitor, "/", "s3cret", (console, settings))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as client:
            statuses = {}
            for path in ("/console/", "/console/api/home", "/healthz"):
                async with client.get(server.make_url(path)) as response:
                    statuses[path] = response.status
            update = {"update_id": 1, "message": {"message_id": 1, "date": 1, "text": "hi"}}
            async with client.post(server.make_url("/"), json=update) as refused:
                webhook = refused.status  # no secret: the webhook's own refusal
    finally:
        await server.close()
        telegram.close()
        await telegram.bot.session.close()
        engine.dispose()

    assert statuses == {"/console/": 200, "/console/api/home": 401, "/healthz": 200}
    assert webhook == 401
