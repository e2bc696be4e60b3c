"""Citizens over HTTP: real bot processes on long polling against the fake Bot API.

Shared by ``pace.py`` (a crowd under Telegram's 30 messages a second) and
``polling_steps.py`` (civic-feedback against a bare aiogram bot doing the same steps). The
fake (:class:`tests.fake_telegram.FakeTelegram`) serves 127.0.0.1 over aiohttp, the bots are
separate processes, and every step of every citizen is timed from the update being queued
to the bot's reply (a new message or an edit) reaching the fake.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the fake Bot API and the process live in tests/
    sys.path.insert(0, str(ROOT))

from tests.support.bot_process import BotProcess  # noqa: E402
from tests.support.citizen_driver import CitizenDriver  # noqa: E402
from tests.support.fake_telegram import FakeTelegram, SentMessage  # noqa: E402

from benchmarks.updates import percentile  # noqa: E402

POLL_DEADLINE_S = 180  # a bot not polling by then is a failure


class TimedCitizen(CitizenDriver):
    """A citizen who notes how long each of the bot's replies took."""

    def __init__(self, tg: FakeTelegram, user_id: int, language: str = "en") -> None:
        super().__init__(tg, user_id, language)
        self.latencies: list[float] = []

    async def _reply_to(self, action: Any, timeout: float) -> SentMessage:  # noqa: ASYNC109
        started = time.perf_counter()
        screen = await super()._reply_to(action, timeout)
        self.latencies.append(time.perf_counter() - started)
        return screen


def civic_bot(
    api_url: str,
    workdir: Path,
    *,
    src: Path | None = None,
    profile: Path | None = None,
    env: dict[str, str] | None = None,
    module: str = "civic_feedback.bot",
) -> BotProcess:
    """feedback-bot against the Bot API at ``api_url``, on SQLite in ``workdir`` unless ``env``
    names another DATABASE_URL; from another checkout's ``src`` when given (to
    compare with an earlier version); ``module`` is what runs (``benchmarks.unpaced_bot``:
    its pace out of the way, and under cProfile when ``profile`` names the output)."""
    path = f"{src}:{ROOT}" if src else str(ROOT)
    profiled = {} if profile is None else {"PROFILE_OUT": str(profile)}

    class Civic(BotProcess):
        def program(self) -> list[str]:
            return [sys.executable, "-m", module]

    return Civic(api_url, workdir, PYTHONPATH=path, **profiled, **(env or {}))


class BareBot(BotProcess):
    """A bare aiogram bot (benchmarks/echo_polling.py): one reply per step, no database."""

    def program(self) -> list[str]:
        return [sys.executable, "-m", "benchmarks.echo_polling"]


class StoringBot(BotProcess):
    """The bare bot committing each update to SQLite before it replies
    (benchmarks/storing_polling.py)."""

    def __init__(self, api_url: str, workdir: Path, **env: str) -> None:
        super().__init__(api_url, workdir, STORE_PATH=str(workdir / "steps.db"), **env)

    def program(self) -> list[str]:
        return [sys.executable, "-m", "benchmarks.storing_polling"]


async def until_polling(tg: FakeTelegram, bot: BotProcess) -> None:
    """Until the bot long-polls; one that exits first is a failure."""
    assert bot.process is not None
    polling = asyncio.create_task(tg.wait_for_polling(timeout=POLL_DEADLINE_S))
    exited = asyncio.create_task(bot.process.wait())
    await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if not polling.done() or polling.exception() is not None:
        polling.cancel()
        raise RuntimeError(f"the bot did not start polling; its log: {bot.log_path}")


async def crowd(citizens: list[TimedCitizen], steps: Callable[[TimedCitizen], Any]) -> float:
    """All ``citizens`` take their ``steps`` at once; the wall time in seconds."""
    started = time.perf_counter()
    await asyncio.gather(*(steps(citizen) for citizen in citizens))
    return time.perf_counter() - started


def latency_ms(citizens: list[TimedCitizen], fraction: float) -> float:
    return percentile([t for c in citizens for t in c.latencies], fraction) * 1000


def calls_by_method(tg: FakeTelegram) -> Counter[str]:
    """Bot API calls answered 200, by method (long polls left out)."""
    return Counter(r.method for r in tg.requests() if r.ok and r.method != "getUpdates")
