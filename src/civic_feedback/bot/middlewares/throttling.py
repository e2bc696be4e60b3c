"""Per-citizen throttling: a flood from one chat is slowed down, and told so once.

Each user has a bucket of ``burst`` updates refilled at ``rate`` per second. An update that
finds the bucket empty waits for its token (after the per-chat ordering, so only that
chat waits; other citizens are not affected) and nothing is dropped: a slowed citizen's
answers still arrive, in order. The first wait of a flood sends one short notice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.context import Context
from civic_feedback.storage.audit import telegram_actor

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class Throttle(BaseMiddleware):
    def __init__(
        self,
        *,
        rate: float = 2.0,
        burst: int = 20,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self._buckets: dict[int, _Bucket] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        wait = self._take(user.id)
        if wait > 0:
            bucket = self._buckets[user.id]
            if not bucket.warned:
                bucket.warned = True
                context: Context = data["ctx"]
                who = telegram_actor(context.settings.require_pseudonym_key(), user.id)
                log.warning("throttled user=%s wait=%.1fs", who, wait)
                await self._warn(data.get("bot"), user.id)
            await self.sleep(wait)
        return await handler(event, data)

    def _take(self, key: int) -> float:
        """Take a token; how long to wait for it (0: there was one)."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) > 10_000:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= self.burst:
            bucket.warned = False  # the flood is over: a new one gets a new notice
        bucket.tokens -= 1
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate

    def _forget_idle(self, now: float) -> None:
        full = self.burst / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.updated > full]:
            del self._buckets[key]

    @staticmethod
    async def _warn(bot: Bot | None, chat_id: int) -> None:
        if bot is not None:
            await bot.send_message(
                chat_id, _("You are writing very fast; I will answer a little more slowly.")
            )
