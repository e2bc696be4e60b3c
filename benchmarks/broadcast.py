"""A paid broadcast at BROADCAST_RATE over HTTP, citizens answering forms meanwhile, and the
bare aiogram ceiling, in one run.

1. The ceiling: ``benchmarks/bare_sender.py``, a plain aiogram ``send_message`` loop in a
   process of its own (no database, no pace, ``--concurrency`` calls at once), sends
   ``--bare-messages`` messages to the fake Bot API, before civic-feedback and again after
   it (on a shared machine the load changes within minutes).
2. civic-feedback: a real ``feedback-bot`` process on long polling, ``PAID_BROADCAST=true``
   (unless ``--free``) and ``BROADCAST_RATE=--rate``, on SQLite in a temporary folder (or
   ``--database-url``, an empty database), with a broadcast to ``--recipients`` citizens
   queued before it starts (``queue_broadcast``: one INSERT ... SELECT, timed). While it
   sends, ``--citizens`` simulated citizens answer event-satisfaction over and over (a new
   citizen each time, ``--think`` seconds before each answer), each step timed from their
   update being queued to the bot's reply reaching the fake.

The fake Bot API (``tests/support/fake_telegram.py``) serves 127.0.0.1 in this process and
refuses, as Telegram does, more than 30 unpaid message calls a second over all chats, more
than 1,000 paid ones (``allow_paid_broadcast``) and more than one a second to one chat, with
``429 Too Many Requests``; for the bare sender the paid limit is lifted, so that it shows
what this machine carries. Rates are measured on the fake's side: accepted messages minus one
over the time from the first to the last.

Prints figures next to the targets (at least 95 % of 1,000 a second, or at least 0.8 of the
bare sender where the machine cannot carry that; citizens' next question within 1 s at p99),
and the bot's CPU per message against the bare sender's, which holds from one load to the
next; never asserts times. Exits with status 1 when a recipient was lost or got it twice.

    python benchmarks/broadcast.py --rate 1000 --recipients 100000 [--database-url URL]
    python benchmarks/broadcast.py --free --rate 25 --recipients 1500 --citizens 0
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiogram
from sqlalchemy import Engine, insert

from civic_feedback.services.broadcasts import progress, queue_broadcast
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Broadcast, utcnow
from civic_feedback.storage.tables import CITIZEN_TABLE

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the fake Bot API lives in tests/
    sys.path.insert(0, str(ROOT))

from tests.support.bot_process import BotProcess  # noqa: E402
from tests.support.citizen_driver import answer_event_satisfaction  # noqa: E402
from tests.support.fake_telegram import FakeTelegram, RequestRecord, SentMessage  # noqa: E402

from benchmarks.polling_citizens import TimedCitizen, civic_bot, until_polling  # noqa: E402
from benchmarks.process_stats import cpu_seconds  # noqa: E402
from benchmarks.updates import cpu_model, percentile, prepare_shared_database  # noqa: E402

TELEGRAM_FREE_RATE = 30.0
TELEGRAM_PAID_RATE = 1000.0
TARGET_RATE = 0.95  # of BROADCAST_RATE...
TARGET_OF_BARE = 0.8  # ...or of the bare sender, where the machine cannot carry it
TARGET_P99_S = 1.0
RECIPIENT_BASE = 6_000_000_000
BARE_BASE = 9_000_000_000
CITIZEN_BASE = 700_000
BARE_TOKEN = "987654:BARE-sender-token-for-the-fake-bot-api"
TEXTS = {
    "bg": "<b>Обществено обсъждане</b> на бюджета за 2027 г.: елате в четвъртък от 18:00 в "
    "читалището или отговорете на анкетата.",
    "en": "<b>Public consultation</b> on the 2027 budget: join us on Thursday at 18:00 in the "
    "community centre, or answer the survey.",
}
STEP_TIMEOUT_S = 120


# --- the database ----------------------------------------------------------------------------


def add_recipients(engine: Engine, count: int) -> None:
    """``count`` subscribed citizens, in one executemany (no ORM objects)."""
    now = utcnow()
    rows = [
        {"telegram_id": RECIPIENT_BASE + n, "language": ("bg", "en")[n % 2], "first_seen": now,
         "last_seen": now, "opted_out": False, "unreachable": False}
        for n in range(count)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(CITIZEN_TABLE), rows)


def prepare(url: str, given: bool, recipients: int) -> tuple[Engine, int, float]:
    """The schema, the citizens and the queued broadcast; its id and the queueing time."""
    if given:
        engine = prepare_shared_database(url)
    else:
        upgrade_database(url)
        engine = create_db_engine(url)
        with session_factory(engine).begin() as session:
            install_library(session)
    add_recipients(engine, recipients)
    broadcast = Broadcast(
        texts=dict(TEXTS), segment="all", button={"form": "event-satisfaction"}, send_at=utcnow()
    )
    began = time.perf_counter()
    with session_factory(engine).begin() as session:
        queue_broadcast(session, broadcast)
    queue_s = time.perf_counter() - began
    assert broadcast.id is not None
    return engine, broadcast.id, queue_s


# --- what the fake saw -----------------------------------------------------------------------


@dataclass
class Sent:
    """Accepted messages of one sender, as the fake logged them."""

    times: list[float]
    chats: Counter[int | str]

    @classmethod
    def of(cls, records: list[RequestRecord]) -> Sent:
        accepted = sorted((r for r in records if r.ok), key=lambda r: r.time)
        return cls([r.time for r in accepted], Counter(r.params["chat_id"] for r in accepted))

    @property
    def rate(self) -> float:
        span = self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0
        return (len(self.times) - 1) / span if span else 0.0

    @property
    def busiest_second(self) -> int:
        first, most = 0, 0
        for last, now in enumerate(self.times):
            while self.times[first] <= now - 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most


def is_recipient(chat: object) -> bool:
    return isinstance(chat, int) and chat >= RECIPIENT_BASE and chat < BARE_BASE


class Deliveries:
    """How many broadcast messages the fake accepted from the bot so far, counted over the
    new requests only (a scan of the whole log twice a second would stall the fake's loop)."""

    def __init__(self, tg: FakeTelegram) -> None:
        self.tg = tg
        self.seen = 0  # requests looked at, all of them answered
        self.count = 0

    def __call__(self) -> int:
        records = self.tg.requests()
        for record in records[self.seen :]:
            if record.status is None and record.method != "getUpdates":
                break  # still being handled: looked at again next time
            self.seen += 1
            self.count += record.ok and is_recipient(record.params.get("chat_id"))
        return self.count


def broadcast_requests(tg: FakeTelegram) -> list[RequestRecord]:
    """The bot's sendMessage calls to the broadcast's recipients, refused ones included."""
    return [r for r in tg.requests("sendMessage") if is_recipient(r.params.get("chat_id"))]


# --- the ceiling -----------------------------------------------------------------------------


@dataclass
class Bare:
    """One run of the bare sender."""

    rate: float
    cpu_ms: float  # CPU per message, sender process


async def run_bare(tg: FakeTelegram, args: argparse.Namespace, first: int) -> Bare:
    tg.paid_rate = None  # what the machine carries, not what Telegram allows
    logged = len(tg.requests())
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bare_sender", "--first", str(first),
        "--count", str(args.bare_messages), "--concurrency", str(args.concurrency),
        env={**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": BARE_TOKEN,
             "TELEGRAM_API_URL": tg.url},
    )  # fmt: skip
    cpu = 0.0
    while process.returncode is None:  # its CPU time, read just before it exits
        cpu = cpu_seconds(process.pid)
        try:
            await asyncio.wait_for(process.wait(), 0.2)
        except TimeoutError:
            continue
    tg.paid_rate = TELEGRAM_PAID_RATE
    if process.returncode:
        sys.exit("the bare sender failed")
    sent = Sent.of([r for r in tg.requests()[logged:] if r.method == "sendMessage"])
    return Bare(sent.rate, cpu / max(1, len(sent.times)) * 1000)


