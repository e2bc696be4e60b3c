"""The console in the chat: /console gives role holders the button that opens it; at
start-up every role holder gets it as the chat's menu button, in their language."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, SetChatMenuButton
from aiogram.types import InlineKeyboardMarkup, MenuButtonDefault
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.console_door import offer_console
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import add_citizen
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Role
from civic_feedback.storage.roles import grant
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY
from tests.support.people import Person
from tests.support.telegram import ADMIN, CITIZEN, CONSOLE_URL, StaffTelegram, watched

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
