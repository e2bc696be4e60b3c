"""The bot as feedback-bot assembles it, in this process: ``create_bot``'s request chain
talking to the fake Bot API, the real dispatcher, and the ``Monitor`` behind ``/metrics`` and
``/healthz``. Updates are fetched from the fake and fed one by one, as polling does, so a
test knows when each was handled; the polling-mode listener serves on a free loopback port.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiogram.methods import TelegramMethod
from aiogram.types import Update
from sqlalchemy import Engine

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.monitoring.endpoints import start_metrics_listener
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.core.clock import Clock
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import utcnow
from tests.support.databases import unit_sessions
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY
from tests.support.webhook_replicas import free_port

TOKEN = "42:TEST-metrics"


class MonitoredBot:
    def __init__(
        self,
        telegram: FakeTelegram,
        engine: Engine,
        *,
        leading: Callable[[], bool] = lambda: True,
        clock: Clock = utcnow,
    ) -> None:
        self.telegram = telegram
        self.metrics = BotMetrics()
        self.settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            pseudonym_key=PSEUDONYM_KEY,
            database_url=engine.url.render_as_string(hide_password=False),
            default_language="en",
        )
        self.bot = create_bot(TOKEN, telegram.url, metrics=self.metrics)
        self.dispatcher = create_dispatcher(
            settings=self.settings,
            sessions=unit_sessions(engine),
            runs=FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode()),
            i18n=create_i18n("en"),
            metrics=self.metrics,
        )
        self.monitor = Monitor(self.metrics, engine, leading, clock)
        self._offset = 0

    async def handle(self) -> list[Update]:
        """Handle every update waiting at the fake, in order; returns those it could read."""
        updates = await self.bot.get_updates(offset=self._offset, timeout=0)
        for update in updates:
            self._offset = update.update_id + 1
            await self.feed(update)
        return updates

    async def feed(self, update: Update) -> None:
        """Hand the dispatcher one update (again, for a redelivery), as polling does."""
        result = await self.dispatcher.feed_update(self.bot, update)
        if isinstance(result, TelegramMethod):
            await self.bot(result)

    async def close(self) -> None:
        await self.bot.session.close()


@asynccontextmanager
async def metrics_listener(monitor: Monitor, **settings: Any) -> AsyncIterator[str]:
    """Polling mode's listener on a free port (METRICS_HOST as given, else the default);
    yields its base URL."""
    port = free_port()
    chosen = Settings(_env_file=None, metrics_port=port, **settings)
    runner = await start_metrics_listener(chosen, monitor)
    assert runner is not None
    try:
        yield f"http://{chosen.metrics_host}:{port}"
    finally:
        await runner.cleanup()