# --- civic-feedback --------------------------------------------------------------------------


class ThinkingCitizen(TimedCitizen):
    """Reads each question for ``think`` seconds before answering (not counted)."""

    think = 1.0

    async def _reply_to(self, action: Any, timeout: float) -> SentMessage:  # noqa: ASYNC109
        await asyncio.sleep(self.think)
        return await super()._reply_to(action, timeout)


async def citizens_answering(
    tg: FakeTelegram, first: int, done: asyncio.Event, latencies: list[float]
) -> int:
    """New citizens, one after another, answer event-satisfaction until ``done``."""
    forms = 0
    while not done.is_set():
        citizen = ThinkingCitizen(tg, first + forms)
        await answer_event_satisfaction(citizen, "5", STEP_TIMEOUT_S)
        latencies.extend(citizen.latencies)
        forms += 1
    return forms


@dataclass
class CivicResult:
    queue_s: float
    sent: Sent
    attempts: int
    bot_cpu_s: float
    fake_cpu_s: float  # this process: the fake Bot API and the citizens
    wall_s: float
    latencies: list[float]
    forms: int
    outbox: dict[str, int]
    log_problems: list[str]  # the bot's warnings and errors


async def run_civic(
    tg: FakeTelegram, args: argparse.Namespace, workdir: Path, url: str
) -> CivicResult:
    engine, broadcast_id, queue_s = prepare(url, args.database_url is not None, args.recipients)
    env = {"BROADCAST_RATE": f"{args.rate:g}", "DATABASE_URL": url}
    if not args.free:
        env["PAID_BROADCAST"] = "true"
    bot: BotProcess = civic_bot(tg.url, workdir, env=env)
    latencies: list[float] = []
    done = asyncio.Event()
    await bot.start()
    assert bot.process is not None
    pid = bot.process.pid
    try:
        await until_polling(tg, bot)
        cpu_before, fake_before, began = cpu_seconds(pid), cpu_seconds(os.getpid()), time.time()
        citizens = [
            asyncio.create_task(citizens_answering(tg, CITIZEN_BASE + n * 100_000, done, latencies))
            for n in range(args.citizens)
        ]
        delivered = Deliveries(tg)
        while delivered() < args.recipients:
            await asyncio.sleep(0.5)
            if bot.process.returncode is not None:
                sys.exit(f"feedback-bot stopped; its log: {bot.log_path}")
        bot_cpu_s = cpu_seconds(pid) - cpu_before
        fake_cpu_s, wall_s = cpu_seconds(os.getpid()) - fake_before, time.time() - began
        done.set()
        forms = sum(await asyncio.gather(*citizens))
    finally:
        await bot.stop()
    problems = [line for line in bot.log().splitlines() if "WARNING" in line or "ERROR" in line]
    with session_factory(engine)() as session:
        stored = session.get(Broadcast, broadcast_id)
        assert stored is not None
        state = progress(session, stored, utcnow())
    engine.dispose()
    records = broadcast_requests(tg)
    return CivicResult(
        queue_s=queue_s,
        sent=Sent.of(records),
        attempts=len(records),
        bot_cpu_s=bot_cpu_s,
        fake_cpu_s=fake_cpu_s,
        wall_s=wall_s,
        latencies=latencies,
        forms=forms,
        outbox={
            "sent": state.sent,
            "uncertain": state.uncertain,
            "failed": state.failed,
            "left": state.left,
        },
        log_problems=problems,
    )


