"""Each update counted by kind and outcome, and how long its handling took.

The outermost of the bot's middlewares: the time includes waiting behind the same chat's
earlier updates and for the citizen's throttle, as the citizen waits. ``DatabaseMiddleware``
marks a repeated update (``DUPLICATE_MARK``); any error a handler raised makes the update
``failed``. Nothing here touches the database.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from civic_feedback.bot.middlewares.database import DUPLICATE_MARK
from civic_feedback.bot.monitoring.metrics import DUPLICATE, FAILED, HANDLED, BotMetrics

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateMetrics(BaseMiddleware):
    """Counts the update when its handling ends, however it ends."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        started = time.perf_counter()
        outcome = FAILED
        try:
            result = await handler(event, data)
            outcome = DUPLICATE if data.get(DUPLICATE_MARK) else HANDLED
            return result
        except SQLAlchemyError as error:
            if not isinstance(error, DBAPIError):  # those the engine counted as they happened
                self.metrics.database_error(type(error).__name__)  # e.g. no free connection
            raise
        finally:
            self.metrics.update_done(_kind(event), outcome, time.perf_counter() - started)


def _kind(update: Update) -> str:
    try:
        return update.event_type
    except UpdateTypeLookupError:
        return "unknown"
