"""An answer to a button press that Telegram refuses as too late is dropped; nothing else is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from tests.support.recording_session import RecordingSession, make_bot

TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest.fixture
async def telegram() -> AsyncIterator[RecordingSession]:
    session = RecordingSession()
    yield session
    await session.close()


@pytest.fixture
def bot(telegram: RecordingSession) -> Bot:
    return make_bot(telegram)


async def test_a_press_answered_too_late_counts_as_answered_and_is_logged(
    telegram: RecordingSession, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.refuse_press_answers = TOO_OLD
    caplog.set_level("INFO", logger="civic_feedback.bot.client.late_presses")

    answered = await bot.answer_callback_query("4711", text="Saved")

    assert answered is True
    assert "press_answered_too_late query=4711" in caplog.text


async def test_another_refusal_of_a_press_answer_is_raised(
    telegram: RecordingSession, bot: Bot
) -> None:
    telegram.refuse_press_answers = "Bad Request: MESSAGE_TOO_LONG"

    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query("4711", text="x" * 300)


async def test_a_refusal_of_any_other_call_is_raised(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("Next question", chat_id=1001, message_id=99)
