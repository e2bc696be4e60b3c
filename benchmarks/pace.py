"""A crowd of citizens under Telegram's 30 messages a second: 429s and time per step.

N citizens (150) answer event-satisfaction all at once (/start, the privacy notice, seven
presses: eight replies each) through a real ``feedback-bot`` process on long polling and
SQLite, against the fake Bot API on 127.0.0.1 refusing more than ``--telegram-rate`` message
calls a second with ``429 Too Many Requests``. Prints the 429s the bot received, the time per
step (from the citizen's update to the bot's reply), the messages sent per second and the
most Telegram accepted in any one second, and checks that every answer was stored once.

    python benchmarks/pace.py [--citizens 150] [--telegram-rate 30] [--broadcast-rate R]
                              [--src OTHER_CHECKOUT/src]

``--src`` runs the bot from another checkout's source (an earlier version, for before and
after). Never asserts times; exits with status 1 when an answer is missing or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the fake Bot API and the process live in tests/
    sys.path.insert(0, str(ROOT))

from tests.support.citizen_driver import answer_event_satisfaction, assert_answered_once  # noqa: E402
from tests.support.fake_telegram import MESSAGE_METHODS, FakeTelegram  # noqa: E402

from benchmarks.polling_citizens import (  # noqa: E402
    TimedCitizen,
    civic_bot,
    crowd,
    latency_ms,
    until_polling,
)
from benchmarks.updates import cpu_model  # noqa: E402

STEP_TIMEOUT_S = 300


def busiest_second(tg: FakeTelegram) -> int:
    """The most message calls Telegram accepted in any one-second window."""
    times = sorted(r.time for r in tg.requests() if r.ok and r.method in MESSAGE_METHODS)
    most, first = 0, 0
    for last, now in enumerate(times):
        while times[first] <= now - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def measure(args: argparse.Namespace, workdir: Path) -> bool:
    env = {"BROADCAST_RATE": str(args.broadcast_rate)} if args.broadcast_rate else {}
    async with FakeTelegram(global_rate=args.telegram_rate) as tg:
        bot = civic_bot(tg.url, workdir, src=args.src, env=env)
        await bot.start()
        try:
            await until_polling(tg, bot)
            citizens = [TimedCitizen(tg, 700_000 + n) for n in range(args.citizens)]
            wall = await crowd(
                citizens, lambda c: answer_event_satisfaction(c, str(4 + c.id % 2), STEP_TIMEOUT_S)
            )
        finally:
            await bot.stop()
        sent = tg.count_message_calls()
        refused = tg.too_many_requests
        busiest = busiest_second(tg)
    try:
        assert_answered_once(bot.export("event-satisfaction"), [*citizens])
        stored = "every citizen's answers stored once: ok"
    except AssertionError as error:
        stored = f"answers stored: WRONG ({error})"
    steps = sum(len(c.latencies) for c in citizens)
    rate = args.broadcast_rate or "25 (default)"
    print(
        "\n".join(
            [
                "civic-feedback under Telegram's rate limit (figures only; nothing asserted)",
                "",
                f"machine        {cpu_model()}, {os.cpu_count()} cores, load average "
                f"{os.getloadavg()[0]:.2f}",
                f"bot            feedback-bot, long polling, SQLite; "
                f"source {args.src or 'this checkout'}; BROADCAST_RATE {rate}",
                f"Telegram       fake Bot API on 127.0.0.1, {args.telegram_rate:g} message calls "
                "a second over all chats, 429 beyond",
                f"traffic        {args.citizens} citizens at once, event-satisfaction: "
                f"{steps} steps (each a reply to wait for)",
                "",
                f"429 answers received          {refused}",
                f"message calls accepted        {sent} ({sent / args.citizens:.2f} per citizen)",
                f"messages a second             {sent / wall:.1f} over {wall:.1f} s",
                f"most accepted in one second   {busiest}",
                f"time per step p50 / p99       {latency_ms(citizens, 0.5) / 1000:.2f} s / "
                f"{latency_ms(citizens, 0.99) / 1000:.2f} s",
                stored,
            ]
        )
    )
    return stored.endswith("ok") and "Traceback" not in bot.log()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=150, help="default 150")
    parser.add_argument(
        "--telegram-rate", type=float, default=30, help="the fake's limit, calls/s (default 30)"
    )
    parser.add_argument(
        "--broadcast-rate",
        type=float,
        default=None,
        help="BROADCAST_RATE for the bot (default: its own default)",
    )
    parser.add_argument(
        "--src", type=Path, default=None, help="run the bot from this source folder instead"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pace-") as folder:
        if not asyncio.run(measure(args, Path(folder))):
            sys.exit(1)


if __name__ == "__main__":
    main()
