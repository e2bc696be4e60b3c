"""The ceiling of broadcasting: a plain aiogram ``send_message`` loop, nothing else.

No civic-feedback import, no database, no pace: ``--concurrency`` loops share one Bot and send
the same message as the broadcaster (HTML text, one URL button, ``allow_paid_broadcast``) to
the chat ids ``--first`` .. ``--first + --count - 1`` as fast as the Bot API answers. Against
the same fake Bot API and machine, how fast it goes is what aiogram and aiohttp alone allow
(``broadcast.py``).

    python -m benchmarks.bare_sender --first 9000000000 --count 20000 --concurrency 100
    (BOT_TOKEN and TELEGRAM_API_URL from the environment)
"""

from __future__ import annotations

import argparse
import asyncio
import os

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

TEXT = (
    "<b>Обществено обсъждане</b> на бюджета за 2027 г.: елате в четвъртък от 18:00 в "
    "читалището или отговорете на анкетата."
)
BUTTON = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Към анкетата", url="https://t.me/bot?start=f_form")]
    ]
)


async def send_all(first: int, count: int, concurrency: int) -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(
        os.environ["BOT_TOKEN"],
        session=AiohttpSession(api=api),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    chats = iter(range(first, first + count))

    async def loop() -> None:
        for chat in chats:  # one iterator shared by the loops: each chat once
            await bot.send_message(chat, TEXT, reply_markup=BUTTON, allow_paid_broadcast=True)

    try:
        await asyncio.gather(*(loop() for _ in range(concurrency)))
    finally:
        await bot.session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(send_all(args.first, args.count, args.concurrency))


if __name__ == "__main__":
    main()
