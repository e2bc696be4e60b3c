"""Assemble and run the bot: schema, built-in forms, menus, the leader's scheduler, metrics,
polling or webhook."""

from __future__ import annotations

import gc
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlmodel import Session

from civic_feedback.bot.client.counted_requests import CountedRequests
from civic_feedback.bot.client.late_presses import LatePressAnswers
from civic_feedback.bot.client.paced_requests import PacedRequests
from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.client.retry import RetryMiddleware
from civic_feedback.bot.client.unreadable_updates import SkipUnreadableUpdates
from civic_feedback.bot.console_door import console_app, offer_console
from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.jobs.broadcaster import Broadcaster
from civic_feedback.bot.jobs.consultation_notices import ConsultationNotices
from civic_feedback.bot.jobs.digest import DigestSender
from civic_feedback.bot.jobs.housekeeping import Housekeeper
from civic_feedback.bot.jobs.inbox_courier import InboxCourier
from civic_feedback.bot.jobs.leadership import Leadership
from civic_feedback.bot.jobs.notifications import NotificationWorker
from civic_feedback.bot.jobs.scheduler import INTERVAL, start_scheduler
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.bot.units import UPDATES_AT_ONCE, runner_for
from civic_feedback.bot.views.command_menus import set_command_menus
from civic_feedback.core.text_language import LanguageDetector
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.advisory_locks import LeaderLock, is_postgresql
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import utcnow

if TYPE_CHECKING:
    from aiohttp import web

    from civic_feedback.bot.jobs.backups import NightlyBackups

log = logging.getLogger(__name__)


def create_bot(
    token: str,
    api_url: str | None,
    limiter: RateLimiter | None = None,
    metrics: BotMetrics | None = None,
) -> Bot:
    """A Bot talking to ``api_url`` (TELEGRAM_API_URL) or the public Bot API, with retries.

    With ``limiter``, every message goes at its pace (replies first, then broadcasts and
    reminders), and a 429 on any call holds all of them back: Telegram's limit is the bot's.
    Its requests, and the updates polling skips, are counted in ``metrics``.
    """
    api = TelegramAPIServer.from_base(api_url.rstrip("/")) if api_url else None
    session = AiohttpSession(api=api) if api else AiohttpSession()
    add_request_middlewares(session, limiter, metrics)
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def add_request_middlewares(
    session: BaseSession, limiter: RateLimiter | None = None, metrics: BotMetrics | None = None
) -> None:
    """Every Bot API call goes through these, outermost first: an update polling cannot read
    is skipped, a press answered too late is dropped, then 429s and network errors are
    retried, then (with ``limiter``) each attempt at a message waits for its turn, and each
    attempt is counted. Without ``metrics``, counted in a registry nobody reads."""
    metrics = metrics or BotMetrics()
    session.middleware(SkipUnreadableUpdates(metrics))
    session.middleware(LatePressAnswers())
    session.middleware(RetryMiddleware(on_flood=limiter.pause if limiter else None))
    if limiter is not None:
        session.middleware(PacedRequests(limiter))
    session.middleware(CountedRequests(metrics))


def _install_forms(session: Session) -> None:
    for published in install_library(session):
        log.info("form_installed flow=%s version=%s", published.flow_id, published.version)


