"""The queues' gauges, read from the database when Prometheus scrapes.

``civic_feedback_queue_waiting{queue}``: rows due and not yet handed to Telegram;
``civic_feedback_queue_oldest_waiting_seconds{queue}``: how long the oldest of them has
waited (0 when none). The queues are ``notifications`` (reminders, feedback invitations,
follow-ups, notices), ``broadcasts`` and ``inbox``. The figures are read at most every few
seconds, however many scrapes come, by one short query per queue in a worker thread
(:class:`~civic_feedback.bot.monitoring.bounded_reads.BoundedRead`); when the database does not
answer, the gauges are left out of the scrape (``/healthz`` and the database errors say why)
rather than shown stale.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.bot.monitoring.bounded_reads import BoundedRead
from civic_feedback.bot.monitoring.metrics import PREFIX
from civic_feedback.core.clock import Clock
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.queue_depths import QueueDepth, queue_depths

log = logging.getLogger(__name__)

MAX_AGE = 5.0  # seconds the figures are reused for
TIMEOUT = 2.0  # seconds a scrape waits for them


class QueueGauges(Collector):
    """A prometheus_client collector: :meth:`refresh` reads, :meth:`collect` only reports."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock = utcnow,
        *,
        max_age: float = MAX_AGE,
        timeout: float = TIMEOUT,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.max_age = max_age
        self._read = BoundedRead(self._read_now, timeout)
        self._figures: tuple[datetime, list[QueueDepth]] | None = None
        self._read_at = -max_age  # monotonic seconds

    def _read_now(self) -> tuple[datetime, list[QueueDepth]]:
        now = self._clock()
        return now, queue_depths(self._engine, now)

    async def refresh(self) -> None:
        """Read the queues again unless the last read (or failure) is fresh enough."""
        if time.monotonic() - self._read_at < self.max_age:
            return
        try:
            self._figures = await self._read()
        except (TimeoutError, SQLAlchemyError) as error:
            log.warning("queue_gauges_unavailable error=%s", type(error).__name__)
            self._figures = None
        # After a failure too: a struggling database gets one read per period, not a storm.
        self._read_at = time.monotonic()

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        waiting, oldest = self._families()
        if self._figures is not None:
            now, depths = self._figures
            for depth in depths:
                waiting.add_metric([depth.queue], depth.waiting)
                oldest.add_metric([depth.queue], depth.oldest_age(now))
        yield waiting
        yield oldest

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                f"{PREFIX}_queue_waiting",
                "Rows due and not yet handed to Telegram, by queue",
                labels=["queue"],
            ),
            GaugeMetricFamily(
                f"{PREFIX}_queue_oldest_waiting_seconds",
                "How long the oldest row due in the queue has waited (0: none waits)",
                labels=["queue"],
            ),
        )
