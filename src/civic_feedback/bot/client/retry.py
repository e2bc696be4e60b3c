"""One retry layer under every Bot API call: 429 waits ``retry_after``, network errors back off."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


class RetryMiddleware(BaseRequestMiddleware):
    """Retries a call until Telegram accepts it, so a burst slows replies but loses none."""

    def __init__(
        self,
        network_attempts: int = 6,
        first_delay: float = 0.5,
        on_flood: Callable[[float], None] | None = None,
    ) -> None:
        self.network_attempts = network_attempts
        self.first_delay = first_delay
        self.on_flood = on_flood  # told of every 429, so paced senders hold back as well

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        failures = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                # Everybody told to wait the same second would come back together and be
                # refused again; a little spread lets them through one after another.
                delay = error.retry_after + random.uniform(0, 0.5)
                if self.on_flood is not None:
                    self.on_flood(error.retry_after)
                log.info("telegram_flood_wait method=%s wait=%.1fs", method.__api_method__, delay)
                await asyncio.sleep(delay)
            except (TelegramNetworkError, TelegramServerError) as error:
                failures += 1
                if isinstance(method, GetUpdates) or failures >= self.network_attempts:
                    raise  # polling has its own back-off; others give up after a while
                delay = min(self.first_delay * 2 ** (failures - 1), 30.0)
                log.warning(
                    "telegram_error method=%s attempt=%d wait=%.1fs error=%s",
                    method.__api_method__,
                    failures,
                    delay,
                    type(error).__name__,
                )
                await asyncio.sleep(delay)
