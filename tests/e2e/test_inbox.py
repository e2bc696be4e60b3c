"""End to end: citizens write to their municipality, staff answer from their Telegram group.

The real bot process runs against the fake Bot API with two staff groups (STAFF_CHATS). A
citizen's message appears in their municipality's group; a staff member's reply to the post
reaches the citizen; the citizen's reply to that answer threads onto the same item; someone
in the group who is not staff of that municipality cannot answer; nothing waits or goes
missing across a restart; a photo with its place is followed through to "resolved", with a
second citizen nearby joining it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.citizen_driver import CitizenDriver
from tests.support.fake_telegram import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e

SLIVEN_GROUP, HASKOVO_GROUP = -100111, -100222
STAFF_CHATS = f"Sliven:{SLIVEN_GROUP},Haskovo:{HASKOVO_GROUP}"
SLIVEN_STAFF, HASKOVO_STAFF, BYSTANDER = 9001, 9002, 9003
CITIZEN, CONTACTABLE, NEIGHBOUR = 5001, 5002, 5003
LIGHT = (42.68200, 26.32290)  # a street light in Sliven
NEAR = (42.68250, 26.32330)  # about 64 m from it


def bot_process(tg: FakeTelegram, workdir: Path, **env: str) -> BotProcess:
    return BotProcess(
        tg.url, workdir, MUNICIPALITIES="Sliven,Haskovo", DEFAULT_LANGUAGE="en", **env
    )


@pytest.fixture
async def bot(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = bot_process(tg, tmp_path, STAFF_CHATS=STAFF_CHATS)
    await process.start()
    try:
        await tg.wait_for_polling(timeout=30)
        await admin(
            process, "users", "grant", str(SLIVEN_STAFF), "staff", "--municipality", "Sliven"
        )
        await admin(
            process, "users", "grant", str(HASKOVO_STAFF), "staff", "--municipality", "Haskovo"
        )
        yield process
    finally:
        await process.stop()
        print(process.log())  # shown by pytest when the test failed


async def admin(bot: BotProcess, *args: str) -> str:
    # In a thread: the fake Bot API is served by this test's event loop.
    done = await asyncio.to_thread(bot.admin, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def query(bot: BotProcess, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.workdir / "feedback.db") as db:
        return db.execute(sql).fetchall()


async def citizen_of(tg: FakeTelegram, user_id: int, municipality: str) -> CitizenDriver:
    citizen = CitizenDriver(tg, user_id)
    await citizen.say("/start")  # meets the privacy notice and agrees
    await citizen.say("/settings")
    await citizen.tap(municipality)
    return citizen


async def new_message(tg: FakeTelegram, chat: int, count: int, timeout: float = 20) -> SentMessage:
    """Wait until the bot has sent ``count`` messages to ``chat``; the newest."""
    await tg.wait_for(
        lambda: len(tg.messages(chat)) >= count, timeout=timeout, what=f"{count} in {chat}"
    )
    return tg.messages(chat)[count - 1]


async def staff_says(tg: FakeTelegram, user_id: int, group: int, text: str, reply_to: int) -> None:
    tg.send_text(user_id, text, chat_id=group, reply_to=reply_to, first_name=f"Staff {user_id}")


async def test_a_message_reaches_its_group_the_answer_the_citizen_and_the_thread_holds(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    citizen = await citizen_of(tg, CITIZEN, "Sliven")

    ask = await citizen.say("The street light on Rakovski 12 has been off for a week")
    assert "Send this message to the municipality of Sliven?" in ask.content
    sent = await citizen.tap("Roads and transport")
    assert "Sent as message #1 (Roads and transport)" in sent.content

    post = await new_message(tg, SLIVEN_GROUP, 1)
    assert "Message #1 · Sliven · Roads and transport" in post.content
    assert "The street light on Rakovski 12 has been off for a week" in post.content
    assert "Citizen" not in post.content  # no consent: a pseudonym, never the name
    assert "c-" in post.content
    assert tg.messages(HASKOVO_GROUP) == []

    # Someone in the group without the role: refused, nothing reaches the citizen.
    on_screen = len(tg.messages(CITIZEN))
    await staff_says(tg, BYSTANDER, SLIVEN_GROUP, "I can answer that", post.message_id)
    refusal = await new_message(tg, SLIVEN_GROUP, 2)
    assert "Only staff of Sliven answer citizens here" in refusal.content
    assert f"users grant {BYSTANDER} staff --municipality" in refusal.content
    # Staff of another municipality cannot answer either.
    await staff_says(tg, HASKOVO_STAFF, SLIVEN_GROUP, "Not ours", post.message_id)
    await new_message(tg, SLIVEN_GROUP, 3)
    assert len(tg.messages(CITIZEN)) == on_screen

    await staff_says(
        tg, SLIVEN_STAFF, SLIVEN_GROUP, "A team repairs it on Friday.", post.message_id
    )
    answer = await new_message(tg, CITIZEN, on_screen + 1)
    assert "The municipality answered your message #1 (Roads and transport)" in answer.content
    assert "A team repairs it on Friday." in answer.content
    await tg.wait_for(
        lambda: "Answered by Staff 9001" in tg.message(SLIVEN_GROUP, post.message_id).content,
        timeout=20,
        what="the post shows who answered",
    )

    # The citizen replies to the answer: the same item, posted under the first post.
    ack = await citizen.say("Thank you! It is still dark tonight.", reply_to=answer.message_id)
    assert "Added to your message #1" in ack.content
    follow_up = await new_message(tg, SLIVEN_GROUP, 4)
    assert "It is still dark tonight." in follow_up.content
    assert follow_up.reply_to == post.message_id
    await staff_says(tg, SLIVEN_STAFF, SLIVEN_GROUP, "Sorry, Monday then.", follow_up.message_id)
    second = await new_message(tg, CITIZEN, len(tg.messages(CITIZEN)) + 1)
    assert "Sorry, Monday then." in second.content

    items = query(bot, "select id, status, municipality, topic from inbox_item")
    assert items == [(1, "answered", "Sliven", "roads_transport")]
    await tg.wait_for(
        lambda: (
            query(bot, "select author, state from inbox_message order by id")
            == [("citizen", "delivered"), ("staff", "delivered")] * 2
        ),
        timeout=30,
        what="one thread of four messages, each recorded as delivered",
    )

    listing = await citizen.say("/myrequests")
    assert "#1" in listing.content
    assert "answered" in listing.content


async def test_staff_forward_an_item_to_another_municipality_and_close_it(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    citizen = await citizen_of(tg, CITIZEN, "Sliven")
    await citizen.say("The bus to Haskovo is always late")
    await citizen.tap("Roads and transport")
    post = await new_message(tg, SLIVEN_GROUP, 1)

    tg.press_button(SLIVEN_STAFF, post.message_id, "Forward", chat_id=SLIVEN_GROUP)
    await tg.wait_for(lambda: "Haskovo" in _buttons(tg, SLIVEN_GROUP, post.message_id))
    tg.press_button(SLIVEN_STAFF, post.message_id, "Haskovo", chat_id=SLIVEN_GROUP)

    moved = await new_message(tg, HASKOVO_GROUP, 1)
    assert "Message #1 · Haskovo" in moved.content
    old = tg.message(SLIVEN_GROUP, post.message_id)
    assert "Forwarded to Haskovo" in old.content
    assert tg.buttons(old) == []

    tg.press_button(HASKOVO_STAFF, moved.message_id, "Close", chat_id=HASKOVO_GROUP)
    await tg.wait_for(lambda: "Closed" in tg.message(HASKOVO_GROUP, moved.message_id).content)
    assert query(bot, "select status, municipality from inbox_item") == [("closed", "Haskovo")]
    actions = query(bot, "select action from audit_entry where action like 'inbox%' order by id")
    assert actions == [("inbox_forward",), ("inbox_close",)]


def _buttons(tg: FakeTelegram, chat: int, message_id: int) -> str:
    return " ".join(label for row in tg.buttons(tg.message(chat, message_id)) for label, _ in row)


async def test_nothing_is_lost_across_restarts_and_a_group_configured_later(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    # No staff group yet: the report waits in the database.
    bot = bot_process(tg, tmp_path)
    await bot.start()
    await tg.wait_for_polling(timeout=30)
    citizen = await citizen_of(tg, CONTACTABLE, "Sliven")
    await citizen.say("/start f_general-feedback")
    await citizen.tap("Parks and public spaces")
    await citizen.say("The fountain in the park leaks")
    await citizen.tap("Yes")
    assert query(bot, "select state from inbox_message") == [("pending",)]
    await bot.kill()

    # Restarted with the groups configured: the post appears, with the name the citizen
    # agreed to show; an answer queued from the command line while the bot was down follows.
    bot = bot_process(tg, tmp_path, STAFF_CHATS=STAFF_CHATS)
    await admin(bot, "inbox", "reply", "1", "--text", "Thank you, we sent a plumber.")
    on_screen = len(tg.messages(CONTACTABLE))
    await bot.start()
    try:
        post = await new_message(tg, SLIVEN_GROUP, 1, timeout=60)  # the bot starts first
        assert "Parks and public spaces" in post.content
        assert "The fountain in the park leaks" in post.content
        assert "Citizen · agreed to be contacted" in post.content
        answer = await new_message(tg, CONTACTABLE, on_screen + 1)
        assert "Thank you, we sent a plumber." in answer.content
        await tg.wait_for(
            lambda: (
                query(bot, "select state from inbox_message order by id")
                == [("delivered",), ("delivered",)]
            ),
            timeout=30,
            what="both messages recorded as delivered",
        )
    finally:
        await bot.stop()
        print(bot.log())


async def test_the_bot_tells_a_new_group_its_id_for_staff_chats(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    tg.add_to_group(-100333, SLIVEN_STAFF)
    hello = await new_message(tg, -100333, 1)
    assert "STAFF_CHATS=Municipality:-100333" in hello.content


def told(tg: FakeTelegram, chat: int, words: str) -> int:
    """How many messages the bot sent to ``chat`` saying ``words`` (edits are not sends)."""
    return sum(
        1
        for r in tg.requests("sendMessage")
        if r.ok and r.params.get("chat_id") == chat and words in str(r.params.get("text"))
    )


def both_told(tg: FakeTelegram, status: str) -> bool:
    """The author and the neighbour who joined have each been told ``status`` once."""
    return (
        told(tg, CITIZEN, f"is now: {status}") == 1
        and told(tg, NEIGHBOUR, f"which you joined, is now: {status}") == 1
    )


async def test_a_photo_with_its_place_is_joined_nearby_followed_to_resolved_and_rated(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    author = await citizen_of(tg, CITIZEN, "Sliven")
    await author.send(
        {
            "photo": [{"file_id": "photo-a", "file_unique_id": "pa", "width": 800, "height": 600}],
            "caption": "The street light by the school is off",
        }
    )
    await author.send({"location": {"latitude": LIGHT[0], "longitude": LIGHT[1]}})
    sent = await author.tap("Roads and transport")
    assert "Sent as message #1" in sent.content

    post = await new_message(tg, SLIVEN_GROUP, 1)
    photo, pin = await new_message(tg, SLIVEN_GROUP, 2), await new_message(tg, SLIVEN_GROUP, 3)
    assert "The street light by the school is off" in post.content
    assert "📍 Map" in post.content
    assert "photos: 1" in post.content
    [map_link] = [e["url"] for e in post.entities if e["type"] == "text_link"]
    assert map_link.startswith("https://www.openstreetmap.org/?mlat=42.682000&mlon=26.322900")
    assert (photo.method, photo.extra["photo"][0]["file_id"]) == ("copyMessage", "photo-a")
    assert pin.extra["location"] == {"latitude": LIGHT[0], "longitude": LIGHT[1]}
    assert photo.reply_to == pin.reply_to == post.message_id

    neighbour = await citizen_of(tg, NEIGHBOUR, "Sliven")
    await neighbour.send({"location": {"latitude": NEAR[0], "longitude": NEAR[1]}})
    await neighbour.say("The light is still out")
    offer = await neighbour.tap("Roads and transport")
    assert "already reported nearby" in offer.content
    await neighbour.tap("+1, keep me informed")
    await tg.wait_for(
        lambda: "👥 +1" in tg.message(SLIVEN_GROUP, post.message_id).content,
        timeout=20,
        what="the post shows the +1",
    )

    for label, status in (("In progress", "in progress"), ("Resolved", "resolved")):
        tg.press_button(SLIVEN_STAFF, post.message_id, label, chat_id=SLIVEN_GROUP)
        await tg.wait_for(
            partial(both_told, tg, f"<b>{status}</b>"), timeout=30, what=f"both told: {status}"
        )
    await author.tap("Yes")
    thanks = await author.tap("5")
    assert "Thank you! Your rating helps the municipality." in thanks.content

    await tg.wait_for(
        lambda: all(
            state == "delivered" for (state,) in query(bot, "select state from inbox_message")
        ),
        timeout=30,
        what="every message and change delivered",
    )
    for person, notices in ((CITIZEN, 2), (NEIGHBOUR, 2)):
        assert told(tg, person, "is now: <b>") == notices  # each change once, nothing more
    assert told(tg, CITIZEN, "Was it resolved?") == 1
    assert told(tg, NEIGHBOUR, "Was it resolved?") == 0
    assert query(bot, "select status, confirmed, resolution_rating from inbox_item") == [
        ("resolved", 1, 5)
    ]
    assert query(bot, "select count(*) from inbox_supporter") == [(1,)]
