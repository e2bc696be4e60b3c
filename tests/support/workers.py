"""The notification worker as feedback-bot builds it, and a form completed for an event."""

from __future__ import annotations

from aiogram import Bot
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.notifications import NotificationWorker
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.flows.engine import Button, Skip
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import Citizen, Event
from tests.support.clock import FakeClock
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

BOT_TOKEN = "42:TEST-notifications"


def complete_event_form(session: Session, runs: FormRuns, citizen: Citizen, event: Event) -> None:
    """The citizen answers event-satisfaction about ``event``, as the bot would store it."""
    # 5 hides the comment question; Skip the suggestion.
    steps: list[Step] = [Button("5"), Button("9"), 0, Button("4"), Skip()]
    walk_form(session, runs, citizen, event.flow_id, steps, language="en", event_id=event.id)


def worker_settings() -> Settings:
    return Settings(
        _env_file=None,
        bot_token=BOT_TOKEN,
        pseudonym_key=PSEUDONYM_KEY,
        broadcast_rate=30,
        timezone="Europe/Sofia",
        default_language="bg",
    )


def new_worker(bot: Bot, sessions: sessionmaker[Session], clock: FakeClock) -> NotificationWorker:
    """A worker as ``feedback-bot`` builds it, with its own FormRuns and catalogs."""
    settings = worker_settings()
    return NotificationWorker(
        bot=bot,
        sessions=sessions,
        runs=FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode()),
        settings=settings,
        i18n=create_i18n(settings.interface_language),
        clock=clock,
        limiter=RateLimiter(settings.broadcast_rate),
    )
