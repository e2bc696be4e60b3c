"""Webhook mode: Telegram posts updates to WEBHOOK_URL; a reverse proxy forwards them here.

A request without the ``X-Telegram-Bot-Api-Secret-Token`` header is refused with 401 and
one with a wrong secret with 403 (compared in constant time). Each update is handled before
the answer, so an update whose handling was cut short (kill -9) is delivered again by
Telegram, and de-duplication makes the second delivery harmless. A body that is not an
update the bot can read (not JSON, not an object, refused by aiogram's models) is skipped:
logged once, counted, answered 200 so that Telegram goes on with the next update
(bot/client/unreadable_updates.py). A body over aiohttp's limit (1 MB) is refused with 413
before it is read. The same listener serves ``GET /healthz`` (200 when the database answers,
503 otherwise, for the proxy's health checks) and ``GET /metrics``
(bot/monitoring/endpoints.py).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from typing import Any
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from civic_feedback.bot.client.unreadable_updates import read_webhook_body
from civic_feedback.bot.console_listener import mount_console
from civic_feedback.bot.monitoring.endpoints import add_monitor_routes
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.bot.units import UPDATES_AT_ONCE
from civic_feedback.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_HOST = "127.0.0.1"  # behind a reverse proxy on the same machine
DEFAULT_PORT = 8080


class SecretCheckingHandler(SimpleRequestHandler):
    """aiogram's handler, with 401 for a missing secret and 403 for a wrong one, and 200
    for a body that holds no update the bot can read (skipped)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        secret_token: str,
        metrics: BotMetrics,
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self.metrics = metrics

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            log.warning("webhook_refused reason=no_secret peer=%s", request.remote)
            return web.Response(status=401, text="Unauthorized")
        assert self.secret_token is not None
        if not secrets.compare_digest(given.encode(), self.secret_token.encode()):
            log.warning("webhook_refused reason=wrong_secret peer=%s", request.remote)
            return web.Response(status=403, text="Forbidden")
        return await super().handle(request)

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        # aiogram's own reads the body as an update and answers 500 when it is none.
        body = await request.read()  # over the size limit: aiohttp answers 413
        update = read_webhook_body(body, request.content_type, bot, self.metrics)
        if update is None:
            return web.json_response({})
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data
        )
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def create_app(
    dispatcher: Dispatcher,
    bot: Bot,
    monitor: Monitor,
    path: str,
    secret: str,
    console: tuple[web.Application, Settings] | None = None,
) -> web.Application:
    """The aiohttp application: the webhook at ``path``, ``/healthz`` and ``/metrics``, and
    the staff console where CONSOLE_URL says; updates it cannot read are counted in the
    monitor's metrics."""
    app = web.Application()
    add_monitor_routes(app, monitor)
    if console is not None:
        mount_console(app, *console)
    handler = SecretCheckingHandler(dispatcher, bot, secret_token=secret, metrics=monitor.metrics)
    handler.register(app, path=path)
    setup_application(app, dispatcher, bot=bot)
    return app


async def serve_webhook(
    dispatcher: Dispatcher,
    bot: Bot,
    monitor: Monitor,
    settings: Settings,
    secret: str,
    console: web.Application | None = None,
) -> None:
    """Register the webhook with Telegram and serve until SIGTERM or Ctrl+C."""
    assert settings.webhook_url is not None
    path = urlparse(settings.webhook_url).path or "/"
    door = (console, settings) if console is not None else None
    runner = web.AppRunner(create_app(dispatcher, bot, monitor, path, secret, door))
    await runner.setup()
    host, port = settings.webhook_host or DEFAULT_HOST, settings.webhook_port or DEFAULT_PORT
    await web.TCPSite(runner, host, port).start()
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=secret,
        allowed_updates=dispatcher.resolve_used_update_types(),
        drop_pending_updates=False,
        max_connections=UPDATES_AT_ONCE,
    )
    log.info("webhook_started listen=%s:%s path=%s", host, port, path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("webhook_stopping")
        await runner.cleanup()
