"""Broadcast pacing against a rate-limited fake Bot API, and queueing time for a big segment.

Part 1, sending: N recipients (default 5,000) are queued with the product's
``queue_broadcast`` in a temporary SQLite database (WAL, as the product configures it).  The
real :class:`~civic_feedback.bot.jobs.broadcaster.Broadcaster` sends them with the real
:class:`~civic_feedback.bot.client.pacing.RateLimiter` at ``BROADCAST_RATE`` (``--rate``) and
the real clock, through the Bot that ``feedback-bot`` builds (``create_bot``: aiohttp session
plus the real retry middleware), to :class:`tests.fake_telegram.FakeTelegram` on 127.0.0.1, which
enforces Telegram's limits: 30 messages a second over all chats (sliding one-second window)
and 1 a second per chat, answering ``429 Too Many Requests`` with ``retry_after`` beyond them.

The achieved rate is measured on the fake's side, from its request log: accepted sendMessage
calls minus one, divided by the time from the first to the last accepted one (N messages span
N - 1 intervals).  Duplicates are chats that received the message more than once; lost are
queued recipients that never received it.

Part 2, queueing: 100,000 citizens in a fresh SQLite database; the time of one
``queue_broadcast`` for segment ``all`` (one INSERT ... SELECT) and the process's peak RSS.

Prints figures next to the targets; never asserts times.  Exits with status 1 only when a
recipient was lost or got the message twice.

    python benchmarks/broadcast.py [--recipients 5000] [--rate 25] [--queue-citizens 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import logging
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import aiogram
from sqlalchemy import Engine, insert

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.broadcaster import Broadcaster
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.services.broadcasts import progress, queue_broadcast
from civic_feedback.settings import Settings
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.models import Broadcast, utcnow
from civic_feedback.storage.tables import CITIZEN_TABLE

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the fake Bot API lives in tests/
    sys.path.insert(0, str(ROOT))

from tests.support.fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "123456789:AAbenchmarkbenchmarkbenchmarkbench00"
TELEGRAM_GLOBAL_RATE = 30.0  # what Telegram allows a bot over all chats, per second
TELEGRAM_PER_CHAT_RATE = 1.0
TARGET_RATE_RATIO = 0.95
TARGET_QUEUE_S = 5.0
TELEGRAM_ID_BASE = 6_000_000_000
LANGUAGES = ("bg", "en", "tr")
TEXTS = {
    "bg": "<b>Обществено обсъждане</b> на бюджета за 2027 г.: елате в четвъртък от 18:00 в "
    "читалището или отговорете на анкетата.",
    "en": "<b>Public consultation</b> on the 2027 budget: join us on Thursday at 18:00 in the "
    "community centre, or answer the survey.",
    "tr": "<b>Kamuya açık istişare</b>: 2027 bütçesi. Perşembe 18:00'de kültür merkezinde "
    "buluşalım ya da ankete yanıt verin.",
}
BUTTON = {"form": "event-satisfaction"}


# --- test data -------------------------------------------------------------------------------


def add_citizens(engine: Engine, count: int) -> None:
    """``count`` subscribed citizens, languages in turn, in one executemany (no ORM objects)."""
    now = utcnow()
    rows = [
        {
            "telegram_id": TELEGRAM_ID_BASE + index,
            "language": LANGUAGES[index % len(LANGUAGES)],
            "first_seen": now,
            "last_seen": now,
            "opted_out": False,
            "municipality": None,
            "unreachable": False,
        }
        for index in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(CITIZEN_TABLE), rows)


def new_database(directory: Path, name: str) -> tuple[str, Engine]:
    url = f"sqlite:///{directory / name}"
    upgrade_database(url)
    return url, create_db_engine(url)


def new_broadcast() -> Broadcast:
    return Broadcast(texts=dict(TEXTS), segment="all", button=dict(BUTTON), send_at=utcnow())


# --- part 1: sending -------------------------------------------------------------------------


@dataclass
class SendResult:
    recipients: int
    setup_s: float
    wall_s: float  # send_due() from call to return
    delivered: int  # accepted sendMessage calls
    attempts: int  # sendMessage calls, refused ones included
    span_s: float  # first to last accepted sendMessage
    too_many_requests: int
    flood_waits: int  # 429s the retry middleware saw (and waited for)
    duplicates: int
    lost: int
    returned: int  # what send_due() returned
    states: dict[str, int]
    max_in_window: int  # most accepted calls in any one-second window
    gaps: list[float]  # between consecutive accepted calls
    batch: int  # deliveries the broadcaster claims and gathers at a time
    full_gc_ms: list[float]  # full (generation 2) collections during send_due()

    @property
    def rate(self) -> float:
        return (self.delivered - 1) / self.span_s if self.delivered > 1 and self.span_s else 0.0


class LogCounter(logging.Handler):
    """Counts the retry middleware's ``telegram_flood_wait`` lines (one per 429 it waited)
    and the warnings and errors; shows the first few of the latter on stderr."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.flood_waits = 0
        self.warnings = 0
        self.stream = logging.StreamHandler(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("telegram_flood_wait"):
            self.flood_waits += 1
        if record.levelno >= logging.WARNING:
            self.warnings += 1
            if self.warnings <= 5:
                self.stream.emit(record)


LOGS = LogCounter()


@contextmanager
def full_gc_pauses() -> Iterator[list[float]]:
    """Durations (ms) of the full collections while inside; they stop the event loop."""
    pauses: list[float] = []
    began = [0.0]

    def watch(phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - began[0]) * 1000)

    gc.callbacks.append(watch)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(watch)


