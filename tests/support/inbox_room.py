"""A municipality's inbox in one process: citizens and staff write through the fake Bot API,
the real dispatcher handles their updates, and the courier delivers as the leader's job does.

The fake keeps what each person sent, so the bot's copies of photos, files and places are
real copies of those messages, as on Telegram.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.jobs.inbox_courier import InboxCourier
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import Role, StaffMember, utcnow
from tests.support.citizens import add_citizen
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.keys import PSEUDONYM_KEY
from tests.support.telegram import FailedUpdates

TOKEN = "42:TEST-inbox-room"
GROUP = -100500  # Sliven's staff group
STAFF = 7001


class InboxRoom:
    def __init__(
        self,
        telegram: FakeTelegram,
        sessions: sessionmaker[Session],
        database_url: str,
        staff_chats: tuple[str, ...] = (f"Sliven:{GROUP}",),
    ) -> None:
        self.telegram = telegram
        self.sessions = sessions
        self.settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            pseudonym_key=PSEUDONYM_KEY,
            database_url=database_url,
            default_language="en",
            municipalities=["Sliven", "Haskovo"],
            staff_chats=list(staff_chats),
        )
        api = TelegramAPIServer.from_base(telegram.url)
        self.bot = Bot(
            TOKEN,
            session=AiohttpSession(api=api),
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
        i18n = create_i18n("en")
        self.dispatcher = create_dispatcher(
            settings=self.settings, sessions=sessions, runs=runs, i18n=i18n
        )
        self.courier = InboxCourier(
            bot=self.bot,
            sessions=sessions,
            settings=self.settings,
            i18n=i18n,
            catalog=runs.catalog,
            limiter=RateLimiter(1000),
        )
        self._offset = 0
        with sessions.begin() as session:
            install_library(session)
            session.add(
                StaffMember(
                    telegram_id=STAFF, role=Role.STAFF, municipality="Sliven", granted_by="test"
                )
            )

    def citizen(
        self, telegram_id: int, municipality: str | None = "Sliven", language: str = "en"
    ) -> None:
        """Someone who accepted the privacy notice and chose their municipality (and the
        bot's language)."""
        with self.sessions.begin() as session:
            citizen = find_citizen(session, telegram_id) or add_citizen(
                session, telegram_id=telegram_id, language=language
            )
            citizen.privacy_accepted_at = utcnow()
            citizen.municipality = municipality
            session.add(citizen)

    async def handle(self) -> None:
        """Handle every update waiting at the fake, in order; a handler's error fails the
        test."""
        errors = logging.getLogger("civic_feedback.bot.handlers.errors")
        failures = FailedUpdates()
        errors.addHandler(failures)
        try:
            for update in await self.bot.get_updates(offset=self._offset, timeout=0):
                self._offset = update.update_id + 1
                result = await self.dispatcher.feed_update(self.bot, update)
                if isinstance(result, TelegramMethod):
                    await self.bot(result)
        finally:
            errors.removeHandler(failures)
        assert not failures.records, [r.getMessage() for r in failures.records]

    async def send(self, user_id: int, content: dict[str, Any], **where: Any) -> None:
        self.telegram.send_content(user_id, content, language_code="en", **where)
        await self.handle()

    async def tap(self, user_id: int, label: str, *, chat_id: int | None = None) -> None:
        chat = user_id if chat_id is None else chat_id
        message = next(
            m for m in reversed(self.telegram.messages(chat)) if self.telegram.buttons(m)
        )
        self.telegram.press_button(
            user_id, message.message_id, label, language_code="en", chat_id=chat_id
        )
        await self.handle()

    def chat(self, chat_id: int) -> list[SentMessage]:
        return self.telegram.messages(chat_id)

    async def close(self) -> None:
        await self.bot.session.close()


def photo(user_id: int, size: int = 800, **extra: Any) -> dict[str, Any]:
    return {
        "photo": [
            {
                "file_id": f"fake-photo-{user_id}-{size}",
                "file_unique_id": f"photo{user_id}{size}",
                "width": size,
                "height": size,
                "file_size": size * 10,
            }
        ],
        **extra,
    }


def location(latitude: float, longitude: float) -> dict[str, Any]:
    return {"location": {"latitude": latitude, "longitude": longitude}}
