"""The bot's metrics, in a registry of its own.

One :class:`BotMetrics` per running bot, never prometheus_client's global registry: two bots
in one process (the tests, a benchmark) then count apart, and building a second one does not
fail on names the first already registered. Everything here is counted in memory, as it
happens; only the queue gauges read the database, at scrape time
(:mod:`civic_feedback.bot.monitoring.queue_gauges`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

PREFIX = "civic_feedback"
# Seconds from an update's arrival to the end of its handling: most take milliseconds; a
# burst that meets Telegram's limits waits seconds for its turn, or retry_after after a 429.
HANDLING_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

HANDLED = "handled"  # the handlers ran to the end
FAILED = "failed"  # a handler raised: logged, the citizen asked to try again
DUPLICATE = "duplicate"  # handled before (a redelivery, or another replica at the same moment)


class BotMetrics:
    """The counters the bot's layers add to, and the gauges read when Prometheus scrapes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self._updates = Counter(
            f"{PREFIX}_updates",
            "Updates taken from Telegram, by kind and outcome (handled, failed, duplicate)",
            ["kind", "outcome"],
            registry=registry,
        )
        self._handling = Histogram(
            f"{PREFIX}_update_handling_seconds",
            "Time from an update's arrival to the end of its handling (not duplicates)",
            ["kind"],
            buckets=HANDLING_BUCKETS,
            registry=registry,
        )
        self._skipped = Counter(
            f"{PREFIX}_skipped_updates",
            "Updates skipped because they could not be read, by kind",
            ["kind"],
            registry=registry,
        )
        self._requests = Counter(
            f"{PREFIX}_bot_api_requests",
            "Requests to the Bot API (each attempt), by method and result",
            ["method", "result"],
            registry=registry,
        )
        self._database_errors = Counter(
            f"{PREFIX}_database_errors",
            "Errors the database raised, by kind of error",
            ["error"],
            registry=registry,
        )
        ProcessCollector(registry=registry)  # memory, CPU, open files, start time

    # --- counted as it happens ------------------------------------------------------------

    def update_done(self, kind: str, outcome: str, seconds: float) -> None:
        """One update's outcome; its handling time unless it was a duplicate."""
        self._updates.labels(kind, outcome).inc()
        if outcome != DUPLICATE:
            self._handling.labels(kind).observe(seconds)

    def update_skipped(self, kind: str) -> None:
        """An update the bot could not read was skipped (bot/client/unreadable_updates.py)."""
        self._skipped.labels(kind).inc()

    def bot_api_request(self, method: str, result: str) -> None:
        self._requests.labels(method, result).inc()

    def database_error(self, error: str) -> None:
        self._database_errors.labels(error).inc()

    def count_database_errors(self, engine: Engine) -> None:
        """Count every error the database driver raises through ``engine``: statements,
        commits, connecting. A failed pre-ping that SQLAlchemy then reconnects past is none."""

        def counted(context: ExceptionContext) -> None:
            if not context.is_pre_ping:
                error = context.sqlalchemy_exception or context.original_exception
                self.database_error(type(error).__name__)

        event.listen(engine, "handle_error", counted)

    # --- read when scraped -------------------------------------------------------------------

    def watch_leadership(self, leading: Callable[[], bool]) -> None:
        """``civic_feedback_leader``: 1 while this process runs the scheduled jobs, else 0."""
        gauge = Gauge(
            f"{PREFIX}_leader",
            "1 while this process leads (runs the scheduler, broadcasts, reminders), else 0",
            registry=self.registry,
        )
        gauge.set_function(lambda: 1.0 if leading() else 0.0)

    def watch_last_backup(self, last_backup: Callable[[], datetime | None]) -> None:
        """The hook for backups: ``civic_feedback_last_backup_timestamp_seconds`` is the time
        ``last_backup`` returns (the last successful backup), 0 while there is none. Until a
        backup module calls this, the metric is absent."""
        gauge = Gauge(
            f"{PREFIX}_last_backup_timestamp_seconds",
            "When the last successful backup finished (Unix time; 0: none yet)",
            registry=self.registry,
        )

        def timestamp() -> float:
            moment = last_backup()
            return moment.timestamp() if moment is not None else 0.0

        gauge.set_function(timestamp)

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return generate_latest(self.registry)
