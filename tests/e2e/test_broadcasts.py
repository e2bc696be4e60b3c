"""End to end: a broadcast through the real bot process, killed (-9) and restarted mid-way.

The fake Bot API enforces Telegram's limits (30 messages/s overall, 1/s per chat) and some
citizens blocked the bot. BROADCAST_RATE is low (10/s) so that the kill surely lands in the
middle of the broadcast. The broadcaster is woken when the bot starts (and every 15 s), so
the broadcast is queued while the bot is stopped and starts going out as soon as it is up.

At most once: the rows marked ``sending`` when the process died are not sent again. They are
at most one claimed batch (``2 × BROADCAST_RATE`` rows); every other recipient gets the
message exactly once.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e

BROADCAST_RATE = 10
BATCH = 2 * BROADCAST_RATE  # rows the broadcaster claims (marks "sending") at a time
CITIZENS = range(7001, 7061)  # sixty, who sent /start; even ids speak English
STOPPED = {7010, 7020, 7030, 7040}  # then sent /stop
BLOCKED = {7058, 7059, 7060}  # the last to /start (so claimed after the kill), then blocked it
TEXTS = {
    "bg": ("<b>Обществено обсъждане</b> за новия парк", "Обществено обсъждане за новия парк"),
    "en": ("<b>Public consultation</b> on the new park", "Public consultation on the new park"),
}  # language: (as sent, as seen)


def language(chat: int) -> str:
    return "en" if chat % 2 == 0 else "bg"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(global_rate=30, per_chat_rate=1) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(tg.url, tmp_path, BROADCAST_RATE=str(BROADCAST_RATE))
    await process.start()
    try:
        await tg.wait_for_polling(timeout=30)
        yield process
    finally:
        await process.stop()
        print(process.log())  # shown by pytest when the test failed


def query(bot: BotProcess, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.workdir / "feedback.db") as db:
        return db.execute(sql).fetchall()


def outbox(bot: BotProcess, state: str | None = None) -> list[int]:
    """Chat ids of the broadcast's rows (in one state), in the order they are claimed."""
    where = f"where o.state = '{state}'" if state else ""
    rows = query(
        bot,
        f"select c.telegram_id from outbox o join citizen c on c.id = o.citizen_id {where} "
        "order by o.id",
    )
    return [int(chat) for (chat,) in rows]  # type: ignore[call-overload]


def received(tg: FakeTelegram, chat: int) -> int:
    """How many times the chat got the broadcast (in any language)."""
    seen = {text for _, text in TEXTS.values()}
    return sum(message.content in seen for message in tg.messages(chat))


async def replies(tg: FakeTelegram, chats: set[int], count: int) -> None:
    """Wait until each chat has ``count`` messages from the bot."""
    await tg.wait_for(
        lambda: all(len(tg.messages(chat)) >= count for chat in chats),
        timeout=30,
        what=f"{count} bot message(s) in each of {len(chats)} chats",
    )


async def admin(bot: BotProcess, *args: str) -> str:
    # In a thread: the fake Bot API is served by this test's event loop.
    done = await asyncio.to_thread(bot.admin, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_broadcast_reaches_everyone_once_across_a_kill_and_restart(
    tg: FakeTelegram, bot: BotProcess, tmp_path: Path
) -> None:
    # Sixty citizens /start the bot (the last three later block it); a few /stop.
    for group in (set(CITIZENS) - BLOCKED, BLOCKED):
        for chat in group:
            tg.send_text(chat, "/start", language_code=language(chat))
        await replies(tg, group, 1)
    for chat in STOPPED:
        tg.send_text(chat, "/stop", language_code=language(chat))
    await replies(tg, STOPPED, 2)
    tg.blocked.update(BLOCKED)

    # The organizer queues an announcement to everyone.
    await bot.stop()
    for lang, (html, _) in TEXTS.items():
        (tmp_path / f"invite.{lang}.html").write_text(html, encoding="utf-8")
    out = await admin(
        bot, "broadcast", "send", "--segment", "all",
        "--text-file", "invite.bg.html", "--lang-text", "en=invite.en.html",
    )  # fmt: skip
    found = re.search(r"Broadcast (\d+) queued for (\d+) citizens", out)
    assert found is not None, out
    broadcast_id, recipients = found[1], outbox(bot)
    assert int(found[2]) == len(recipients) == len(CITIZENS) - len(STOPPED)
    assert set(recipients) == set(CITIZENS) - STOPPED
    assert set(recipients[-len(BLOCKED) :]) == BLOCKED

    # It goes out; the bot is killed a quarter of the way through.
    await bot.start()
    await tg.wait_for(
        lambda: sum(received(tg, chat) for chat in CITIZENS) >= 15,
        timeout=30,
        what="15 citizens got the broadcast",
    )
    await bot.kill()
    in_flight = set(outbox(bot, "sending"))  # handed to Telegram, or about to be: not resent
    assert len(in_flight) <= BATCH
    assert outbox(bot, "pending"), "the kill should land mid-way"
    assert not in_flight & BLOCKED

    # Restarted, it sends the rest.
    await bot.start()
    reachable = set(recipients) - BLOCKED

    def all_done() -> bool:
        refused = {r.params.get("chat_id") for r in tg.requests("sendMessage") if r.status == 403}
        return all(received(tg, chat) for chat in reachable - in_flight) and refused >= BLOCKED

    await tg.wait_for(all_done, timeout=30, what="every recipient handled")
    counts = json.loads(await admin(bot, "broadcast", "status", broadcast_id, "--json"))
    for _ in range(10):  # the last results are written just after the last request
        if counts["state"] == "done":
            break
        requests = len(tg.requests())
        await tg.wait_for(lambda: len(tg.requests()) > requests, timeout=15)  # noqa: B023
        counts = json.loads(await admin(bot, "broadcast", "status", broadcast_id, "--json"))

    # Every reachable citizen got it once; only rows in flight at the kill may have missed it.
    assert counts["state"] == "done"
    assert counts["left"] == 0
    assert (counts["unreachable"], counts["failed"]) == (len(BLOCKED), 0)
    assert counts["sent"] == len(reachable)  # "sending" rows count as sent
    got = {chat: received(tg, chat) for chat in reachable}
    assert set(got.values()) <= {0, 1}, "nobody gets it twice"
    missing = {chat for chat, n in got.items() if n == 0}
    assert missing <= in_flight
    for chat in reachable - missing:
        (message,) = [m for m in tg.messages(chat) if m.content == TEXTS[language(chat)][1]]
        assert message.raw_text == TEXTS[language(chat)][0]
    # Blocked citizens were tried once and are unreachable; those who sent /stop got nothing.
    blocked_rows = query(
        bot,
        "select telegram_id, unreachable from citizen where telegram_id in "
        f"({', '.join(map(str, sorted(BLOCKED)))}) order by telegram_id",
    )
    assert blocked_rows == [(chat, 1) for chat in sorted(BLOCKED)]
    assert all(received(tg, chat) == 0 for chat in STOPPED | BLOCKED)
