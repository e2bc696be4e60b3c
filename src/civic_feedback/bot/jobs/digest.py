"""The Monday digest: last week's headline figures to every staff member, once per week, of
their own municipality when their role has one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.views.summary_message import compute_summary, summary_text
from civic_feedback.core.weeks import last_complete_week
from civic_feedback.services.digests import (
    claim_digests,
    owe_digests,
    settle_digest,
    summary_readers,
)
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.roles import scope_of

log = logging.getLogger(__name__)


class DigestSender:
    def __init__(
        self,
        *,
        bot: Bot,
        sessions: sessionmaker[Session],
        settings: Settings,
        i18n: I18n,
        limiter: RateLimiter,
        clock: Callable[[], datetime],
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.settings = settings
        self.i18n = i18n
        self.limiter = limiter
        self.clock = clock

    def due_week(self) -> str | None:
        """The week whose digest is due now: last week, once this week's moment has passed."""
        schedule = self.settings.digest_time
        if schedule is None:
            return None
        weekday, moment = schedule
        zone = self.settings.zone
        now = self.clock()
        local = now.astimezone(zone)
        monday = local.date() - timedelta(days=local.weekday())
        due = datetime.combine(monday + timedelta(days=weekday), moment, tzinfo=zone)
        return last_complete_week(now, zone) if local >= due else None

    async def send_if_due(self) -> int:
        """Send the digest of last week to whoever has not had it; returns how many went."""
        week = self.due_week()
        if week is None:
            return 0
        with self.sessions.begin() as session:
            owe_digests(session, week, summary_readers(session, self.settings.admin_ids))
            chats = claim_digests(session, week)
            languages = {chat: self._language(session, chat) for chat in chats}
            scopes = {chat: scope_of(session, chat, self.settings.admin_ids) for chat in chats}
        if not chats:
            return 0
        default = self.settings.interface_language
        summaries = {
            scope: await asyncio.to_thread(
                compute_summary, self.sessions, week, self.settings, default, scope
            )
            for scope in sorted(set(scopes.values()), key=lambda scope: scope or "")
        }
        sent = 0
        for chat in chats:
            with self.i18n.context(), self.i18n.use_locale(languages[chat]):
                text = summary_text(summaries[scopes[chat]])
            await self.limiter.wait()
            try:
                await self.bot.send_message(chat, text)
            except TelegramAPIError as error:  # never started the bot, or blocked it
                self._settle(week, chat, str(error))
                continue
            self._settle(week, chat)
            sent += 1
        log.info("digest_sent week=%s sent=%s of=%s", week, sent, len(chats))
        return sent

    def _language(self, session: Session, telegram_id: int) -> str:
        citizen = find_citizen(session, telegram_id)
        chosen = citizen.language if citizen else None
        return chosen if chosen in self.settings.languages else self.settings.interface_language

    def _settle(self, week: str, chat: int, error: str | None = None) -> None:
        with self.sessions.begin() as session:
            settle_digest(session, week, chat, error)
