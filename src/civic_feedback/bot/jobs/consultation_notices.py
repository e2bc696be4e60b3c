"""Tells each follower of a consultation, once, that its report is published, with the
decision and reasons on each of their own proposals."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.views.consultation_texts import report_notice
from civic_feedback.core.clock import Clock
from civic_feedback.services.consultations import ClaimedNotice, claim_notice, settle_notice
from civic_feedback.settings import Settings
from civic_feedback.storage.models import NoticeState

log = logging.getLogger(__name__)


class ConsultationNotices:
    """Sends owed notices one at a time, at the pace every message of the bot shares."""

    def __init__(
        self,
        *,
        bot: Bot,
        sessions: sessionmaker[Session],
        settings: Settings,
        i18n: I18n,
        clock: Clock,
        limiter: RateLimiter,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.settings = settings
        self.i18n = i18n
        self.clock = clock
        self.limiter = limiter
        self._lock = asyncio.Lock()

    async def send_due(self) -> int:
        """Send every owed notice; returns how many went out."""
        async with self._lock:
            sent = 0
            while True:
                # The pace first, the claim next: a claimed notice goes out at once, so a
                # crash can only lose the one whose request was on its way.
                await self.limiter.wait()
                with self.sessions.begin() as session:
                    notice = claim_notice(session)
                if notice is None:
                    return sent
                sent += await self._deliver(notice)

    async def _deliver(self, notice: ClaimedNotice) -> int:
        language = notice.language or self.settings.interface_language
        with self.i18n.context(), self.i18n.use_locale(language):
            text = report_notice(notice.title, notice.decisions, language)
            markup = _report_button(notice.url)
        state, error = NoticeState.SENT, None
        try:
            await self.bot.send_message(notice.chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            state = NoticeState.UNREACHABLE
        except TelegramBadRequest as refused:
            state, error = NoticeState.FAILED, refused.message
            log.warning("consultation_notice_failed code=%s error=%s", notice.code, error)
        with self.sessions.begin() as session:
            settle_notice(session, notice, state, self.clock(), error)
        if state is NoticeState.SENT:
            log.info("consultation_notice_sent code=%s", notice.code)
        return int(state is NoticeState.SENT)


def _report_button(url: str | None) -> InlineKeyboardMarkup | None:
    if url is None:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📊 See the report"), url=url)
    return builder.as_markup()
