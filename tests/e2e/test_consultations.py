"""End to end: a public consultation through the real bot process and the real CLI.

A citizen opens ``co_<code>``, sends two proposals (one with a photo), the consultation is
closed, staff decide every proposal in the XLSX sheet the CLI wrote, and publish. The bot is
killed (-9) and started again: the citizen is told both decisions exactly once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.bot_process import BotProcess
from tests.support.citizen_driver import CitizenDriver
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


async def admin(bot: BotProcess, *args: str) -> str:
    # In a thread: the fake Bot API is served by this test's event loop.
    done = await asyncio.to_thread(bot.admin, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def add_consultation(bot: BotProcess, title: str) -> str:
    closes = (datetime.now(UTC) + timedelta(days=31)).isoformat()
    out = await admin(
        bot, "consultations", "add", "--title", title, "--title-en", title,
        "--summary-en", "New paid parking zones.", "--closes", closes,
    )  # fmt: skip
    found = re.search(r"Consultation (\w+) added", out)
    assert found, out
    return found[1]


def notices(tg: FakeTelegram, chat: int) -> list[str]:
    return [m.content for m in tg.messages(chat) if "The report on the consultation" in m.content]


async def test_proposals_decided_in_a_sheet_reach_their_author_once_across_a_kill(
    tg: FakeTelegram, bot: BotProcess, tmp_path: Path
) -> None:
    code = await add_consultation(bot, "Ordinance on parking")
    other = await add_consultation(bot, "Budget 2027")
    ana, boris = CitizenDriver(tg, 9001), CitizenDriver(tg, 9002)
    await boris.say(f"/start co_{other}")
    await boris.tap("Follow")

    card = await ana.say(f"/start co_{code}")
    assert "Ordinance on parking" in card.content
    await ana.tap("Send a proposal")
    first = await ana.say("More trees along the river.")
    assert "Proposal No. 1 received" in first.content
    await ana.say(f"/start co_{code}")
    await ana.tap("Send a proposal")
    second = await ana._reply_to(
        lambda: tg.send_photo(ana.id, caption="This crossing needs a light.", language_code="en"),
        15,
    )
    assert "Proposal No. 2 received" in second.content

    # Staff close it, decide in Excel, and publish while the bot is down.
    await admin(bot, "consultations", "close", code, "--reason", "The draft was withdrawn.")
    late = await ana.say("One more idea.")
    assert "Proposal No. 3" not in late.content
    sheet = tmp_path / "proposals.xlsx"
    await admin(bot, "consultations", "proposals", code, "--format", "xlsx", "-o", str(sheet))
    book = load_workbook(sheet)
    rows = book["proposals"]
    header = [cell.value for cell in rows[1]]
    assert [row[header.index("text")].value for row in rows.iter_rows(min_row=2)] == [
        "More trees along the river.",
        "This crossing needs a light.",
    ]
    decision, reasons = header.index("decision") + 1, header.index("reasons") + 1
    rows.cell(row=2, column=decision, value="прието")
    rows.cell(row=3, column=decision, value="не се приема")
    rows.cell(row=3, column=reasons, value="The crossing is a state road.")
    book.save(sheet)
    out = await admin(bot, "consultations", "decide", code, "--from", str(sheet))
    assert "2 decisions recorded; 0 proposals still without a decision" in out
    await bot.stop()
    out = await admin(bot, "consultations", "publish", code)
    assert "1 citizens will be told" in out

    await bot.start()
    notice = await tg.wait_for_text(ana.id, "is published", timeout=30)
    assert "Proposal No. 1: accepted" in notice.content
    assert "Proposal No. 2: not accepted\n  The crossing is a state road." in notice.content

    # Killed and started again, the bot does not tell her twice. Another consultation's
    # report, published while it was down, shows the notice job has run since.
    await bot.kill()
    await admin(bot, "consultations", "close", other, "--reason", "Merged into the budget.")
    await admin(bot, "consultations", "publish", other)
    await bot.start()
    await tg.wait_for_text(boris.id, "The report on the consultation", timeout=30)

    assert len(notices(tg, ana.id)) == 1
    assert len(notices(tg, boris.id)) == 1
