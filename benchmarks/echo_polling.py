"""The floor: a bare aiogram bot on long polling, nothing else.

No civic-feedback import, no database, no settings: aiogram, two handlers, and
``start_polling`` against ``TELEGRAM_API_URL`` with ``BOT_TOKEN``. A message is answered
with one message carrying a button; a press of it with ``answerCallbackQuery`` and one edit,
button and all: the Bot API calls civic-feedback makes for a typed answer and for a press.
What it takes to reach its first ``getUpdates`` (``startup.py``), the memory it then holds,
and how many citizens' steps a second it answers (``polling_steps.py``) is what the
framework alone costs.

    python -m benchmarks.echo_polling
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

NEXT = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Next", callback_data="next")]]
)


async def poll(outer: Callable[..., Awaitable[Any]] | None = None) -> None:
    """Answer until SIGTERM; ``outer``: a middleware every update passes first
    (``storing_polling.py``)."""
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()
    if outer is not None:
        dispatcher.update.outer_middleware(outer)

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?", reply_markup=NEXT)

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(f"{query.message.text}.", reply_markup=NEXT)

    await dispatcher.start_polling(bot)  # stops on SIGTERM, as feedback-bot does


if __name__ == "__main__":
    asyncio.run(poll())
