"""The bot's Telegram username, for the deep links printed on posters."""

from __future__ import annotations

import asyncio

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.settings import Settings


def bot_username(settings: Settings) -> str:
    """Ask the Bot API who the bot is (aiogram is imported only by the commands that need it)."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

    token = settings.require_bot_token()
    api_url = settings.telegram_api_url

    async def ask() -> str:
        api = TelegramAPIServer.from_base(api_url.rstrip("/")) if api_url else None
        session = AiohttpSession(api=api) if api else AiohttpSession()
        async with Bot(token, session=session) as bot:
            me = await bot.get_me()
        return me.username or ""

    try:
        name = asyncio.run(ask())
    except (TelegramAPIError, TelegramNetworkError) as error:
        raise CliError(f"cannot ask Telegram for the bot's name: {error}") from None
    if not name:
        raise CliError("the bot has no username: give it one with @BotFather")
    return name


def deep_link(username: str, payload: str) -> str:
    return f"https://t.me/{username}?start={payload}"
