"""The floor of ``startup.py``: a bare aiogram echo bot on long polling, nothing else.

No civic-feedback import, no database, no settings: aiogram, one handler, and
``start_polling`` against ``TELEGRAM_API_URL`` with ``BOT_TOKEN``. What it takes to reach its
first ``getUpdates``, and the memory it then holds, is what the framework alone costs.

    python -m benchmarks.echo_polling
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def poll() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    await dispatcher.start_polling(bot)  # stops on SIGTERM, as feedback-bot does


if __name__ == "__main__":
    asyncio.run(poll())