def most_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events within any half-open window of ``window`` seconds (as the fake counts)."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run_sending(args: argparse.Namespace, directory: Path) -> SendResult:
    began = time.perf_counter()
    url, engine = new_database(directory, "sending.db")
    sessions = session_factory(engine)
    add_citizens(engine, args.recipients)
    with sessions.begin() as session:
        broadcast = new_broadcast()
        queued = queue_broadcast(session, broadcast)
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=url,
        broadcast_rate=args.rate,
        default_language="bg",
    )
    flood_waits_before = LOGS.flood_waits
    async with FakeTelegram(
        global_rate=TELEGRAM_GLOBAL_RATE, per_chat_rate=TELEGRAM_PER_CHAT_RATE
    ) as fake:
        bot = create_bot(TOKEN, fake.url)
        broadcaster = Broadcaster(
            bot=bot,
            sessions=sessions,
            settings=settings,
            i18n=create_i18n(settings.interface_language),
            limiter=RateLimiter(settings.broadcast_rate),
            clock=utcnow,
        )
        if args.gc_freeze:  # as feedback-bot does once started
            gc.collect()
            gc.freeze()
        setup_s = time.perf_counter() - began
        started = time.perf_counter()
        try:
            with full_gc_pauses() as full_gc_ms:
                returned = await broadcaster.send_due()
        finally:
            wall_s = time.perf_counter() - started
            await bot.session.close()
            gc.unfreeze()
        requests = fake.requests("sendMessage")
        too_many = fake.too_many_requests
    with sessions() as session:
        states = progress(session, broadcast, utcnow())
    engine.dispose()

    accepted = sorted((r for r in requests if r.ok), key=lambda r: r.time)
    times = [r.time for r in accepted]
    received = Counter(r.params.get("chat_id") for r in accepted)
    expected = {TELEGRAM_ID_BASE + index for index in range(args.recipients)}
    assert queued == len(expected)
    return SendResult(
        recipients=queued,
        setup_s=setup_s,
        wall_s=wall_s,
        delivered=len(accepted),
        attempts=len(requests),
        span_s=times[-1] - times[0] if times else 0.0,
        too_many_requests=too_many,
        flood_waits=LOGS.flood_waits - flood_waits_before,
        duplicates=sum(1 for n in received.values() if n > 1),
        lost=len(expected - received.keys()),
        returned=returned,
        states={
            "sent": states.sent,
            "failed": states.failed,
            "unreachable": states.unreachable,
            "left": states.left,
        },
        max_in_window=most_in_window(times),
        gaps=[b - a for a, b in itertools.pairwise(times)],
        batch=broadcaster.claim_size,
        full_gc_ms=full_gc_ms,
    )


# --- part 2: queueing ------------------------------------------------------------------------