# --- report ----------------------------------------------------------------------------------


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def _row(what: str, value: str, target: str = "") -> str:
    return f"  {what:<46}{value:<30}{target}".rstrip()


def report(
    args: argparse.Namespace, bare: list[Bare], civic: CivicResult, tg: FakeTelegram
) -> bool:
    expected = {RECIPIENT_BASE + n for n in range(args.recipients)}
    duplicates = sum(1 for n in civic.sent.chats.values() if n > 1)
    lost = len(expected - civic.sent.chats.keys())
    rate, ceiling = civic.sent.rate, statistics.mean(b.rate for b in bare)
    bare_cpu_ms = statistics.mean(b.cpu_ms for b in bare)
    of_rate, of_bare = rate / args.rate, rate / ceiling if ceiling else 0.0
    met = of_rate >= TARGET_RATE or (ceiling < args.rate and of_bare >= TARGET_OF_BARE)
    p50 = percentile(civic.latencies, 0.5)
    p99 = percentile(civic.latencies, 0.99)
    civic_cpu_ms = civic.bot_cpu_s / max(1, len(civic.sent.times)) * 1000
    refused = Counter(
        "broadcast" if is_recipient(r.params.get("chat_id")) else "replies"
        for r in tg.requests()
        if r.status == 429 and r.token != BARE_TOKEN
    )
    lines = [
        "civic-feedback paid broadcast benchmark (figures only; nothing asserted on times)",
        f"machine   {cpu_model()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}; Python {platform.python_version()}, aiogram "
        f"{aiogram.__version__}, SQLAlchemy {version('sqlalchemy')}",
        f"database  {'given URL' if args.database_url else 'SQLite, temporary file'}",
        f"Telegram  fake Bot API on 127.0.0.1: {TELEGRAM_FREE_RATE:g} unpaid and "
        f"{TELEGRAM_PAID_RATE:g} paid message calls a second, 1 a second per chat",
        "",
        f"bare aiogram sender, before and after: {args.bare_messages:,} messages each, "
        f"{args.concurrency} at once, no pace, no database",
        _row("rate (fake's log)", " / ".join(f"{b.rate:,.0f}" for b in bare) + " msg/s"),
        _row(
            "CPU per message (sender process)", " / ".join(f"{b.cpu_ms:.2f}" for b in bare) + " ms"
        ),
        "",
        f"civic-feedback: {args.recipients:,} recipients, "
        f"{'free' if args.free else 'PAID_BROADCAST'}, BROADCAST_RATE "
        f"{args.rate:g}; {args.citizens} citizens answering meanwhile",
        _row("queue_broadcast (one INSERT ... SELECT)", f"{civic.queue_s:.2f} s"),
        _row("achieved rate (fake's log)", f"{rate:,.1f} msg/s"),
        _row(
            "achieved / BROADCAST_RATE",
            f"{of_rate:.1%}",
            f">= {TARGET_RATE:.0%}: {_ok(of_rate >= TARGET_RATE)}",
        ),
        _row(
            "achieved / bare sender (mean of both)",
            f"{of_bare:.2f}",
            f">= {TARGET_OF_BARE} where the bare sender < {args.rate:g}/s",
        ),
        _row("target", "", _ok(met)),
        _row("most delivered in any one second", f"{civic.sent.busiest_second}"),
        _row(
            "429s received by the bot: broadcast / replies",
            f"{refused['broadcast']} / {refused['replies']}",
            "(ideally 0)",
        ),
        _row("duplicates", f"{duplicates}", f"0: {_ok(duplicates == 0)}"),
        _row("lost", f"{lost}", f"0: {_ok(lost == 0)}"),
        _row("broadcast sendMessage calls", f"{civic.attempts:,}"),
        _row(
            "bot CPU per message (whole process)",
            f"{civic_cpu_ms:.2f} ms",
            f"({civic_cpu_ms / bare_cpu_ms:.2f} x the bare sender's)",
        ),
        _row(
            "CPU busy: bot process / fake and citizens",
            f"{civic.bot_cpu_s / civic.wall_s:.0%} / {civic.fake_cpu_s / civic.wall_s:.0%}",
            "(of one core)",
        ),
        _row(
            "outbox afterwards",
            ", ".join(f"{state} {n:,}" for state, n in civic.outbox.items()),
        ),
        "",
        f"citizens meanwhile: {civic.forms} forms, {len(civic.latencies)} steps, "
        f"{ThinkingCitizen.think:g} s to read each question",
        _row(
            "next question p50 / p99",
            f"{p50 * 1000:.0f} / {p99 * 1000:.0f} ms",
            f"p99 < {TARGET_P99_S:g} s: {_ok(p99 < TARGET_P99_S)}",
        ),
        "",
        f"warnings and errors in the bot's log: {len(civic.log_problems)}",
        *(f"  {line}" for line in civic.log_problems[:5]),
    ]
    print("\n".join(lines))
    return duplicates == 0 and lost == 0


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="--recipients 20000 is a quick run (about a minute at 1,000 a second).",
    )
    parser.add_argument("--rate", type=float, default=1000, help="BROADCAST_RATE (default 1000)")
    parser.add_argument("--recipients", type=int, default=100_000, help="default 100000")
    parser.add_argument("--database-url", default=None, help="an empty database (PostgreSQL)")
    parser.add_argument(
        "--free", action="store_true", help="without PAID_BROADCAST (then --rate is at most 30)"
    )
    parser.add_argument("--citizens", type=int, default=10, help="answering meanwhile (10)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds a citizen reads a question (1.0)"
    )
    parser.add_argument("--bare-messages", type=int, default=20_000, help="default 20000")
    parser.add_argument(
        "--concurrency", type=int, default=100, help="the bare sender's calls at once (100)"
    )
    args = parser.parse_args(argv)
    top = TELEGRAM_FREE_RATE if args.free else TELEGRAM_PAID_RATE
    if not 0 < args.rate <= top or args.recipients < 2:
        parser.error(f"--rate must be above 0 and at most {top:g}, --recipients at least 2")
    return args


