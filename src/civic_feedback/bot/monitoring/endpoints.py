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

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from civic_feedback.bot.listening import listen
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.settings import Settings

log = logging.getLogger(__name__)


def add_monitor_routes(app: web.Application, monitor: Monitor) -> None:
    async def metrics_page(_request: web.Request) -> web.Response:
        body = await monitor.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})

    async def healthz(_request: web.Request) -> web.Response:
        answers = await monitor.database_answers()
        state = "ok" if answers else "unavailable"
        body = {"status": state, "leader": monitor.leading(), "database": state}
        return web.json_response(body, status=200 if answers else 503)

    app.router.add_get("/metrics", metrics_page)
    app.router.add_get("/healthz", healthz)


async def start_metrics_listener(settings: Settings, monitor: Monitor) -> web.AppRunner | None:
    """Polling mode: serve ``/metrics`` and ``/healthz`` on METRICS_HOST:METRICS_PORT (loopback
    unless told otherwise); nothing when METRICS_PORT is unset."""
    if settings.metrics_port is None:
        return None
    app = web.Application()
    add_monitor_routes(app, monitor)
    host, port = settings.metrics_host, settings.metrics_port
    refusal = (
        "METRICS_PORT: cannot listen on {address} ({why}); choose another port, "
        "or leave METRICS_PORT empty for no metrics listener"
    )
    runner = await listen(app, host, port, refusal)
    log.info("metrics_listening listen=%s:%s", host, port)
    return runner
