"""What ``/metrics`` and ``/healthz`` report, apart from how they are served
(bot/monitoring/endpoints.py): the bot builds it at every start, and loads aiohttp's web
server only when something serves it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from civic_feedback.bot.monitoring.bounded_reads import BoundedRead
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.queue_gauges import QueueGauges
from civic_feedback.core.clock import Clock
from civic_feedback.storage.models import utcnow

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 2.0  # seconds the database has to answer /healthz


class Monitor:
    """The bot's metrics, with the database's queues and errors and the leadership added to
    them, and whether the database answers."""

    def __init__(
        self,
        metrics: BotMetrics,
        engine: Engine,
        leading: Callable[[], bool],
        clock: Clock = utcnow,
        backup_dir: Path | None = None,
    ) -> None:
        """``backup_dir``: BACKUP_DIR, whose newest complete backup the metrics report."""
        self.metrics = metrics
        self.leading = leading
        self.queues = QueueGauges(engine, clock)
        metrics.add_collector(self.queues)
        metrics.watch_leadership(leading)
        metrics.count_database_errors(engine)
        if backup_dir is not None:
            # Here: without BACKUP_DIR the backup modules are not loaded at all.
            from civic_feedback.storage.backup_folder import latest_backup_time

            metrics.watch_last_backup(lambda: latest_backup_time(backup_dir))
        self._ping = BoundedRead(lambda: _ping(engine), HEALTH_TIMEOUT)

    async def exposition(self) -> bytes:
        """The metrics in Prometheus's text format, the queues read afresh."""
        await self.queues.refresh()
        return self.metrics.exposition()

    async def database_answers(self) -> bool:
        """Whether the database answers a trivial query within HEALTH_TIMEOUT."""
        try:
            await self._ping()
        except Exception as error:  # any failure of the database means "not healthy"
            log.warning("healthz_failed %s", type(error).__name__)
            return False
        return True


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
