"""A press answered too late: Telegram refuses the answer, the reply that follows still goes.

Telegram takes the answer to a button press (``answerCallbackQuery``) only for some seconds
after the press. A press that waited longer (in Telegram's queue while the bot restarted, or
behind 429 waits when hundreds of people answer at once) would otherwise fail its handler
before the next question is shown, although the answer is already stored. The spinner on the
button is long gone by then, so the refused answer is dropped and logged, and the handler goes
on to edit the message into the next question.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

_TOO_OLD = "query is too old"


class LatePressAnswers(BaseRequestMiddleware):
    """An answer to a press Telegram no longer takes counts as given; anything else is raised."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if not isinstance(method, AnswerCallbackQuery) or _TOO_OLD not in error.message:
                raise
            log.info("press_answered_too_late query=%s", method.callback_query_id)
            # What answerCallbackQuery returns: aiogram's request middlewares pass results
            # along, whatever their annotation says.
            return cast(Response[TelegramType], True)