@dataclass
class QueueResult:
    citizens: int
    insert_s: float
    queue_s: float
    queued: int
    rss_start_mb: float  # peak RSS when the part began (part 1 included)
    rss_before_mb: float  # ... after creating the citizens
    rss_after_mb: float  # ... after queue_broadcast


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_queueing(args: argparse.Namespace, directory: Path) -> QueueResult:
    rss_start = peak_rss_mb()
    _, engine = new_database(directory, "queueing.db")
    sessions = session_factory(engine)
    began = time.perf_counter()
    add_citizens(engine, args.queue_citizens)
    insert_s = time.perf_counter() - began
    rss_before = peak_rss_mb()
    with sessions.begin() as session:
        began = time.perf_counter()
        queued = queue_broadcast(session, new_broadcast())
        queue_s = time.perf_counter() - began
    rss_after = peak_rss_mb()
    engine.dispose()
    return QueueResult(
        args.queue_citizens, insert_s, queue_s, queued, rss_start, rss_before, rss_after
    )


# --- report ----------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def _row(what: str, value: str, target: str = "") -> str:
    return f"  {what:<50}{value:<34}{target}".rstrip()


def _gaps_text(gaps: list[float]) -> str:
    if not gaps:
        return "n/a"
    return f"median {statistics.median(gaps) * 1000:.1f} ms, longest {max(gaps) * 1000:.0f} ms"


def sending_lines(args: argparse.Namespace, result: SendResult) -> list[str]:
    interval = 1 / args.rate
    gaps = result.gaps
    slow = [gap for gap in gaps if gap > 1.5 * interval]
    ratio = result.rate / args.rate
    # Between the last message of one gathered batch and the first of the next (deliveries in
    # the fake's order; exact while nothing is retried).
    boundaries = gaps[result.batch - 1 :: result.batch]
    gc_text = (
        f"{len(result.full_gc_ms)}, longest {max(result.full_gc_ms):.0f} ms"
        if result.full_gc_ms
        else "0"
    )
    return [
        f"Part 1, sending: {result.recipients:,} recipients, BROADCAST_RATE {args.rate:g}/s; "
        f"fake Bot API limits {TELEGRAM_GLOBAL_RATE:g} msg/s overall and "
        f"{TELEGRAM_PER_CHAT_RATE:g}/s per chat (429 + retry_after)",
        _row("achieved rate (fake's log)", f"{result.rate:.2f} msg/s"),
        _row(
            "achieved / BROADCAST_RATE",
            f"{ratio:.1%}",
            f">= {TARGET_RATE_RATIO:.0%} {_ok(ratio >= TARGET_RATE_RATIO)}",
        ),
        _row("429s received", f"{result.too_many_requests}", "(ideally 0)"),
        _row(
            "duplicates (chats that got it twice or more)",
            f"{result.duplicates}",
            f"0 {_ok(result.duplicates == 0)}",
        ),
        _row("lost (recipients that never got it)", f"{result.lost}", f"0 {_ok(result.lost == 0)}"),
        _row(
            "wall time of send_due()",
            f"{result.wall_s:.1f} s",
            f"(ideal {result.recipients * interval:.1f} s)",
        ),
        "",
        "  details:",
        _row("  messages delivered / sendMessage calls", f"{result.delivered} / {result.attempts}"),
        _row("  first to last delivered message", f"{result.span_s:.1f} s"),
        _row("  flood waits by the retry middleware", f"{result.flood_waits}"),
        _row(
            "  most delivered in any 1-s window",
            f"{result.max_in_window}",
            f"(Telegram allows {TELEGRAM_GLOBAL_RATE:g})",
        ),
        _row("  gap between deliveries", _gaps_text(gaps), f"(1/rate = {interval * 1000:.0f} ms)"),
        _row(f"  gap between batches of {result.batch}", _gaps_text(boundaries)),
        _row(
            f"  gaps > {1.5 * interval * 1000:.0f} ms: count, time beyond 1/rate",
            f"{len(slow)}, {sum(gap - interval for gap in slow):.1f} s",
        ),
        _row(
            "  full GC collections during send_due()",
            gc_text,
            "(gc.freeze() after start-up)" if args.gc_freeze else "(no gc.freeze())",
        ),
        _row("  send_due() returned (messages it sent)", f"{result.returned}"),
        _row(
            "  outbox afterwards",
            ", ".join(f"{state} {n}" for state, n in result.states.items()),
        ),
        _row("  set-up (database, queue, fake, bot)", f"{result.setup_s:.1f} s"),
    ]


