"""End to end: the real feedback-bot process against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.bot_process import TOKEN, BotProcess
from tests.support.citizen_driver import (
    LOW_RATING_ANSWERS,
    CitizenDriver,
    answer_event_satisfaction,
    assert_answered_once,
)
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


@pytest.fixture
async def bot(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(tg.url, tmp_path)
    await process.start()
    try:
        await tg.wait_for_polling(timeout=30)
        yield process
    finally:
        await process.stop()
        print(process.log())  # shown by pytest when the test failed


async def answer_first_half(citizen: CitizenDriver) -> None:
    screen = await citizen.say("/start f_event-satisfaction")
    assert "How would you rate the event overall?" in screen.content
    await citizen.tap("2")
    await citizen.tap("7")


async def answer_second_half(citizen: CitizenDriver) -> None:
    await citizen.tap("Discussion with experts")
    await citizen.tap("Materials")
    screen = await citizen.tap("Done")
    assert "organisation" in screen.content.lower()
    screen = await citizen.tap("4")
    assert "do better" in screen.content  # the comment is asked because overall <= 3
    await citizen.say(LOW_RATING_ANSWERS["comment"])
    screen = await citizen.tap("Skip")
    assert "Thank you" in screen.content
    assert citizen.tg.buttons(screen) == []


def the_only_response(bot: BotProcess) -> dict[str, Any]:
    records = bot.export("event-satisfaction")
    assert len(records) == 1
    return records[0]


async def test_citizen_completes_event_satisfaction_and_export_holds_exactly_the_answers(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    citizen = CitizenDriver(tg, 5001)

    await answer_first_half(citizen)
    await answer_second_half(citizen)

    record = the_only_response(bot)
    assert record["answers"] == LOW_RATING_ANSWERS
    assert record["completed_at"] is not None
    assert record["language"] == "en"
    assert record["respondent"].startswith("c-")
    assert "5001" not in record["respondent"]


async def test_killed_bot_resumes_citizen_at_same_question(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    citizen = CitizenDriver(tg, 5002)
    await answer_first_half(citizen)
    tg.callback_timeout = 1.0  # shorter than the restart: Telegram refuses the late answer

    await bot.kill()
    # The citizen goes on while the bot is down: the press waits in Telegram's queue.
    question = citizen.with_buttons()
    tg.press_button(citizen.id, question.message_id, "Materials", language_code="en")
    await bot.start()
    ticked = lambda: "✅" in str(tg.message(citizen.id, question.message_id).reply_markup)  # noqa: E731
    await tg.wait_for(ticked, timeout=30)  # the restarted bot starts up, then handles the press
    await citizen.tap("Discussion with experts")
    screen = await citizen.tap("Done")
    assert "organisation" in screen.content.lower()
    await citizen.tap("4")
    await citizen.say(LOW_RATING_ANSWERS["comment"])
    await citizen.tap("Skip")

    assert the_only_response(bot)["answers"] == LOW_RATING_ANSWERS
    assert "press_answered_too_late" in bot.log()
    assert "Traceback" not in bot.log()
    assert TOKEN not in bot.log()  # the token is a password: never in the logs


async def test_same_update_delivered_twice_stores_one_answer(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    citizen = CitizenDriver(tg, 5003)
    await answer_first_half(citizen)
    await citizen.tap("Discussion with experts")
    await citizen.tap("Materials")
    await citizen.tap("Done")
    await citizen.tap("4")
    typed = tg.send_text(citizen.id, LOW_RATING_ANSWERS["comment"], language_code="en")
    await tg.wait_for_text(citizen.id, "anything else")

    # Telegram delivers the comment again. Handled twice, it would answer the next
    # question ("anything else?") with the same text.
    tg.push(typed)
    await citizen.tap("Skip")  # handled after the repeat: one chat's updates keep their order

    answers = the_only_response(bot)["answers"]
    assert answers["comment"] == LOW_RATING_ANSWERS["comment"]
    assert answers["suggestion"] is None
    assert "update_duplicate" in bot.log()


async def test_100_citizens_at_once_keep_under_telegram_rate_limit_and_all_finish(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    tg.global_rate = 30  # Telegram's cap on messages per second, with 429 beyond it
    citizens = [CitizenDriver(tg, 7000 + n) for n in range(100)]

    # 100 citizens x 8 messages at BROADCAST_RATE (25/s) is about 32 s of sending
    await asyncio.gather(*(answer_event_satisfaction(c, str(4 + c.id % 2), 120) for c in citizens))

    assert_answered_once(bot.export("event-satisfaction"), citizens)
    # The bot keeps to its pace instead of learning Telegram's limit from refusals (without
    # the pace: over a thousand 429s). Requests that left one after another can still reach
    # Telegram bunched together on a busy machine: a refusal or two is retried through.
    assert tg.too_many_requests <= 3
    # One message per reply: the privacy notice, then an edit for each of seven presses.
    assert [tg.count_message_calls(c.id) for c in citizens] == [8] * len(citizens)
