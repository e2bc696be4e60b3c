"""Start-up of ``feedback-bot``: time to its first ``getUpdates``, and its memory once idle.

The real ``feedback-bot`` process is spawned in long-polling mode against
:class:`tests.fake_telegram.FakeTelegram` on 127.0.0.1 (``TELEGRAM_API_URL``), on a new SQLite
file, and with ``--database-url`` also on PostgreSQL: a new schema of that database for each
repeat (``search_path``), dropped afterwards. Each repeat starts the bot twice on the same
database: first on the empty one (it creates the schema and publishes the built-in forms),
then again, as after a restart or a deployment (the schema is current).

Measured per start: the wall time from spawning the process to its first ``getUpdates``
reaching the fake; the CPU time the process had used by then (less disturbed than the wall
time when other work shares the machine); and, ``--settle`` seconds later (long polling,
nothing to do), its resident memory (VmRSS) and the most it had used (VmHWM).

Each repeat also starts the floor, a bare aiogram echo bot (``benchmarks/echo_polling.py``)
against the same fake: what aiogram alone takes to start, and the memory it holds.

Prints the median of the repeats, and what feedback-bot adds to the floor's median, next to
the targets; never asserts times. Exits with status 1 when the bot did not start or logged a
traceback.

    python benchmarks/startup.py [--repeat 3] [--settle 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the fake Bot API and the process live in tests/
    sys.path.insert(0, str(ROOT))

from tests.support.bot_process import BotProcess  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402

from benchmarks.process_stats import cpu_seconds, memory  # noqa: E402
from benchmarks.updates import cpu_model  # noqa: E402

# What civic-feedback may add to the floor, a bare aiogram echo bot started the same way in
# the same run (aiogram alone takes about 2.2 s of CPU and 166 MB here).
TARGET_ADDED_START_S = 0.3
TARGET_ADDED_IDLE_RSS_MB = 25.0
START_DEADLINE_S = 180  # a start slower than this is reported as a failure, not measured
STARTS = ("first start, empty database", "restart, schema current")


@dataclass(frozen=True)
class Start:
    """One start of the bot, as measured."""

    to_first_poll_s: float
    cpu_s: float  # the process's CPU time when its first getUpdates arrived
    idle_rss_mb: float
    peak_rss_mb: float


class StartError(Exception):
    """The bot did not reach getUpdates, or it wrote a traceback."""


class FloorProcess(BotProcess):
    """The floor: a bare aiogram echo bot (benchmarks/echo_polling.py), measured the same way."""

    def program(self) -> list[str]:
        return [sys.executable, "-m", "benchmarks.echo_polling"]


async def measure_start(
    workdir: Path, database_url: str, settle_s: float, kind: type[BotProcess] = BotProcess
) -> Start:
    """Spawn feedback-bot (or the floor), wait for its first getUpdates, let it idle, read
    /proc, stop it."""
    async with FakeTelegram() as tg:
        bot = kind(tg.url, workdir, DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
        spawned = time.monotonic()
        await bot.start()
        assert bot.process is not None
        pid = bot.process.pid
        try:
            await _until_polling(tg, bot.process)
            cpu = cpu_seconds(pid)
            first_poll = tg.requests("getUpdates")[0].time  # time.monotonic() at arrival
            await asyncio.sleep(settle_s)  # the idle period is what is measured, not a wait
            if bot.process.returncode is not None:
                raise StartError(f"the bot exited with status {bot.process.returncode}")
            settled = memory(pid)
        finally:
            await bot.stop()
    if "Traceback" in bot.log():
        raise StartError(f"the bot logged a traceback: see {bot.log_path}")
    return Start(first_poll - spawned, cpu, settled.rss_mb, settled.peak_mb)


async def _until_polling(tg: FakeTelegram, process: asyncio.subprocess.Process) -> None:
    """Until the bot long-polls; a bot that exits first or never polls is a failure."""
    polling = asyncio.create_task(tg.wait_for_polling(timeout=START_DEADLINE_S))
    exited = asyncio.create_task(process.wait())
    await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if not polling.done():
        polling.cancel()
        raise StartError(f"the bot exited with status {process.returncode} before polling")
    if polling.exception() is not None:
        raise StartError(f"no getUpdates within {START_DEADLINE_S} s")


@contextmanager
def scratch_schema(url: str) -> Iterator[str]:
    """A new empty schema in the given PostgreSQL database; the URL that works in it."""
    schema = f"bench_startup_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def new_database(kind: str, postgres_url: str | None, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'feedback.db'}"
        return
    assert postgres_url is not None
    with scratch_schema(postgres_url) as url:
        yield url


async def measure(args: argparse.Namespace) -> tuple[dict[str, list[list[Start]]], list[Start]]:
    """database kind -> one [first start, restart] pair per repeat; and the floor's starts."""
    kinds = ["sqlite"] + (["postgresql"] if args.database_url else [])
    results: dict[str, list[list[Start]]] = {kind: [] for kind in kinds}
    floor: list[Start] = []
    for repeat in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="civic-startup-") as folder:
            floor.append(await measure_start(Path(folder), "", args.settle, FloorProcess))
        print(
            f"  repeat {repeat + 1}, bare aiogram echo: {floor[-1].to_first_poll_s:.2f} s to "
            f"getUpdates ({floor[-1].cpu_s:.2f} s CPU), idle RSS {floor[-1].idle_rss_mb:.0f} MB",
            flush=True,
        )
        for kind in kinds:
            with (
                tempfile.TemporaryDirectory(prefix="civic-startup-") as folder,
                new_database(kind, args.database_url, Path(folder)) as url,
            ):
                pair = [await measure_start(Path(folder), url, args.settle) for _ in STARTS]
            results[kind].append(pair)
            for label, start in zip(STARTS, pair, strict=True):
                print(
                    f"  repeat {repeat + 1}, {kind}, {label}: {start.to_first_poll_s:.2f} s to "
                    f"getUpdates ({start.cpu_s:.2f} s CPU), idle RSS {start.idle_rss_mb:.0f} MB, "
                    f"peak {start.peak_rss_mb:.0f} MB",
                    flush=True,
                )
    return results, floor


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def report(
    args: argparse.Namespace, results: dict[str, list[list[Start]]], floor: list[Start]
) -> None:
    print(
        f"\nfeedback-bot start-up (median of {args.repeat}; figures only, nothing asserted)\n"
        f"machine   {cpu_model()}, {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {platform.python_version()}\n"
        f"Bot API   tests/support/fake_telegram.py on 127.0.0.1; long polling; "
        f"idle = {args.settle:g} s after the first getUpdates\n"
    )
    widths = (26, 30, 28, 20)
    header = ("", *STARTS, "target: added")
    for kind, pairs in results.items():
        print(f"{kind} (in brackets: added to the bare aiogram echo's median)")

        def median(index: int, what: str, pairs: list[list[Start]] = pairs) -> float:
            return float(statistics.median(getattr(pair[index], what) for pair in pairs))

        rows: list[tuple[str, ...]] = [header]
        for label, what, fmt, target in (
            ("to first getUpdates (s)", "to_first_poll_s", ".2f", TARGET_ADDED_START_S),
            ("CPU time by then (s)", "cpu_s", ".2f", None),
            ("idle RSS (MB)", "idle_rss_mb", ".0f", TARGET_ADDED_IDLE_RSS_MB),
            ("peak RSS (MB)", "peak_rss_mb", ".0f", None),
        ):
            base = statistics.median(getattr(start, what) for start in floor)
            added = [median(i, what) - base for i in range(len(STARTS))]
            cells = [f"{median(i, what):{fmt}} ({added[i]:+{fmt}})" for i in range(len(STARTS))]
            verdict = "" if target is None else f"< {target:g} {_ok(max(added) < target)}"
            rows.append((label, *cells, verdict))
        for row in rows:
            print("".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        print()
    print(
        "the floor, a bare aiogram echo bot (benchmarks/echo_polling.py: no database, one "
        f"handler), the same way: {statistics.median(f.to_first_poll_s for f in floor):.2f} s "
        f"to first getUpdates ({statistics.median(f.cpu_s for f in floor):.2f} s CPU), idle "
        f"RSS {statistics.median(f.idle_rss_mb for f in floor):.0f} MB"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time feedback-bot from spawning to its first getUpdates, and its idle "
        "memory, on SQLite (and PostgreSQL with --database-url).",
    )
    parser.add_argument("--repeat", type=int, default=3, help="repeats; medians shown")
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds of idling before the memory is read"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="also measure on this PostgreSQL database (postgresql+psycopg://...): each repeat "
        "creates a new schema in it and drops it afterwards",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.settle < 0:
        parser.error("--repeat must be at least 1 and --settle not negative")
    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be a PostgreSQL URL (SQLite is always measured)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        results, floor = asyncio.run(measure(args))
    except StartError as failure:
        sys.exit(f"startup.py: feedback-bot did not start cleanly: {failure}")
    report(args, results, floor)


if __name__ == "__main__":
    main()