def queueing_lines(result: QueueResult) -> list[str]:
    return [
        f"Part 2, queueing: {result.citizens:,} citizens in a fresh SQLite database, segment all",
        _row(
            "queue_broadcast (one INSERT ... SELECT)",
            f"{result.queue_s:.2f} s",
            f"< {TARGET_QUEUE_S:g} s {_ok(result.queue_s < TARGET_QUEUE_S)}",
        ),
        _row(
            "outbox rows queued",
            f"{result.queued:,}",
            f"{result.citizens:,} {_ok(result.queued == result.citizens)}",
        ),
        _row(
            "peak RSS of the process",
            f"{result.rss_after_mb:.0f} MB",
            f"({result.rss_start_mb:.0f} MB when part 2 began, "
            f"{result.rss_before_mb:.0f} MB before queue_broadcast)",
        ),
        _row("  creating the citizens (executemany, set-up)", f"{result.insert_s:.2f} s"),
    ]


def machine_line() -> str:
    load = os.getloadavg()
    return (
        f"machine  {cpu_model()}, {os.cpu_count()} cores, load average {load[0]:.2f}; "
        f"Python {platform.python_version()}, aiogram {aiogram.__version__}, "
        f"SQLAlchemy {version('sqlalchemy')}"
    )


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Send a broadcast with the real Broadcaster, rate limiter and retry "
        "middleware to a local fake Bot API that enforces 30 msg/s with 429s; print the "
        "achieved rate against BROADCAST_RATE, 429s, duplicates and lost recipients. Then "
        "time queue_broadcast for 100,000 citizens on SQLite and print peak RSS. "
        "Figures only: nothing is asserted on times.",
        epilog="The default (5,000 recipients at 25/s) takes about 3.5 minutes; "
        "--recipients 1000 is a quick run (about 45 s).",
    )
    parser.add_argument(
        "--recipients",
        type=int,
        default=5000,
        help="recipients of the sent broadcast (default 5000, ~3.5 minutes at 25/s; "
        "1000 for a quick run)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=25.0,
        help="BROADCAST_RATE in messages a second, above 0 and at most 30 (default 25)",
    )
    parser.add_argument(
        "--queue-citizens",
        type=int,
        default=100_000,
        help="citizens for the queueing part (default 100000)",
    )
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="skip the gc.collect() + gc.freeze() that feedback-bot does after start-up "
        "(without it a full collection pauses the event loop ~150 ms now and then)",
    )
    parser.add_argument("--skip-sending", action="store_true", help="only the queueing part")
    parser.add_argument("--skip-queueing", action="store_true", help="only the sending part")
    args = parser.parse_args(argv)
    if args.recipients < 2 or args.queue_citizens < 1:
        parser.error("--recipients must be at least 2 and --queue-citizens at least 1")
    if not 0 < args.rate <= TELEGRAM_GLOBAL_RATE:
        parser.error("--rate must be above 0 and at most 30 (as BROADCAST_RATE)")
    return args


async def main_async(args: argparse.Namespace) -> bool:
    # INFO, as feedback-bot logs: the retry layer's flood waits are counted, not printed.
    logging.basicConfig(level=logging.INFO, handlers=[LOGS])
    logging.getLogger("aiogram").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    print("civic-feedback broadcast benchmark (figures only; nothing asserted on times)")
    print(machine_line())
    good = True
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as tmp:
        directory = Path(tmp)
        if not args.skip_sending:
            eta = timedelta(seconds=round(args.recipients / args.rate))
            print(
                f"\nsending {args.recipients:,} messages at {args.rate:g}/s (~{eta}) ...",
                flush=True,
            )
            sent = await run_sending(args, directory)
            print("\n".join(sending_lines(args, sent)))
            good = sent.duplicates == 0 and sent.lost == 0
        if not args.skip_queueing:
            print()
            queued = run_queueing(args, directory)
            print("\n".join(queueing_lines(queued)))
    print(f"\nwarnings and errors logged: {LOGS.warnings}")
    return good


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not asyncio.run(main_async(args)):
        sys.exit(1)


if __name__ == "__main__":
    main()
