"""Every message the bot sends waits for its turn in the shared pace (bot/client/pacing.py).

A Bot API request middleware, so handlers, jobs and views send as usual. Only calls that send
or change a message count: Telegram's limits are on messages, and an answer to a button
press (``answerCallbackQuery``), a chat action, reading a file or setting the menus go at
once (the spinner on a pressed button stops without waiting behind anyone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from civic_feedback.bot.client.pacing import RateLimiter

if TYPE_CHECKING:
    from aiogram import Bot

_COPIES = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


def is_message_call(api_method: str) -> bool:
    """Sends or changes a message: send* (not sendChatAction), editMessage*, copy, forward."""
    return (
        (api_method.startswith("send") and api_method != "sendChatAction")
        or api_method.startswith("editMessage")
        or api_method in _COPIES
    )


class PacedRequests(BaseRequestMiddleware):
    """Holds each message call until the limiter gives it a turn (innermost: so does a retry)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if is_message_call(method.__api_method__):
            await self.limiter.turn_to_send(getattr(method, "chat_id", None))
        return await make_request(bot, method)
