"""aiogram's real Bot client against the fake Telegram Bot API (tests/support/fake_telegram.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)

from tests.support.fake_telegram import MESSAGE_METHODS, FakeTelegram
from tests.support.images import PNG_1x1

TOKEN = "123456:TEST"
USER = 1001


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.url))
    bot = Bot(token=TOKEN, session=session)
    try:
        yield bot
    finally:
        await bot.session.close()


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


async def test_url_and_port(tg: FakeTelegram) -> None:
    assert tg.url.startswith("http://127.0.0.1:")
    assert tg.port > 0
    assert tg.url == f"http://127.0.0.1:{tg.port}"


async def test_get_me_parses_into_aiogram_user(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert isinstance(me, User)
    assert me.id == 123456
    assert me.is_bot is True
    assert me.username == "civic_feedback_test_bot"
    assert me.first_name == "Civic feedback"
    [record] = tg.requests("getMe")
    assert record.ok
    assert record.token == TOKEN


async def test_send_message_with_inline_keyboard_round_trips(tg: FakeTelegram, bot: Bot) -> None:
    markup = keyboard([("Yes", "vote:yes"), ("No", "vote:no")], [("Skip", "vote:skip")])
    sent = await bot.send_message(USER, "Did you like the event?", reply_markup=markup)

    assert sent.chat.id == USER
    assert sent.chat.type == "private"
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert sent.text == "Did you like the event?"
    # aiogram objects parsed from a response carry the bot in a private attribute, so compare
    # the dumps rather than the models.
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == markup.model_dump()

    stored = tg.last_message(USER)
    assert stored is not None
    assert stored.message_id == sent.message_id
    assert stored.text == "Did you like the event?"
    assert tg.buttons(stored) == [[("Yes", "vote:yes"), ("No", "vote:no")], [("Skip", "vote:skip")]]
    [request] = tg.requests("sendMessage")
    assert request.params["chat_id"] == USER
    assert request.params["reply_markup"] == stored.reply_markup
    assert tg.count_message_calls() == 1


async def test_message_ids_increase_per_chat_and_groups_are_supergroups(
    tg: FakeTelegram, bot: Bot
) -> None:
    first = await bot.send_message(USER, "one")
    second = await bot.send_message(USER, "two")
    other = await bot.send_message(-100123, "group")
    assert second.message_id == first.message_id + 1
    assert other.message_id == 1
    assert other.chat.type == "supergroup"
    assert [m.text for m in tg.messages(USER)] == ["one", "two"]


async def test_edit_to_same_content_is_not_modified(tg: FakeTelegram, bot: Bot) -> None:
    markup = keyboard([("Yes", "y")])
    sent = await bot.send_message(USER, "Question", reply_markup=markup)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Question", chat_id=USER, message_id=sent.message_id, reply_markup=markup
        )

    edited = await bot.edit_message_text(
        text="Question (answered)", chat_id=USER, message_id=sent.message_id, reply_markup=markup
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Question (answered)"
    stored = tg.last_message(USER)
    assert stored is not None
    assert stored.text == "Question (answered)"
    assert stored.edits == 1
    assert stored.history == [
        ("Question", {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]})
    ]

    # Like Telegram: editing the text without reply_markup drops the keyboard.
    await bot.edit_message_text(text="Thanks", chat_id=USER, message_id=sent.message_id)
    assert tg.buttons(tg.last_message(USER)) == []

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=999)

    statuses = [r.status for r in tg.requests() if r.method.startswith("edit")]
    assert statuses == [400, 200, 200, 400, 400]
    assert tg.count_message_calls() == 3  # one send, two successful edits


async def test_html_parse_mode_is_parsed_like_telegram(tg: FakeTelegram) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.url))
    bot = Bot(token=TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        sent = await bot.send_message(USER, "<b>Bold</b> &amp; plain")
        assert sent.text == "Bold & plain"
        assert sent.entities is not None
        assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 4)]
        stored = tg.last_message(USER)
        assert stored is not None
        assert stored.raw_text == "<b>Bold</b> &amp; plain"

        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(USER, "citizen wrote: 1 < 2")
    finally:
        await bot.session.close()


async def test_get_updates_long_poll_and_offset(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_polling()
    assert not poll.done()

    pushed = tg.send_text(USER, "/start event_42", language_code="en", first_name="Ana")
    updates = await asyncio.wait_for(poll, timeout=5)

    assert len(updates) == 1
    [update] = updates
    assert update.update_id == pushed["update_id"]
    assert update.message is not None
    assert update.message.text == "/start event_42"
    assert update.message.chat.id == USER
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "en"
    assert update.message.entities is not None
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")

    second = tg.send_text(USER, "hello")
    # Without offset the unconfirmed update is delivered again.
    again = await bot.get_updates()
    assert [u.update_id for u in again] == [update.update_id, second["update_id"]]
    # offset confirms (removes) the earlier update.
    rest = await bot.get_updates(offset=update.update_id + 1)
    assert [u.update_id for u in rest] == [second["update_id"]]
    assert await bot.get_updates(offset=second["update_id"] + 1) == []
    assert tg.pending_updates() == []


async def test_get_updates_timeout_returns_empty(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == []


async def test_overlapping_get_updates_conflict(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_polling()
    assert await bot.get_updates() == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first


async def test_push_can_redeliver_the_same_update(tg: FakeTelegram, bot: Bot) -> None:
    update = tg.send_text(USER, "hello")
    [got] = await bot.get_updates()
    later = tg.send_text(USER, "later")
    [got_later] = await bot.get_updates(offset=got.update_id + 1)
    assert got_later.update_id == later["update_id"]

    tg.push(update)  # same update_id as an already confirmed update
    redelivered = await bot.get_updates(offset=got_later.update_id + 1)
    assert [u.update_id for u in redelivered] == [update["update_id"]]
    # aiogram confirms with offset = that update_id + 1 (lower than before): it is gone then.
    assert await bot.get_updates(offset=update["update_id"] + 1) == []


async def test_press_parses_as_callback_query(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Rate it", reply_markup=keyboard([("5", "rate:5")]))
    raw = tg.press(USER, sent.message_id, "rate:5")

    update = Update.model_validate(raw, context={"bot": bot})
    assert update.callback_query is not None
    assert update.callback_query.data == "rate:5"
    assert update.callback_query.from_user.id == USER
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id

    [polled] = await bot.get_updates()
    assert polled.callback_query is not None
    assert polled.callback_query.data == "rate:5"

    assert await bot.answer_callback_query(polled.callback_query.id, text="Thanks!")
    answer = tg.callback_answer(raw)
    assert answer is not None
    assert answer["text"] == "Thanks!"
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(polled.callback_query.id)

    with pytest.raises(ValueError, match="no button"):
        tg.press(USER, sent.message_id, "rate:4")


async def test_global_rate_limit_gives_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.global_rate = 2
    await bot.send_message(USER, "one")
    await bot.send_message(USER + 1, "two")
    with pytest.raises(TelegramRetryAfter) as excinfo:
        await bot.send_message(USER, "three")
    assert excinfo.value.retry_after >= 1
    assert "Too Many Requests: retry after" in excinfo.value.message

    assert [m.text for m in tg.messages(USER)] == ["one"]
    assert tg.too_many_requests == 1
    refused = tg.requests("sendMessage")[-1]
    assert refused.status == 429
    assert refused.params["text"] == "three"
    assert tg.count_message_calls() == 2

    tg.global_rate = None  # switchable at run time
    await bot.send_message(USER, "three")
    assert [m.text for m in tg.messages(USER)] == ["one", "three"]


async def test_per_chat_rate_limit() -> None:
    async with FakeTelegram(per_chat_rate=1) as tg:
        bot = Bot(token=TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        try:
            await bot.send_message(USER, "one")
            await bot.send_message(USER + 1, "other chat is fine")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(USER, "two")
        finally:
            await bot.session.close()
        assert tg.too_many_requests == 1


async def test_blocked_user_is_forbidden() -> None:
    async with FakeTelegram(blocked={USER}) as tg:
        bot = Bot(token=TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        try:
            with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
                await bot.send_message(USER, "hello")
            tg.blocked.discard(USER)
            await bot.send_message(USER, "hello")
        finally:
            await bot.session.close()
        assert tg.forbidden == 1
        assert [r.status for r in tg.requests("sendMessage")] == [403, 200]
        assert len(tg.messages(USER)) == 1


async def test_send_document_stores_filename_and_bytes(tg: FakeTelegram, bot: Bot) -> None:
    data = b"id,score\n1,5\n"
    sent = await bot.send_document(
        USER, BufferedInputFile(data, filename="report.csv"), caption="Report"
    )
    assert sent.document is not None
    assert sent.document.file_name == "report.csv"
    assert sent.caption == "Report"

    stored = tg.last_message(USER)
    assert stored is not None
    assert stored.document is not None
    assert stored.document.filename == "report.csv"
    assert stored.document.data == data
    assert stored.caption == "Report"
    assert stored.content == "Report"

    photo = await bot.send_photo(USER, BufferedInputFile(PNG_1x1, filename="chart.png"))
    assert photo.photo is not None
    assert (photo.photo[-1].width, photo.photo[-1].height) == (1, 1)
    stored_photo = tg.last_message(USER)
    assert stored_photo is not None
    assert stored_photo.photo is not None
    assert stored_photo.photo.data == PNG_1x1
    assert stored_photo.photo.filename == "chart.png"


async def test_other_methods(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.set_my_commands([BotCommand(command="start", description="Start")])
    commands = await bot.get_my_commands()
    assert [c.command for c in commands] == ["start"]
    assert tg.my_commands() == [{"command": "start", "description": "Start"}]
    assert await bot.send_chat_action(USER, "typing")
    sent = await bot.send_message(USER, "to delete")
    assert await bot.delete_message(USER, sent.message_id)
    assert tg.last_message(USER) is None
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    info = await bot.get_webhook_info()
    assert info.url == ""


async def test_unknown_method_is_404(tg: FakeTelegram) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.url}/bot{TOKEN}/frobnicate") as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    assert tg.requests("frobnicate")[0].status == 404


async def test_json_body_is_accepted(tg: FakeTelegram) -> None:
    body = {
        "chat_id": USER,
        "text": "json",
        "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.url}/bot{TOKEN}/sendMessage", json=body) as resp,
    ):
        payload = await resp.json()
    assert payload["ok"] is True
    assert payload["result"]["reply_markup"] == body["reply_markup"]
    assert tg.buttons(tg.last_message(USER)) == [[("a", "b")]]


async def test_wait_for_helpers(tg: FakeTelegram, bot: Bot) -> None:
    update = tg.send_text(USER, "hi")
    user_message_id = update["message"]["message_id"]

    async def bot_side() -> None:
        await bot.send_message(USER, "Working on it…")
        await bot.send_message(USER, "Done: thank you!")

    task = asyncio.create_task(bot_side())
    first = await tg.wait_for_message(USER, after=user_message_id)
    assert first.message_id > user_message_id
    done = await tg.wait_for_text(USER, "thank you")
    assert done.text == "Done: thank you!"
    await task


async def test_wait_for_times_out_with_useful_message(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "something else")
    with pytest.raises(TimeoutError, match="sendMessage"):
        await tg.wait_for(lambda: False, timeout=0.2)
    with pytest.raises(TimeoutError, match="something else"):
        await tg.wait_for_text(USER, "never", timeout=0.2)


async def test_instances_are_independent() -> None:
    async with FakeTelegram() as one, FakeTelegram() as two:
        assert one.url != two.url
        one.send_text(USER, "only in one")
        assert len(one.pending_updates()) == 1
        assert two.pending_updates() == []


async def test_aiogram_dispatcher_polls_the_fake(tg: FakeTelegram, bot: Bot) -> None:
    """A real aiogram Dispatcher: long polling, a command handler and a callback handler."""
    dp = Dispatcher()

    @dp.message(CommandStart(deep_link=True))
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(
            f"Event {command.args}: how was it?", reply_markup=keyboard([("Great", "rate:5")])
        )

    @dp.callback_query(F.data.startswith("rate:"))
    async def rate(query: CallbackQuery) -> None:
        await query.answer("Thanks!")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Thank you for your feedback")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        await tg.wait_for_polling()
        sent = tg.send_text(USER, "/start event_7")
        question = await tg.wait_for_message(USER, after=sent["message"]["message_id"])
        assert question.text == "Event event_7: how was it?"

        press = tg.press(USER, question.message_id, "rate:5")
        await tg.wait_for_text(USER, "Thank you")
        await tg.wait_for(lambda: tg.callback_answer(press) is not None)
        assert tg.callback_answer(press) == {
            "callback_query_id": press["callback_query"]["id"],
            "text": "Thanks!",
        }
        assert tg.buttons(tg.last_message(USER)) == []
    finally:
        await dp.stop_polling()
        await polling
    # The update's answer (sendMessage) and the callback's edit went through exactly once each.
    assert [r.method for r in tg.requests() if r.method in MESSAGE_METHODS] == [
        "sendMessage",
        "editMessageText",
    ]


async def test_stop_ends_a_waiting_long_poll() -> None:
    tg = FakeTelegram()
    await tg.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.url))
    other = Bot(token=TOKEN, session=session)
    try:
        poll = asyncio.create_task(other.get_updates(timeout=30))
        await tg.wait_for_polling()
        await asyncio.wait_for(tg.stop(), timeout=5)
        assert await asyncio.wait_for(poll, timeout=5) == []
    finally:
        await other.session.close()
