"""The sandbox's Bot API emulator against aiogram's real Bot: what the chat page is built on.

(Telegram's refusals and the rest of the Bot API subset are covered through the tests' fake,
which is this emulator with rate limits: tests/integration/test_fake_telegram.py.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from civic_feedback.sandbox.chat_records import SentMessage, UserMessage
from civic_feedback.sandbox.emulator import BotApiEmulator
from tests.support.images import PNG_1x1

TOKEN = "1000000001:sandbox-local-emulator-token"
CITIZEN = 1001


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(bot_username="civic_feedback_sandbox_bot")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """Built as the bot builds its own: HTML parse mode by default (bot/app.py)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.url))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


def choice(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=text, callback_data=data) for text, data in pairs]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def test_sent_html_message_parses_into_aiogram_message_with_its_keyboard(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    markup = choice(("1", "rate:1"), ("5", "rate:5"))
    sent = await bot.send_message(CITIZEN, "<b>How was it?</b> 1 &lt; 5", reply_markup=markup)

    assert isinstance(sent, Message)
    assert (sent.chat.id, sent.chat.type) == (CITIZEN, "private")
    assert sent.text == "How was it? 1 < 5"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 11)]
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == markup.model_dump()
    [stored] = emulator.chat_changes(CITIZEN, since=0)
    assert isinstance(stored, SentMessage)
    assert stored.raw_text == "<b>How was it?</b> 1 &lt; 5"


async def test_edit_replaces_the_message_and_is_the_only_change_reported(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    question = await bot.send_message(CITIZEN, "Question 1", reply_markup=choice(("Yes", "y")))
    await bot.send_message(CITIZEN, "Another message")
    before = emulator.version

    edited = await bot.edit_message_text(
        "Question 2",
        chat_id=CITIZEN,
        message_id=question.message_id,
        reply_markup=choice(("No", "n")),
    )

    assert isinstance(edited, Message)
    assert edited.message_id == question.message_id
    assert edited.text == "Question 2"
    assert edited.edit_date is not None
    [changed] = emulator.chat_changes(CITIZEN, since=before)
    assert isinstance(changed, SentMessage)
    assert (changed.message_id, changed.text, changed.edits) == (
        question.message_id,
        "Question 2",
        1,
    )
    assert emulator.buttons(changed) == [[("No", "n")]]

    markup_only = await bot.edit_message_reply_markup(
        chat_id=CITIZEN, message_id=question.message_id, reply_markup=None
    )
    assert isinstance(markup_only, Message)
    assert markup_only.reply_markup is None
    assert emulator.message(CITIZEN, question.message_id).reply_markup is None


async def test_files_arrive_as_multipart_and_are_kept_for_download(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    calendar = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    document = await bot.send_document(
        CITIZEN, BufferedInputFile(calendar, filename="event.ics"), caption="<i>Add it</i>"
    )
    photo = await bot.send_photo(CITIZEN, BufferedInputFile(PNG_1x1, filename="chart.png"))

    assert document.document is not None
    assert document.document.file_name == "event.ics"
    assert document.caption == "Add it"
    kept = emulator.file(document.document.file_id)
    assert kept is not None
    assert kept.data == calendar
    assert photo.photo is not None
    kept_photo = emulator.file(photo.photo[-1].file_id)
    assert kept_photo is not None
    assert kept_photo.data == PNG_1x1
    assert emulator.file("no-such-file") is None


async def test_users_side_commands_and_toasts_are_kept_for_the_page(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.send_text(CITIZEN, "/start", language_code="tr", first_name="Ayşe")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "tr"
    assert update.message.text == "/start"
    question = await bot.send_message(CITIZEN, "Rate", reply_markup=choice(("5", "rate:5")))
    pressed = emulator.press(CITIZEN, question.message_id, "rate:5", language_code="tr")
    await bot.answer_callback_query(pressed["callback_query"]["id"], text="Saved")
    await bot.set_my_commands([BotCommand(command="events", description="Etkinlikler")], None, "tr")

    [written] = emulator.user_messages(CITIZEN)
    assert isinstance(written, UserMessage)
    assert (written.message_id, written.text) == (update.message.message_id, "/start")
    [toast] = emulator.toasts
    assert (toast.user_id, toast.text, toast.show_alert) == (CITIZEN, "Saved", False)
    assert emulator.my_commands(language_code="tr") == [
        {"command": "events", "description": "Etkinlikler"}
    ]
    assert [m.message_id for m in emulator.chat_changes(CITIZEN, since=0)] == [1, 2]


async def test_a_press_is_answered_once_and_not_after_the_timeout(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    question = await bot.send_message(CITIZEN, "Rate", reply_markup=choice(("5", "rate:5")))
    fresh = emulator.press(CITIZEN, question.message_id, "rate:5")["callback_query"]["id"]
    emulator.callback_timeout = 0.0  # every press is already too old when answered
    late = emulator.press(CITIZEN, question.message_id, "rate:5")["callback_query"]["id"]

    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late)
    emulator.callback_timeout = None
    assert await bot.answer_callback_query(fresh) is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(fresh)  # answered already


async def test_a_waiting_page_wakes_up_when_the_bot_sends(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    since = emulator.version
    waiting = asyncio.create_task(emulator.wait_for_change(since, timeout=10))
    await asyncio.sleep(0)  # let it start waiting
    assert not waiting.done()

    await bot.send_message(CITIZEN, "News")

    version = await asyncio.wait_for(waiting, timeout=5)
    assert version > since
    assert await emulator.wait_for_change(version, timeout=0.01) == version  # nothing new


def test_a_sandbox_restarted_on_its_database_numbers_updates_after_those_handled() -> None:
    """As Telegram does: the bot drops an update id it handled, so ids never start over."""
    emulator = BotApiEmulator(first_update_id=42)

    first = emulator.send_text(CITIZEN, "/start")
    second = emulator.send_text(CITIZEN, "/help")

    assert (first["update_id"], second["update_id"]) == (42, 43)
