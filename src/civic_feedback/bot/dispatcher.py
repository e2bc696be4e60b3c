"""The dispatcher: middlewares in order, then one router per feature."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Dispatcher
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    Response,
    SendDocument,
    SendMessage,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.context import Services, Wakers
from civic_feedback.bot.handlers import (
    answers,
    broadcast,
    console,
    consultations,
    errors,
    events,
    feedback,
    help,
    inbox,
    language,
    privacy,
    start,
    subscription,
    summary,
)
from civic_feedback.bot.handlers import settings as settings_handlers
from civic_feedback.bot.middlewares.chat_order import PerChatOrderMiddleware
from civic_feedback.bot.middlewares.database import DatabaseMiddleware
from civic_feedback.bot.middlewares.i18n import CitizenI18nMiddleware
from civic_feedback.bot.middlewares.privacy_gate import PrivacyGate, PrivacyNotices
from civic_feedback.bot.middlewares.throttling import Throttle
from civic_feedback.bot.middlewares.update_metrics import UpdateMetrics
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.units import UnitRunner
from civic_feedback.core.clock import Clock
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.registrations import Registrar
from civic_feedback.settings import Settings
from civic_feedback.storage.models import utcnow

# aiogram parses every reply into Response[<type>], a pydantic class that pydantic caches
# only weakly: without a lasting reference it is rebuilt again and again (~3 ms each).
_REPLY_CLASSES = [
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        AnswerCallbackQuery,
        EditMessageReplyMarkup,
        EditMessageText,
        GetUpdates,
        SendDocument,
        SendMessage,
    )
]


def create_dispatcher(
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    runs: FormRuns,
    i18n: I18n,
    clock: Clock = utcnow,
    wake_notifications: Callable[[], None] = lambda: None,
    wake_broadcasts: Callable[[], None] = lambda: None,
    wake_inbox: Callable[[], None] = lambda: None,
    throttle: Throttle | None = None,
    runner: UnitRunner | None = None,
    metrics: BotMetrics | None = None,
) -> Dispatcher:
    """A dispatcher ready to feed updates to; handlers get a ``Context`` as ``ctx``. Its
    updates are counted in ``metrics`` (without: in a registry nobody reads)."""
    services = Services(
        settings=settings,
        sessions=sessions,
        runs=runs,
        registrar=Registrar(settings.follow_up),
        clock=clock,
        wake=Wakers(wake_notifications, wake_broadcasts, wake_inbox),
    )
    # Conversation state lives in the database, not in aiogram's FSM.
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.update.outer_middleware(UpdateMetrics(metrics or BotMetrics()))
    dispatcher.update.outer_middleware(PerChatOrderMiddleware())
    database = DatabaseMiddleware(sessions, runner or UnitRunner(), services, settings.languages)
    dispatcher.update.outer_middleware(database)
    CitizenI18nMiddleware(i18n, settings.languages).setup(dispatcher)
    gate = PrivacyGate(PrivacyNotices.load(settings))  # after i18n: the notice is translated
    throttle = throttle or Throttle()  # one bucket per citizen for messages and buttons
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.outer_middleware(throttle)  # a flood waits before anything else happens
        observer.outer_middleware(gate)
    dispatcher.include_routers(
        errors.create_router(),
        answers.create_router(),  # button presses and typed answers: most of the traffic
        start.create_router(),
        language.create_router(),
        help.create_router(),
        feedback.create_router(),
        events.create_router(),
        settings_handlers.create_router(),
        subscription.create_router(),
        privacy.create_router(),
        summary.create_router(),
        console.create_router(),
        broadcast.create_router(),  # organizers; also takes the text of a draft announcement
        consultations.create_router(),  # before the inbox: text while writing a proposal
        inbox.create_router(),  # any other text: a message to the municipality; staff groups
        answers.create_fallback_router(),  # last: whatever no other router wanted
    )
    return dispatcher
