"""The broadcaster: works through the outbox of due broadcasts at BROADCAST_RATE.

Rows are claimed a batch at a time: what the rate sends in ``CLAIM_AHEAD`` seconds (one row at
the free rates, fifty at 1,000 a second), committed as ``sending`` before any of them goes.
Each message goes out on its turn in the pace, in a task of its own, so that Telegram's
answers overlap; how the messages ended is written in the transaction of the next claim, so
a batch costs one commit. A ``kill -9`` can therefore leave as ``sending`` the batch being
sent, the messages on their way and those whose outcome was not written yet: never sent
again on their own, counted as uncertain (storage/claims.py). A broadcaster that is stopped
puts the rows whose turn had not come back to pending.

With PAID_BROADCAST the messages carry ``allow_paid_broadcast`` and take their turns, right
before their requests, from the pace's paid budget (bot/client/pacing.py); replies keep the
free pace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.held_claims import HeldClaims
from civic_feedback.bot.units import UnitRunner
from civic_feedback.bot.views.broadcast_report import progress_text, stop_keyboard
from civic_feedback.services.broadcasts import (
    ClaimedOutboxRow,
    claim_deliveries,
    next_broadcast,
    progress,
    release_deliveries,
    renew_deliveries,
    settle,
    settle_sent,
)
from civic_feedback.settings import Settings
from civic_feedback.storage.models import Broadcast, OutboxState

log = logging.getLogger(__name__)

REPORT_EVERY = 10.0  # seconds between edits of an organizer's progress message
CLAIM_AHEAD = 0.05  # seconds of sending claimed at a time
IN_FLIGHT = 0.25  # seconds of sending on their way at most (Telegram answering slowly)...
MAX_IN_FLIGHT = 50  # ...within aiohttp's 100 connections, which replies and polling share


@dataclass
class _Outcomes:
    """How the messages of a broadcast ended since the last write."""

    sent: list[int] = field(default_factory=list)
    refused: list[tuple[int, OutboxState, str]] = field(default_factory=list)


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
        runner: UnitRunner | None = None,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.settings = settings
        self.i18n = i18n
        self.limiter = limiter
        self.clock = clock
        # Claims inline on SQLite, in a thread on PostgreSQL: its round trips would hold up
        # the event loop, and with it the pace and the replies (bot/units.py).
        self.runner = runner or UnitRunner()
        self.paid = settings.paid_broadcast
        self.claim_size = max(1, round(settings.broadcast_rate * CLAIM_AHEAD))
        self.in_flight = min(MAX_IN_FLIGHT, max(1, round(settings.broadcast_rate * IN_FLIGHT)))
        self._lock = asyncio.Lock()
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
                sent += await _Run(self, broadcast).send()
                log.info("broadcast_done id=%s", broadcast.id)
                await self.report(broadcast, final=True)

    async def report(self, broadcast: Broadcast, *, final: bool) -> None:
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
            state = progress(session, broadcast, self.clock())
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

    async def button(self, broadcast: Broadcast, language: str) -> InlineKeyboardMarkup | None:
        if not broadcast.button:
            return None
        ((kind, value),) = broadcast.button.items()
        me = await self.bot.me()
        payload = f"ev_{value}" if kind == "event" else f"f_{value}"
        with self.i18n.context(), self.i18n.use_locale(language):
            label = _("Open the event") if kind == "event" else _("Open the form")
        url = f"https://t.me/{me.username}?start={payload}"
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, url=url)]])


class _Run:
    """One broadcast sent to the end by one broadcaster (until none of its rows is pending)."""

    def __init__(self, broadcaster: Broadcaster, broadcast: Broadcast) -> None:
        self.b = broadcaster
        self.broadcast = broadcast
        self.outcomes = _Outcomes()
        self.held = HeldClaims(self._renew, broadcaster.clock)
        self.waiting: set[int] = set()  # claimed, their turn not come: not handed to Telegram
        self.slots = asyncio.Semaphore(broadcaster.in_flight)
        self.sending: set[asyncio.Task[None]] = set()
        self.markups: dict[str, InlineKeyboardMarkup | None] = {}
        self.sent = 0

    async def send(self) -> int:
        """Send the broadcast's pending rows; returns how many messages went out."""
        b = self.b
        async with self.held.kept():
            try:
                while True:
                    await self.slots.acquire()
                    await self._free_turn()  # the first row's, then its claim
                    outcomes = self._take_outcomes()
                    claimed = await b.runner(partial(self._write_and_claim, outcomes))
                    self.held.hold(row.outbox_id for row in claimed)
                    if not claimed:
                        self.slots.release()
                        break
                    await self._send_batch(claimed)
                    await b.report(self.broadcast, final=False)
                await asyncio.gather(*self.sending)
            except asyncio.CancelledError:
                # Stopped: a message on its way stays "sending" (it may have reached the
                # citizen); one whose turn had not come goes back to pending.
                for task in self.sending:
                    task.cancel()
                self._write(release=list(self.waiting))
                raise
            self._write()
        return self.sent

    async def _send_batch(self, claimed: list[ClaimedOutboxRow]) -> None:
        self.waiting.update(row.outbox_id for row in claimed)
        for index, row in enumerate(claimed):
            if index:  # a free connection first, then the turn
                await self.slots.acquire()
                await self._free_turn()
            task = asyncio.create_task(self._deliver(row))  # with the turn (the task's context)
            self.sending.add(task)
            task.add_done_callback(self.sending.discard)

    async def _free_turn(self) -> None:
        """A free broadcast's message waits for its turn before its claim, or before its
        task, and goes on it (a crash can only leave uncertain what was on its way). A paid
        one takes its turn in its task, right before its request (``_deliver``)."""
        if not self.b.paid:
            await self.b.limiter.wait()

    def _write_and_claim(self, outcomes: _Outcomes) -> list[ClaimedOutboxRow]:
        """One transaction: how the last messages ended, and the next batch claimed."""
        b = self.b
        with b.sessions.begin() as session:
            self._settle(session, outcomes)
            return claim_deliveries(session, self.broadcast, b.claim_size, now=b.clock())

    def _renew(self, rows: list[int], now: datetime) -> None:
        """Now and then while sending: how the last messages ended, and the claims still
        on their way renewed."""
        with self.b.sessions.begin() as session:
            self._settle(session, self._take_outcomes())
            renew_deliveries(session, rows, now)

    def _write(self, *, release: list[int] | None = None) -> None:
        """How the last messages ended; rows never handed to Telegram back to pending."""
        with self.b.sessions.begin() as session:
            self._settle(session, self._take_outcomes())
            if release:
                release_deliveries(session, release)

    def _take_outcomes(self) -> _Outcomes:
        """The outcomes to write; new ones gather from here on (taken on the event loop)."""
        outcomes, self.outcomes = self.outcomes, _Outcomes()
        return outcomes

    def _settle(self, session: Session, outcomes: _Outcomes) -> None:
        settle_sent(session, outcomes.sent, self.b.clock())
        for outbox_id, state, error in outcomes.refused:
            settle(session, outbox_id, state, error)

    async def _deliver(self, row: ClaimedOutboxRow) -> None:
        b = self.b
        try:
            language = row.language or b.settings.interface_language
            texts = self.broadcast.texts
            text = texts.get(language) or texts[b.settings.interface_language]
            if language not in self.markups:
                self.markups[language] = await b.button(self.broadcast, language)
            if b.paid:
                # Telegram counts paid messages as they arrive, up to 1,000 a second: the turn
                # right before the request leaves nothing between them to bunch messages up.
                await b.limiter.wait(paid=True)
            self.waiting.discard(row.outbox_id)  # handed to Telegram from here on
            await b.bot.send_message(
                row.chat_id,
                text,
                reply_markup=self.markups[language],
                allow_paid_broadcast=True if b.paid else None,
            )
        except TelegramForbiddenError:
            self._ended(row, OutboxState.UNREACHABLE, "blocked the bot")
        except TelegramBadRequest as error:
            self._ended(row, OutboxState.FAILED, error.message)
        except TelegramAPIError as error:  # still failing after the retry layer's back-off
            self._ended(row, OutboxState.FAILED, str(error))
        except Exception:  # a fault of ours: the row stays "sending", so it becomes uncertain
            log.exception("broadcast_delivery_error outbox=%s", row.outbox_id)
        else:
            self.outcomes.sent.append(row.outbox_id)
            self.held.release(row.outbox_id)
            self.sent += 1
        finally:
            self.slots.release()

    def _ended(self, row: ClaimedOutboxRow, state: OutboxState, error: str) -> None:
        self.outcomes.refused.append((row.outbox_id, state, error))
        self.held.release(row.outbox_id)
