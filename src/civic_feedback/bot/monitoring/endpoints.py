"""``GET /metrics`` and ``GET /healthz``: on the webhook's listener, and in polling mode on
a small listener of their own at ``METRICS_HOST:METRICS_PORT`` (none when METRICS_PORT is
unset).

``/healthz`` answers 200 ``{"status": "ok", "leader": true, "database": "ok"}`` when the
database answers a trivial query within two seconds, else 503 with ``"database":
"unavailable"``: for the reverse proxy's checks and the monitoring. ``leader`` says whether
this process runs the scheduled jobs (a follower replica is healthy too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import Engine, text

from civic_feedback.bot.listening import listen
from civic_feedback.bot.monitoring.bounded_reads import BoundedRead
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.queue_gauges import QueueGauges
from civic_feedback.core.clock import Clock
from civic_feedback.settings import Settings
from civic_feedback.storage.backup_folder import latest_backup_time
from civic_feedback.storage.models import utcnow

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 2.0  # seconds the database has to answer /healthz


class Monitor:
    """What ``/metrics`` and ``/healthz`` report: the bot's metrics, with the database's
    queues and errors and the leadership added to them."""

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
            metrics.watch_last_backup(lambda: latest_backup_time(backup_dir))
        self._ping = BoundedRead(lambda: _ping(engine), HEALTH_TIMEOUT)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/metrics", self.metrics_page)
        app.router.add_get("/healthz", self.healthz)

    async def metrics_page(self, _request: web.Request) -> web.Response:
        await self.queues.refresh()
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
        )

    async def healthz(self, _request: web.Request) -> web.Response:
        try:
            await self._ping()
            answers = True
        except Exception as error:  # any failure of the database means "not healthy"
            log.warning("healthz_failed %s", type(error).__name__)
            answers = False
        state = "ok" if answers else "unavailable"
        body = {"status": state, "leader": self.leading(), "database": state}
        return web.json_response(body, status=200 if answers else 503)


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def start_metrics_listener(settings: Settings, monitor: Monitor) -> web.AppRunner | None:
    """Polling mode: serve ``/metrics`` and ``/healthz`` on METRICS_HOST:METRICS_PORT (loopback
    unless told otherwise); nothing when METRICS_PORT is unset."""
    if settings.metrics_port is None:
        return None
    app = web.Application()
    monitor.add_routes(app)
    host, port = settings.metrics_host, settings.metrics_port
    refusal = (
        "METRICS_PORT: cannot listen on {address} ({why}); choose another port, "
        "or leave METRICS_PORT empty for no metrics listener"
    )
    runner = await listen(app, host, port, refusal)
    log.info("metrics_listening listen=%s:%s", host, port)
    return runner
