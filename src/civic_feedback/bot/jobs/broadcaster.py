"""The broadcaster: works through the outbox of due broadcasts at BROADCAST_RATE."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.views.broadcast_report import progress_text, stop_keyboard
from civic_feedback.services.broadcasts import (
    ClaimedOutboxRow,
    claim_deliveries,
    next_broadcast,
    progress,
    settle,
)
from civic_feedback.settings import Settings
from civic_feedback.storage.models import Broadcast, OutboxState

log = logging.getLogger(__name__)

REPORT_EVERY = 10.0  # seconds between edits of an organizer's progress message


class Broadcaster:
    """Sends due broadcasts, each recipient once, paced by the shared rate limiter."""

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
        self._lock = asyncio.Lock()
        # A few deliveries in flight keep the rate when Telegram answers slowly (a quarter of a
        # second's worth); each row is claimed only when its turn to go has come.
        self.batch = max(1, round(settings.broadcast_rate / 4))
        self._reported: dict[int, float] = {}  # broadcast id -> when its progress was shown

    async def send_due(self) -> int:
        """Send every due broadcast to the end; returns how many messages went out."""
        async with self._lock:
            sent = 0
            while True:
                with self.sessions.begin() as session:
                    broadcast = next_broadcast(session, self.clock())
                if broadcast is None:
                    return sent
                lanes = (self._lane(broadcast) for _ in range(self.batch))
                sent += sum(await asyncio.gather(*lanes))
                log.info("broadcast_done id=%s", broadcast.id)
                await self._report(broadcast, final=True)

    async def _lane(self, broadcast: Broadcast) -> int:
        """One of the deliveries in flight: paced, then claimed, then sent at once, so a
        crash can only lose the rows whose requests were on their way."""
        sent = 0
        while True:
            await self.limiter.wait()
            with self.sessions.begin() as session:
                claimed = claim_deliveries(session, broadcast, 1)
            if not claimed:
                return sent
            sent += await self._deliver(broadcast, claimed[0])
            await self._report(broadcast, final=False)

    async def _report(self, broadcast: Broadcast, *, final: bool) -> None:
        """Edit the organizer's progress message (composed in Telegram): now and then, and
        once more at the end."""
        chat_id, message_id = broadcast.report_chat_id, broadcast.report_message_id
        if chat_id is None or message_id is None or broadcast.id is None:
            return
        now = time.monotonic()
        if not final and now - self._reported.get(broadcast.id, 0.0) < REPORT_EVERY:
            return
        self._reported[broadcast.id] = now
        if final:
            del self._reported[broadcast.id]
        with self.sessions.begin() as session:
            state = progress(session, broadcast)
        language = broadcast.report_language or self.settings.interface_language
        with self.i18n.context(), self.i18n.use_locale(language):
            text = progress_text(state)
            markup = None if final else stop_keyboard(broadcast.id)
        await self.limiter.wait()
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except TelegramAPIError as error:  # deleted, or unchanged since the last report
            log.info("broadcast_report_not_edited id=%s: %s", broadcast.id, error)

    async def _deliver(self, broadcast: Broadcast, delivery: ClaimedOutboxRow) -> bool:
        language = delivery.language or self.settings.interface_language
        text = broadcast.texts.get(language) or broadcast.texts[self.settings.interface_language]
        markup = await self._button(broadcast, language)
        try:
            await self.bot.send_message(delivery.chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            self._settle(delivery, OutboxState.UNREACHABLE, "blocked the bot")
            return False
        except TelegramBadRequest as error:
            self._settle(delivery, OutboxState.FAILED, error.message)
            return False
        except TelegramAPIError as error:  # still failing after the retry layer's back-off
            self._settle(delivery, OutboxState.FAILED, str(error))
            return False
        self._settle(delivery, OutboxState.SENT)
        return True

    def _settle(
        self, delivery: ClaimedOutboxRow, state: OutboxState, error: str | None = None
    ) -> None:
        with self.sessions.begin() as session:
            settle(session, delivery.outbox_id, state, error)

    async def _button(self, broadcast: Broadcast, language: str) -> InlineKeyboardMarkup | None:
        if not broadcast.button:
            return None
        ((kind, value),) = broadcast.button.items()
        me = await self.bot.me()
        payload = f"ev_{value}" if kind == "event" else f"f_{value}"
        with self.i18n.context(), self.i18n.use_locale(language):
            label = _("Open the event") if kind == "event" else _("Open the form")
        url = f"https://t.me/{me.username}?start={payload}"
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, url=url)]])