async def main_async(args: argparse.Namespace) -> bool:
    ThinkingCitizen.think = args.think
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as folder:
        workdir = Path(folder)
        url = args.database_url or f"sqlite:///{workdir / 'feedback.db'}"
        async with FakeTelegram(
            global_rate=TELEGRAM_FREE_RATE, per_chat_rate=1, paid_rate=TELEGRAM_PAID_RATE
        ) as tg:
            print(f"bare sender: {args.bare_messages:,} messages ...", flush=True)
            bare = [await run_bare(tg, args, BARE_BASE)]
            print(f"civic-feedback: {args.recipients:,} recipients at {args.rate:g}/s ...\n",
                  flush=True)  # fmt: skip
            # The fake keeps every message: the collector's full passes over them would
            # stall it for a tenth of a second now and then (Telegram does not).
            gc.collect()
            gc.freeze()
            gc.disable()
            try:
                civic = await run_civic(tg, args, workdir, url)
            finally:
                gc.enable()
                gc.unfreeze()
            print("bare sender again (the machine's load changes) ...\n", flush=True)
            bare.append(await run_bare(tg, args, BARE_BASE + args.bare_messages))
            return report(args, bare, civic, tg)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not asyncio.run(main_async(args)):
        sys.exit(1)


if __name__ == "__main__":
    main()
