"""The dispatcher: middlewares in order, then one router per feature."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.handlers import answers, errors, feedback, help, language, start
from civic_feedback.bot.i18n import CitizenI18nMiddleware
from civic_feedback.bot.middlewares import DatabaseMiddleware, PerChatOrderMiddleware
from civic_feedback.settings import Settings
from civic_feedback.storage.responses import FormRuns


def create_dispatcher(
    *, settings: Settings, sessions: sessionmaker[Session], runs: FormRuns, i18n: I18n
) -> Dispatcher:
    """A dispatcher ready to feed updates to; ``settings`` and ``runs`` reach the handlers."""
    dispatcher = Dispatcher(settings=settings, runs=runs)
    dispatcher.update.outer_middleware(PerChatOrderMiddleware())
    dispatcher.update.outer_middleware(DatabaseMiddleware(sessions))
    CitizenI18nMiddleware(i18n, settings.languages).setup(dispatcher)
    dispatcher.include_routers(
        errors.create_router(),
        start.create_router(),
        language.create_router(),
        help.create_router(),
        feedback.create_router(),
        answers.create_router(),  # last: it also takes whatever no other router wanted
    )
    return dispatcher
