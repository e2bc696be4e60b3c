"""Through the product's Bot API session: messages wait for their turn, press answers do not."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.methods import TelegramMethod

from civic_feedback.bot.app import add_request_middlewares
from civic_feedback.bot.client.pacing import RateLimiter
from tests.support.recording_session import BOT_TOKEN, RecordingSession
from tests.unit.test_pacing import ManualClock

T = TypeVar("T")


class TimedSession(RecordingSession):
    """Notes the (manual) time at which each call reaches Telegram."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock
        self.arrivals: list[tuple[str, float]] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[T], timeout: int | None = None
    ) -> T:
        self.arrivals.append((method.__api_method__, self.clock.now))
        return await super().make_request(bot, method, timeout)


async def test_messages_keep_the_pace_and_a_press_answer_goes_at_once() -> None:
    clock = ManualClock()
    session = TimedSession(clock)
    add_request_middlewares(session, RateLimiter(2, clock=clock.time, sleep=clock.sleep))
    bot = Bot(BOT_TOKEN, session=session)

    calls: list[Any] = [
        bot.send_message(101, "first"),
        bot.send_message(102, "second"),
        bot.answer_callback_query("4711"),
    ]
    await asyncio.gather(*calls)

    assert sorted(session.arrivals) == [
        ("answerCallbackQuery", 0.0),  # not a message: not held behind the second one
        ("sendMessage", 0.0),
        ("sendMessage", 0.5),  # two a second
    ]
