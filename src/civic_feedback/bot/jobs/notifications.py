"""The notification worker: sends the reminders, invitations and notices that are due."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.callbacks import EventAction, EventCb
from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.held_claims import HeldClaims
from civic_feedback.bot.views.event_texts import event_title, event_when
from civic_feedback.core.clock import Clock
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.notifications import (
    Claimed,
    claim_due,
    mark_failed,
    mark_sent,
    mark_unreachable,
    next_due,
    renew_notifications,
)
from civic_feedback.services.publications import latest_url
from civic_feedback.settings import Settings
from civic_feedback.storage.models import Citizen, Event, NotificationKind

log = logging.getLogger(__name__)


class NotificationWorker:
    """Sends what is due, one message at a time, paced by the limiter it shares with broadcasts."""

    def __init__(
        self,
        *,
        bot: Bot,
        sessions: sessionmaker[Session],
        runs: FormRuns,
        settings: Settings,
        i18n: I18n,
        clock: Clock,
        limiter: RateLimiter,
    ) -> None:
        self.limiter = limiter
        self.bot = bot
        self.sessions = sessions
        self.runs = runs
        self.settings = settings
        self.i18n = i18n
        self.clock = clock
        self._lock = asyncio.Lock()  # the interval and the wake-up job never overlap

    async def send_due(self) -> int:
        """Send everything due now; returns how many messages went out."""
        held = HeldClaims(self._renew, self.clock)
        async with self._lock, held.kept():
            sent = 0
            while True:
                # The pace first, the claim next: a claimed notification goes out at once,
                # so a crash can only leave uncertain the one whose request was on its way.
                await self.limiter.wait()
                with self.sessions.begin() as session:
                    batch = claim_due(session, self.clock(), self._answered, send_at_most=1)
                if batch.empty:
                    return sent
                for claimed in batch.to_send:
                    held.hold([claimed.id])
                    sent += bool(await self._deliver(claimed))
                    held.release(claimed.id)

    def _renew(self, ids: list[int], now: datetime) -> None:
        with self.sessions.begin() as session:
            renew_notifications(session, ids, now)

    def next_due(self) -> datetime | None:
        with self.sessions.begin() as session:
            return next_due(session)

    def _answered(self, session: Session, citizen: Citizen, event: Event) -> bool:
        db = session.connection()
        flow = self.runs.latest_flow(db, event.flow_id)
        return flow is not None and self.runs.has_answered(db, citizen, flow, event.id)

    async def _deliver(self, claimed: Claimed) -> bool | None:
        """True when sent, False when refused, None when the citizen blocked the bot."""
        language = claimed.language or self.settings.interface_language
        with self.i18n.context(), self.i18n.use_locale(language):
            text, markup = self._message(claimed, language)
        try:
            await self.bot.send_message(claimed.chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            log.info("citizen_unreachable notification=%s", claimed.id)
            with self.sessions.begin() as session:
                mark_unreachable(session, claimed)
            return None
        except TelegramBadRequest as error:
            log.warning("notification_failed id=%s error=%s", claimed.id, error.message)
            with self.sessions.begin() as session:
                mark_failed(session, claimed, error.message)
            return False
        with self.sessions.begin() as session:
            mark_sent(session, claimed, self.clock(), self.settings.follow_up)
        log.info("notification_sent id=%s kind=%s", claimed.id, claimed.kind)
        return True

    def _message(self, claimed: Claimed, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
        event = claimed.event
        title = f"<b>{escape(event_title(event, language))}</b>"
        when = event_when(event, language, self.settings.zone)
        place = f"\n📍 {escape(event.place)}" if event.place else ""
        match claimed.kind:
            case NotificationKind.REMINDER:
                text = _("Reminder: {title} starts soon.").format(title=title)
                return f"{text}\n🗓 {when}{place}", _open_button(event, _("Event details"))
            case NotificationKind.INVITATION:
                text = _(
                    "Thank you for taking part in {title}! How did it go? "
                    "Your answers take two minutes and help the organisers."
                ).format(title=title)
                return text, _form_button(event)
            case NotificationKind.FOLLOWUP:
                text = _(
                    "We would still like to hear how {title} went for you. It takes two minutes."
                ).format(title=title)
                return text, _form_button(event)
            case NotificationKind.PROMOTED:
                text = _("Good news: a place became free at {title}. You are registered.")
                return f"{text.format(title=title)}\n🗓 {when}{place}", _open_button(
                    event, _("Event details")
                )
            case NotificationKind.CANCELLED:
                text = _("We are sorry: {title} on {when} is cancelled.")
                return text.format(title=title, when=when), None
            case NotificationKind.RESULTS:
                text = _("The results of {title} are published: here is what everyone said.")
                return text.format(title=title), self._results_button(event)
            case NotificationKind.RESCHEDULED:
                text = _("New date and time for {title}: {when}.").format(title=title, when=when)
                return f"{text}{place}\n\n{_calendar_hint()}", _change_buttons(event)
            case NotificationKind.PLACE_CHANGED:
                text = _("New place for {title}: {place}.")
                text = text.format(title=title, place=escape(event.place))
                return f"{text}\n🗓 {when}\n\n{_calendar_hint()}", _change_buttons(event)

    def _results_button(self, event: Event) -> InlineKeyboardMarkup | None:
        assert event.id is not None
        with self.sessions.begin() as session:
            url = latest_url(session, event.id)
        if url is None:
            return None
        builder = InlineKeyboardBuilder()
        builder.button(text=_("See the results"), url=url)
        return builder.as_markup()


def _open_button(event: Event, label: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=label, callback_data=EventCb(action=EventAction.CARD, code=event.code))
    return builder.as_markup()


def _calendar_hint() -> str:
    return _("If you added it to your calendar, the button below updates it.")


def _change_buttons(event: Event) -> InlineKeyboardMarkup:
    """The calendar file as it is now (same entry, newer version), and the event's card."""
    builder = InlineKeyboardBuilder()
    for label, action in (
        (_("📅 Add to calendar"), EventAction.CALENDAR),
        (_("Event details"), EventAction.CARD),
    ):
        builder.button(text=label, callback_data=EventCb(action=action, code=event.code))
    builder.adjust(1)
    return builder.as_markup()


def _form_button(event: Event) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Give feedback"), callback_data=EventCb(action=EventAction.FEEDBACK, code=event.code)
    )
    return builder.as_markup()