async def run_bot(
    settings: Settings, token: str, pseudonym_key: bytes, *, wake_every: timedelta = INTERVAL
) -> None:
    """Run until stopped (Ctrl+C or SIGTERM): long polling, or a webhook when WEBHOOK_URL is set.

    ``wake_every``: how often the scheduler looks for due messages (the sandbox: every second).
    """
    webhook_secret = settings.require_webhook_secret() if settings.webhook_url else None
    upgrade_database(settings.database_url, then=_install_forms)  # one replica at a time
    engine = create_db_engine(settings.database_url)
    sessions = session_factory(engine)
    i18n = create_i18n(settings.interface_language)
    runs = FormRuns(FlowCatalog(), pseudonym_key, detector=LanguageDetector(settings.languages))
    # Shared: one pace for all we send; paid broadcasts have a budget of their own in it.
    paid_rate = settings.broadcast_rate if settings.paid_broadcast else None
    limiter = RateLimiter(settings.free_rate, paid_rate=paid_rate)
    metrics = BotMetrics()  # this bot's own registry, which /metrics shows
    bot = create_bot(token, settings.telegram_api_url, limiter, metrics)
    worker = NotificationWorker(
        bot=bot,
        sessions=sessions,
        runs=runs,
        settings=settings,
        i18n=i18n,
        clock=utcnow,
        limiter=limiter,
    )
    runner = runner_for(settings.database_url)  # the units of work and the broadcast claims
    broadcaster = Broadcaster(
        bot=bot,
        sessions=sessions,
        settings=settings,
        i18n=i18n,
        limiter=limiter,
        clock=utcnow,
        runner=runner,
    )
    housekeeper = Housekeeper(sessions=sessions, settings=settings, key=pseudonym_key, clock=utcnow)
    digest = DigestSender(
        bot=bot, sessions=sessions, settings=settings, i18n=i18n, limiter=limiter, clock=utcnow
    )
    courier = InboxCourier(
        bot=bot,
        sessions=sessions,
        settings=settings,
        i18n=i18n,
        catalog=runs.catalog,
        limiter=limiter,
    )
    notices = ConsultationNotices(
        bot=bot, sessions=sessions, settings=settings, i18n=i18n, limiter=limiter, clock=utcnow
    )
    backups: NightlyBackups | None = None
    if settings.backup_dir is not None:  # without it, the backup modules are not even loaded
        from civic_feedback.bot.jobs.backups import NightlyBackups

        backups = NightlyBackups(
            database_url=settings.database_url,
            directory=settings.backup_dir,
            keep=settings.backup_keep,
            zone=settings.zone,
            clock=utcnow,
        )
    # Replicas on PostgreSQL share the database: only the leader runs the scheduled jobs.
    lock = LeaderLock(settings.database_url) if is_postgresql(settings.database_url) else None
    leadership = Leadership(
        lambda: start_scheduler(
            worker,
            broadcaster,
            housekeeper,
            digest,
            courier,
            notices,
            every=wake_every,
            backups=backups,
        ),
        lock,
        engine,
    )
    console = await console_app(settings, sessions, bot)
    monitor = Monitor(metrics, engine, lambda: leadership.leading, backup_dir=settings.backup_dir)
    # A METRICS_PORT that cannot be used stops the start here, before any job runs.
    listeners = await _start_listeners(settings, monitor, console) if webhook_secret is None else []
    if webhook_secret is not None and settings.metrics_port is not None:
        log.warning(
            "metrics_port_unused: with WEBHOOK_URL, /metrics and /healthz are served on "
            "WEBHOOK_HOST:WEBHOOK_PORT; METRICS_PORT applies to long polling"
        )
    leadership.start()
    for municipality in settings.municipalities_without_group():
        log.warning(
            "inbox_no_group municipality=%s: its citizens' messages wait in the database; add "
            "it to STAFF_CHATS (or a default group, *:chat_id)",
            municipality,
        )
    dispatcher = create_dispatcher(
        settings=settings,
        sessions=sessions,
        runs=runs,
        i18n=i18n,
        runner=runner,
        wake_notifications=leadership.wakers.notifications,
        wake_broadcasts=leadership.wakers.broadcasts,
        wake_inbox=leadership.wakers.inbox,
        metrics=metrics,
    )
    try:
        with i18n.context():
            await set_command_menus(bot, i18n, settings.languages, settings.interface_language)
            await offer_console(bot, i18n, sessions, settings)
        # Everything built at start-up lives as long as the process: keep it out of the
        # garbage collector's full passes, which otherwise walk it again and again.
        # feedback-bot starts with the collector off; the cycles start-up left behind (a few
        # thousand objects, more after migrations) are frozen with the rest rather than found
        # by a full pass over a million objects, which costs more than our own start-up work.
        gc.freeze()
        gc.enable()
        if webhook_secret is not None:
            from civic_feedback.bot.webhook import serve_webhook  # aiohttp's server with it

            await serve_webhook(dispatcher, bot, monitor, settings, webhook_secret, console)
            return
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling_started")
        await dispatcher.start_polling(
            bot,
            allowed_updates=dispatcher.resolve_used_update_types(),
            tasks_concurrency_limit=UPDATES_AT_ONCE,
        )
    finally:
        for listening in listeners:
            await listening.cleanup()
        await leadership.stop()
        runner.close()
        await bot.session.close()
        engine.dispose()


async def _start_listeners(
    settings: Settings, monitor: Monitor, console: web.Application | None
) -> list[web.AppRunner]:
    """Polling mode's own listeners: /metrics and /healthz on METRICS_PORT, the console on
    WEBHOOK_PORT with CONSOLE_URL. Without either, aiohttp's web server is not even loaded:
    a bot that only polls spares its memory."""
    if settings.metrics_port is None and console is None:
        return []
    from civic_feedback.bot.console_listener import start_console_listener
    from civic_feedback.bot.monitoring.endpoints import start_metrics_listener

    started = [
        await start_metrics_listener(settings, monitor),
        await start_console_listener(settings, console),
    ]
    return [listener for listener in started if listener is not None]
