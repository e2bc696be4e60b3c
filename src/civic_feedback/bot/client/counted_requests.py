"""Every request the bot makes to the Bot API is counted by method and result.

Innermost of the request middlewares, so each attempt counts once: a message refused with
429 and sent after ``retry_after`` is one ``too_many_requests`` and one ``ok``. Answers that
ride in a webhook's HTTP response (a press's ``answerCallbackQuery``) are no request and are
not counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from civic_feedback.bot.monitoring.metrics import BotMetrics

if TYPE_CHECKING:
    from aiogram import Bot

# The result label of a refused request, by the error aiogram raised; checked in this order.
_RESULTS: tuple[tuple[type[Exception], str], ...] = (
    (TelegramRetryAfter, "too_many_requests"),  # 429
    (TelegramForbiddenError, "forbidden"),  # 403: blocked by the citizen, removed from a group
    (TelegramBadRequest, "bad_request"),  # 400
    (TelegramServerError, "server_error"),  # 5xx
    (TelegramNetworkError, "network_error"),  # Telegram not reached
    (ClientDecodeError, "unreadable"),  # an answer aiogram could not read
    (TelegramAPIError, "other_error"),  # 401, 404, 409, 413...
)


def request_result(error: Exception) -> str:
    """The ``result`` label of a request that raised ``error``."""
    return next((label for kind, label in _RESULTS if isinstance(error, kind)), "other_error")


class CountedRequests(BaseRequestMiddleware):
    """Adds each request to ``civic_feedback_bot_api_requests_total{method, result}``."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except Exception as error:
            self.metrics.bot_api_request(method.__api_method__, request_result(error))
            raise
        self.metrics.bot_api_request(method.__api_method__, "ok")
        return response
