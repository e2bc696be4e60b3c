"""Talking to the Bot API from the command line: the bot's username, a post to a channel."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.settings import Settings

if TYPE_CHECKING:
    from aiogram import Bot


T = TypeVar("T")


def call_bot(settings: Settings, what: str, call: Callable[[Bot], Awaitable[T]]) -> T:
    """Run ``call`` with a Bot on TELEGRAM_API_URL; a Telegram error is one CliError line
    saying ``what`` failed (aiogram is imported only by the commands that need it)."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.enums import ParseMode
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

    token = settings.require_bot_token()
    api_url = settings.telegram_api_url

    async def run() -> T:
        api = TelegramAPIServer.from_base(api_url.rstrip("/")) if api_url else None
        session = AiohttpSession(api=api) if api else AiohttpSession()
        html = DefaultBotProperties(parse_mode=ParseMode.HTML)
        async with Bot(token, session=session, default=html) as bot:
            return await call(bot)

    try:
        return asyncio.run(run())
    except (TelegramAPIError, TelegramNetworkError) as error:
        raise CliError(f"cannot {what}: {error}") from None


def bot_username(settings: Settings) -> str:
    """BOT_USERNAME when it is set (links and posters made offline), else ask the Bot API
    who the bot is."""
    if settings.bot_username:
        return settings.bot_username

    async def ask(bot: Bot) -> str:
        return (await bot.get_me()).username or ""

    name = call_bot(settings, "ask Telegram for the bot's name", ask)
    if not name:
        raise CliError("the bot has no username: give it one with @BotFather")
    return name


def deep_link(username: str, payload: str) -> str:
    return f"https://t.me/{username}?start={payload}"
