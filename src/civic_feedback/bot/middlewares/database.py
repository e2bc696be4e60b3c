"""The update's database side: a repeated update id is dropped, the handler gets its units."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.context import Context, Services
from civic_feedback.bot.middlewares.i18n import telegram_language
from civic_feedback.bot.units import HandledElsewhereError, Sender, UnitRunner, UpdateWork
from civic_feedback.storage.processed_updates import look_up_arrival

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
DUPLICATE_MARK = "update_duplicate"  # set in the update's data when it is dropped as handled


class DatabaseMiddleware(BaseMiddleware):
    """Looks the update up (handled before? who sent it?), then hands the handler a
    ``Context`` whose units of work record the update id with their first commit. A handler
    that ran no unit gets one after it, to record the update as handled."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        runner: UnitRunner,
        services: Services,
        offered: Sequence[str],
    ) -> None:
        self.sessions = sessions
        self.runner = runner
        self.services = services
        self.offered = tuple(offered)
        engine = sessions.kw["bind"]
        assert isinstance(engine, Engine)
        self.engine = engine

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        telegram_id = user.id if user else None
        arrival = await self.runner(
            lambda: look_up_arrival(self.engine, event.update_id, telegram_id)
        )
        if arrival.seen:
            log.info("update_duplicate update_id=%s", event.update_id)
            data[DUPLICATE_MARK] = True
            return UNHANDLED
        sender = Sender(user.id, telegram_language(user, self.offered)) if user else None
        work = UpdateWork(self.sessions, self.runner, event.update_id, arrival.citizen, sender)
        bot: Bot = data["bot"]
        data["ctx"] = Context(bot=bot, services=self.services, work=work)
        try:
            result = await handler(event, data)
            if not work.recorded:
                await work(_nothing_more)
        except HandledElsewhereError:
            data[DUPLICATE_MARK] = True
            return UNHANDLED
        return result


def _nothing_more(_unit: object) -> None:
    """A unit with no work of its own: it records the update (and the sender's activity)."""
