"""APScheduler only wakes the workers: every 15 s, the notification worker at the next due
time too, and any of them at once when a handler just stored something for it."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from civic_feedback.bot.jobs.broadcaster import Broadcaster
from civic_feedback.bot.jobs.consultation_notices import ConsultationNotices
from civic_feedback.bot.jobs.digest import DigestSender
from civic_feedback.bot.jobs.housekeeping import Housekeeper
from civic_feedback.bot.jobs.inbox_courier import InboxCourier
from civic_feedback.bot.jobs.notifications import NotificationWorker

if TYPE_CHECKING:  # the backup modules load only with BACKUP_DIR (bot/app.py)
    from civic_feedback.bot.jobs.backups import NightlyBackups

log = logging.getLogger(__name__)

INTERVAL = timedelta(seconds=15)


@dataclass(frozen=True)
class Wakers:
    """For handlers that just wrote something due now: a place freed for someone on the
    waiting list, an invitation after a late check-in, an announcement queued in Telegram."""

    notifications: Callable[[], None]
    broadcasts: Callable[[], None]
    inbox: Callable[[], None]


def start_scheduler(
    worker: NotificationWorker,
    broadcaster: Broadcaster,
    housekeeper: Housekeeper,
    digest: DigestSender,
    courier: InboxCourier,
    notices: ConsultationNotices,
    *,
    every: timedelta = INTERVAL,
    backups: NightlyBackups | None = None,
) -> tuple[AsyncIOScheduler, Wakers]:
    """Start waking ``worker`` and ``broadcaster`` ``every`` so often; the database says what
    is due, so a restart loses nothing. ``backups``: when BACKUP_DIR is set."""
    scheduler = AsyncIOScheduler(timezone=UTC)

    def wake_at(moment: datetime) -> None:
        # A second run may start while one is sending: it waits for the worker's lock and
        # then sends what was stored meanwhile, where a refused run would leave it to the
        # next regular wake-up and log a warning.
        scheduler.add_job(
            stoppable(wake),
            "date",
            run_date=moment,
            id="notifications-soon",
            replace_existing=True,
            max_instances=2,
        )

    async def wake() -> None:
        await worker.send_due()
        due = worker.next_due()
        now = datetime.now(UTC)
        # Sooner than the next regular wake-up: 1m offsets stay on time. One due already
        # (held by another replica's claim) is left to the regular wake-up, not retried in
        # a loop.
        if due is not None and now < due < now + every:
            wake_at(due)

    scheduler.add_job(
        stoppable(wake),
        "interval",
        seconds=every.total_seconds(),
        id="notifications",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    # A long broadcast runs in its own job, so reminders are not held up behind it.
    scheduler.add_job(
        stoppable(broadcaster.send_due),
        "interval",
        seconds=every.total_seconds(),
        id="broadcasts",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    # Citizens' messages and staff answers: at once when a handler stored one, and every
    # 15 s for what could not go (Telegram unreachable, a group configured later).
    scheduler.add_job(
        stoppable(courier.deliver_pending),
        "interval",
        seconds=every.total_seconds(),
        id="inbox",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    # A consultation's report published from the command line: its followers are told
    # within a round.
    scheduler.add_job(
        stoppable(notices.send_due),
        "interval",
        seconds=every.total_seconds(),
        id="consultation-notices",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    # The digest's rows say who had it: checking often costs one query and catches up
    # after a bot that was down at the digest's moment.
    scheduler.add_job(
        stoppable(digest.send_if_due),
        "interval",
        minutes=5,
        id="digest",
        next_run_time=datetime.now(UTC) + timedelta(seconds=30),
        max_instances=1,
        coalesce=True,
    )
    # Daily, and a minute after every start: a bot restarted each night still purges.
    scheduler.add_job(
        stoppable(housekeeper.purge),
        "interval",
        days=1,
        id="purge",
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
        max_instances=1,
        coalesce=True,
    )
    # Settled days rolled up for long reports: hourly, a month's days at most each time, so
    # that a database upgraded with years of answers catches up within a day, in the
    # background, and an ordinary night adds the one day that settled.
    scheduler.add_job(
        stoppable(housekeeper.roll_up),
        "interval",
        hours=1,
        id="rollups",
        next_run_time=datetime.now(UTC) + timedelta(minutes=2),
        max_instances=1,
        coalesce=True,
    )
    # The folder says whether tonight's backup was taken: hourly, and a minute after every
    # start, catches up a night the bot was down.
    if backups is not None:
        scheduler.add_job(
            stoppable(backups.take_if_due),
            "interval",
            hours=1,
            id="backup",
            next_run_time=datetime.now(UTC) + timedelta(minutes=1),
            max_instances=1,
            coalesce=True,
        )
    scheduler.start()
    return scheduler, Wakers(
        notifications=lambda: wake_at(datetime.now(UTC)),
        broadcasts=lambda: scheduler.modify_job("broadcasts", next_run_time=datetime.now(UTC)),
        inbox=lambda: scheduler.modify_job("inbox", next_run_time=datetime.now(UTC)),
    )


def stoppable(job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """The job, ending quietly when the scheduler stops while it runs (the bot stopping, or
    a leader losing its lock): APScheduler cancels it at its next await and would log that
    as the job failing, with a traceback. Whatever it was sending is left as the database
    says, for the next leader or start."""

    @functools.wraps(job)
    async def run() -> None:
        try:
            await job()
        except asyncio.CancelledError:
            log.info("job_stopped job=%s: the scheduler stopped while it ran", job.__qualname__)

    return run
