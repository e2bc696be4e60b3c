"""End to end: a broadcast through the real bot process, killed (-9) and restarted mid-way.

The fake Bot API enforces Telegram's limits (30 messages/s overall, 1/s per chat) and some
citizens blocked the bot. BROADCAST_RATE is low (10/s) so that the kill surely lands in the
middle of the broadcast. The broadcaster is woken when the bot starts (and every 15 s), so
the broadcast is queued while the bot is stopped and starts going out as soon as it is up.

At most once: the rows marked ``sending`` when the process died are not sent again. They are
at most a claimed batch and the messages on their way; once their claims are older than the
lease they count as uncertain, not as sent, and ``broadcast resend-uncertain`` sends exactly
those once more. Every other recipient gets the message exactly once.

With PAID_BROADCAST the broadcast goes beyond Telegram's free 30 a second, its messages
carrying ``allow_paid_broadcast``; the replies to citizens do not.
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
BATCH = 2 * BROADCAST_RATE  # more than the rows claimed and on their way at any moment
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
    assert 0 < len(in_flight) <= BATCH  # at least the last one sent, its outcome not written
    assert outbox(bot, "pending"), "the kill should land mid-way"
    assert not in_flight & BLOCKED

    # Restarted, it sends the rest.
    await bot.start()
    reachable = set(recipients) - BLOCKED

    def all_done() -> bool:
        refused = {r.params.get("chat_id") for r in tg.requests("sendMessage") if r.status == 403}
        return all(received(tg, chat) for chat in reachable - in_flight) and refused >= BLOCKED

    await tg.wait_for(all_done, timeout=30, what="every recipient handled")
    await finished(bot, tg, broadcast_id)
    await bot.stop()

    # Half a minute later the rows the killed process left "sending" are uncertain, not sent.
    bot.age_claims("outbox", seconds=31)
    counts = json.loads(await admin(bot, "broadcast", "status", broadcast_id, "--json"))
    assert (counts["unreachable"], counts["failed"], counts["left"]) == (len(BLOCKED), 0, 0)
    assert counts["uncertain"] == len(in_flight)
    assert counts["sent"] == len(reachable) - len(in_flight)
    listed = json.loads(
        await admin(bot, "broadcast", "status", broadcast_id, "--uncertain", "--json")
    )
    assert len(listed) == len(in_flight)

    # Every reachable citizen got it once; only rows in flight at the kill may have missed it.
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

    # The organizer prefers a possible duplicate: exactly those go out once more.
    before = {chat: received(tg, chat) for chat in CITIZENS}
    out = await admin(bot, "broadcast", "resend-uncertain", broadcast_id, "--yes")
    assert f"{len(in_flight)} message" in out
    await bot.start()
    await tg.wait_for(
        lambda: all(received(tg, chat) == before[chat] + 1 for chat in in_flight),
        timeout=30,
        what="the uncertain rows sent again",
    )
    await finished(bot, tg, broadcast_id)
    await bot.stop()
    counts = json.loads(await admin(bot, "broadcast", "status", broadcast_id, "--json"))
    assert (counts["sent"], counts["uncertain"], counts["left"]) == (len(reachable), 0, 0)
    assert {chat: received(tg, chat) for chat in CITIZENS} == {
        chat: before[chat] + (chat in in_flight) for chat in CITIZENS
    }


async def finished(bot: BotProcess, tg: FakeTelegram, broadcast_id: str) -> None:
    """Until the broadcast is done (its last outcomes are written just after the last
    request, or when the bot stops)."""
    for _ in range(10):
        counts = json.loads(await admin(bot, "broadcast", "status", broadcast_id, "--json"))
        if counts["state"] == "done":
            return
        requests = len(tg.requests())
        await tg.wait_for(lambda: len(tg.requests()) > requests, timeout=15)  # noqa: B023
    raise AssertionError(f"broadcast {broadcast_id} did not finish: {counts}")


PAID_RATE = 300  # BROADCAST_RATE with PAID_BROADCAST: ten times Telegram's free limit
SUBSCRIBERS = range(8_000_001, 8_000_601)  # six hundred, stored before the bot starts


async def test_a_paid_broadcast_goes_beyond_30_a_second_and_only_its_messages_are_paid(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(global_rate=30, per_chat_rate=1, paid_rate=1000) as tg:
        bot = BotProcess(tg.url, tmp_path, PAID_BROADCAST="true", BROADCAST_RATE=str(PAID_RATE))
        await bot.start()
        try:
            await tg.wait_for_polling(timeout=30)
            citizens = set(CITIZENS[:5])
            for chat in citizens:  # replies: the privacy notice
                tg.send_text(chat, "/start", language_code=language(chat))
            await replies(tg, citizens, 1)
            await bot.stop()
            subscribe(bot, SUBSCRIBERS)
            (tmp_path / "invite.bg.html").write_text(TEXTS["bg"][0], encoding="utf-8")
            await admin(bot, "broadcast", "send", "--segment", "all", "--text-file",
                        "invite.bg.html")  # fmt: skip

            await bot.start()
            recipients = citizens | set(SUBSCRIBERS)
            await tg.wait_for(
                lambda: all(received(tg, chat) for chat in recipients),
                timeout=60,
                what="everyone got the broadcast",
            )
        finally:
            await bot.stop()
            print(bot.log())

    sent = [r for r in tg.requests("sendMessage") if r.ok]
    paid = [r for r in sent if r.params.get("allow_paid_broadcast")]
    assert {r.params["chat_id"] for r in paid} == recipients
    assert len(paid) == len(recipients)  # each once
    assert all(r.params.get("text") == TEXTS["bg"][0] for r in paid)
    unpaid = [r for r in sent if r not in paid]
    assert {r.params["chat_id"] for r in unpaid} == citizens  # the replies: not paid
    assert tg.too_many_requests == 0
    times = sorted(r.time for r in paid)
    assert busiest_second(times) > 30  # beyond Telegram's free limit


def subscribe(bot: BotProcess, chats: range) -> None:
    """Citizens who started the bot earlier (stored directly: quicker than 600 /starts)."""
    with sqlite3.connect(bot.workdir / "feedback.db") as db:
        db.executemany(
            "insert into citizen (telegram_id, language, first_seen, last_seen, opted_out, "
            "unreachable) values (?, 'bg', '2026-12-01 10:00:00.000000', "
            "'2026-12-01 10:00:00.000000', 0, 0)",
            [(chat,) for chat in chats],
        )


def busiest_second(times: list[float]) -> int:
    first, most = 0, 0
    for last, now in enumerate(times):
        while times[first] <= now - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most
