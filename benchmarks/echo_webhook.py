"""The ceiling of ``updates.py --webhook``: a bare aiogram echo bot served as a webhook.

The echo dispatcher of :mod:`benchmarks.updates` (one handler per event type, one Bot API
message each, no middleware, no database), behind the very server ``feedback-bot`` runs in
webhook mode (:func:`civic_feedback.bot.webhook.serve_webhook`: aiohttp, the secret header,
each update handled before the answer), in a process of its own that talks to
``TELEGRAM_API_URL`` through aiogram's plain aiohttp session. Settings come from the same
environment variables as ``feedback-bot``'s (``BOT_TOKEN``, ``WEBHOOK_*``); ``updates.py``
starts and stops it.

    python -m benchmarks.echo_webhook
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy import create_engine

from benchmarks.updates import create_echo_dispatcher
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.bot.webhook import serve_webhook
from civic_feedback.settings import load_settings


async def serve() -> None:
    settings = load_settings()
    assert settings.telegram_api_url is not None, "TELEGRAM_API_URL: the benchmark's stand-in"
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    bot = Bot(
        settings.require_bot_token(),
        session=AiohttpSession(api=api),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    # Only /healthz and /metrics would touch it, and nobody asks: the echo has no database.
    engine = create_engine("sqlite://")
    monitor = Monitor(BotMetrics(), engine, leading=lambda: False)
    try:
        await serve_webhook(
            create_echo_dispatcher(), bot, monitor, settings, settings.require_webhook_secret()
        )
    finally:
        await bot.session.close()
        engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
