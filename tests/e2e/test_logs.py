"""What the real processes print: the bot's own events at LOG_LEVEL, the libraries from WARNING
(all of them at LOG_LEVEL=DEBUG, SQLAlchemy's statements excepted), and the sandbox's address
where it is seen."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import aiohttp
import pytest

from tests.support.bot_process import BIN, TOKEN, BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY

pytestmark = pytest.mark.e2e
TEXT_LINE = re.compile(r"\S+ \S+ (?P<level>[A-Z]+) (?P<logger>\S+) ")


async def first_start_log(tmp_path: Path, **env: str) -> str:
    """The log of a bot started on an empty database (the schema is created, the jobs start),
    stopped once it long-polls."""
    async with FakeTelegram() as tg:
        bot = BotProcess(tg.url, tmp_path, **env)
        await bot.start()
        try:
            await tg.wait_for_polling(timeout=60)
        finally:
            await bot.stop()
    return bot.log().replace("--- start 1\n", "")


async def test_by_default_the_bot_logs_its_own_events_and_only_the_libraries_warnings(
    tmp_path: Path,
) -> None:
    log = await first_start_log(tmp_path)

    lines = [TEXT_LINE.match(line) for line in log.splitlines()]
    below_warning = {m["logger"] for m in lines if m and m["level"] in ("DEBUG", "INFO")}
    assert all(m for m in lines), "every line is one event: time, level, logger, message"
    assert {"civic_feedback.storage.database", "civic_feedback.bot.app"} <= below_warning
    assert {logger.split(".")[0] for logger in below_warning} == {"civic_feedback"}


async def test_log_level_debug_lets_the_libraries_speak_in_json_lines(tmp_path: Path) -> None:
    log = await first_start_log(tmp_path, LOG_LEVEL="DEBUG", LOG_FORMAT="json")

    entries = [json.loads(line) for line in log.splitlines()]
    loggers = {entry["logger"].split(".")[0] for entry in entries}
    assert {"civic_feedback", "alembic", "apscheduler"} <= loggers
    assert "sqlalchemy" not in loggers  # its INFO lines are the statements and their values
    assert TOKEN not in log


async def test_the_sandbox_prints_its_address_once_when_the_bot_is_up(tmp_path: Path) -> None:
    sandbox = await asyncio.create_subprocess_exec(
        str(BIN / "feedback-bot"),
        "sandbox",
        "--port",
        "0",
        env={"PATH": str(BIN), "PSEUDONYM_KEY": PSEUDONYM_KEY},
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert sandbox.stdout is not None
    assert sandbox.stderr is not None
    try:
        notice = [(await asyncio.wait_for(sandbox.stdout.readline(), 60)).decode() for _ in "1234"]
        address = re.search(r"open (http://127\.0\.0\.1:\d+/) in a browser", notice[1])
        assert address, notice
        async with aiohttp.ClientSession() as client, client.get(address[1]) as page:
            assert page.status == 200  # the page is served and the bot is polling
    finally:
        sandbox.terminate()
        rest, log = await sandbox.communicate()

    assert notice[0].strip() == notice[3].strip() == "=" * 72  # framed
    assert notice[2].startswith("  Database: sqlite:///")
    assert b"Sandbox: open" not in rest  # said once
    assert re.search(rb"INFO civic_feedback\.storage\.database schema_upgraded", log)
    assert not re.search(rb" (INFO|DEBUG) (alembic|apscheduler|aiogram)", log)
