"""Citizens' steps a second over HTTP, on long polling: civic-feedback against a bare aiogram bot.

N citizens (300) take four steps each, all at once, against the fake Bot API on 127.0.0.1
(real aiohttp requests both ways, no rate limit), first with a bare aiogram bot
(``benchmarks/echo_polling.py``), then with ``feedback-bot`` on SQLite (``--src``: also an
earlier version), in each repeat. A step is timed from the citizen's update being queued to
the bot's reply reaching the fake. The steps, with the Bot API calls each costs:

1. ``/start f_general-feedback``: the privacy notice (sendMessage);
2. a press of its "agree" button: answerCallbackQuery and an edit into the first question;
3. a press of a topic: answerCallbackQuery and an edit into the question asking for text;
4. a typed message: the next question (sendMessage).

The bare bot answers the same four updates with the same calls (a message with a button, a
press answered and the message edited). civic-feedback runs with its pace out of the way
(``benchmarks/unpaced_bot.py``): the fake sets no limit, and what is measured is the bot's
own cost. One citizen takes the steps first (not counted), so both bots are warm.

    python benchmarks/polling_steps.py [--citizens 300] [--repeat 3] [--src OTHER/src]
                                       [--storing] [--profile FILE]

Prints steps a second (best / median of the repeats), civic-feedback's share of the bare
bot's, time per step p50 / p99, CPU per step of the bot process and the Bot API calls per
step; never asserts times. ``--storing`` also runs the bare bot committing each update to
SQLite before it replies (``benchmarks/storing_polling.py``): what durability alone costs.
``--profile`` runs civic-feedback under cProfile (slower) and prints where its time went.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the fake Bot API and the process live in tests/
    sys.path.insert(0, str(ROOT))

from tests.support.bot_process import BotProcess  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402

from benchmarks.polling_citizens import (  # noqa: E402
    BareBot,
    StoringBot,
    TimedCitizen,
    civic_bot,
    crowd,
    latency_ms,
    until_polling,
)
from benchmarks.process_stats import cpu_seconds  # noqa: E402
from benchmarks.updates import cpu_model  # noqa: E402

STEPS = 4
TARGET_RATIO = 0.8
TARGET_P99_MS = 1000.0
STEP_TIMEOUT_S = 120
COMMENT = "The street light at Vitosha 12 has been out for a week."


async def civic_steps(citizen: TimedCitizen) -> None:
    await citizen.say("/start f_general-feedback", STEP_TIMEOUT_S)  # steps 1 and 2 (agree)
    await citizen.tap("Roads and transport", STEP_TIMEOUT_S)
    await citizen.say(COMMENT, STEP_TIMEOUT_S)


async def bare_steps(citizen: TimedCitizen) -> None:
    await citizen.say("/start f_general-feedback", STEP_TIMEOUT_S)
    await citizen.tap("Next", STEP_TIMEOUT_S)
    await citizen.tap("Next", STEP_TIMEOUT_S)
    await citizen.say(COMMENT, STEP_TIMEOUT_S)


@dataclass
class Run:
    """One bot, one crowd."""

    steps_per_s: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_step: float
    calls: Counter[str]
    steps: int


async def run_crowd(
    bot_of: type[BotProcess] | str, args: argparse.Namespace, workdir: Path, first_id: int
) -> Run:
    """``bot_of``: the bare bot, or "civic" / "before" (civic-feedback from ``--src``)."""
    bare = not isinstance(bot_of, str)
    steps = bare_steps if bare else civic_steps
    async with FakeTelegram() as tg:
        if isinstance(bot_of, str):
            src = args.src if bot_of == "before" else None
            profile = args.profile if bot_of == "civic" else None
            bot = civic_bot(
                tg.url, workdir, src=src, profile=profile, module="benchmarks.unpaced_bot"
            )
        else:
            bot = bot_of(tg.url, workdir, PYTHONPATH=str(ROOT))
        await bot.start()
        assert bot.process is not None
        try:
            await until_polling(tg, bot)
            await steps(TimedCitizen(tg, first_id - 1))  # warm-up
            logged = len(tg.requests())
            cpu_before = cpu_seconds(bot.process.pid)
            citizens = [TimedCitizen(tg, first_id + n) for n in range(args.citizens)]
            wall = await crowd(citizens, steps)
            cpu = cpu_seconds(bot.process.pid) - cpu_before
            calls = Counter(
                r.method for r in tg.requests()[logged:] if r.ok and r.method != "getUpdates"
            )
        finally:
            await bot.stop()
    if "Traceback" in bot.log():
        raise RuntimeError(f"the bot logged a traceback: {bot.log_path}")
    done = sum(len(c.latencies) for c in citizens)
    if done != STEPS * args.citizens:
        raise RuntimeError(f"{done} steps answered of {STEPS * args.citizens}")
    return Run(
        steps_per_s=done / wall,
        p50_ms=latency_ms(citizens, 0.5),
        p99_ms=latency_ms(citizens, 0.99),
        cpu_ms_per_step=cpu * 1000 / done,
        calls=calls,
        steps=done,
    )


async def measure(args: argparse.Namespace, folder: Path) -> dict[str, list[Run]]:
    kinds: list[tuple[str, type[BotProcess] | str]] = [("bare", BareBot), ("civic", "civic")]
    if args.storing:
        kinds.append(("storing", StoringBot))
    if args.src:
        kinds.append(("before", "before"))
    runs: dict[str, list[Run]] = {name: [] for name, _ in kinds}
    for repeat in range(args.repeat):
        for name, kind in kinds:
            workdir = folder / f"{name}-{repeat}"
            workdir.mkdir()
            runs[name].append(await run_crowd(kind, args, workdir, 800_000 + repeat * 10_000))
    return runs


def report(args: argparse.Namespace, runs: dict[str, list[Run]]) -> None:
    def best_median(values: list[float]) -> str:
        return f"{max(values):,.0f} / {statistics.median(values):,.0f}"

    def median(name: str, what: str) -> float:
        return float(statistics.median(getattr(r, what) for r in runs[name]))

    def calls_per_step(run: Run) -> str:
        return ", ".join(f"{m} {n / run.steps:.2f}" for m, n in sorted(run.calls.items()))

    def share_of_bare(name: str) -> list[float]:
        """Steps a second of ``name`` over the bare bot's, in each repeat."""
        pairs = zip(runs[name], runs["bare"], strict=True)
        return [run.steps_per_s / bare.steps_per_s for run, bare in pairs]

    ratios = share_of_bare("civic")
    names = {
        "civic": "civic-feedback",
        "before": f"civic-feedback from {args.src}",
        "storing": "bare aiogram committing each update first",
    }
    lines = [
        "Citizens' steps over HTTP on long polling (figures only; nothing asserted on times)",
        "",
        f"machine    {cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}",
        f"traffic    {args.citizens} citizens at once, {STEPS} steps each; fake Bot API on "
        "127.0.0.1, no rate limit; civic-feedback on SQLite, its pace out of the way",
        f"repeats    {args.repeat}: steps/s best / median, other figures the median"
        + ("; civic-feedback under cProfile" if args.profile else ""),
        "",
    ]
    for name, runs_of in runs.items():
        label = names.get(name, "bare aiogram")
        lines += [
            f"{label}",
            f"  steps/s                {best_median([r.steps_per_s for r in runs_of])}",
            f"  time per step p50/p99  {median(name, 'p50_ms'):.0f} / "
            f"{median(name, 'p99_ms'):.0f} ms",
            f"  bot CPU per step       {median(name, 'cpu_ms_per_step'):.2f} ms",
            f"  Bot API calls per step {calls_per_step(runs_of[0])}",
        ]
    best, middle = max(ratios), statistics.median(ratios)
    p99 = median("civic", "p99_ms")
    lines += [
        "",
        f"civic-feedback / bare    {best:.0%} best, {middle:.0%} median "
        f"(target >= {TARGET_RATIO:.0%}: best {'ok' if best >= TARGET_RATIO else 'MISSED'}, "
        f"median {'ok' if middle >= TARGET_RATIO else 'MISSED'})",
        f"civic-feedback p99       {p99:.0f} ms (target < {TARGET_P99_MS:.0f} ms: "
        f"{'ok' if p99 < TARGET_P99_MS else 'MISSED'})",
    ]
    if args.storing:
        stored = share_of_bare("storing")
        lines.append(
            f"committing / bare        {max(stored):.0%} best, "
            f"{statistics.median(stored):.0%} median"
        )
    print("\n".join(lines))
    if args.profile:
        print(f"\ncProfile of civic-feedback's process (cumulative, top {args.profile_top})")
        stats = pstats.Stats(str(args.profile))
        stats.sort_stats("cumulative").print_stats(args.profile_top)
        stats.sort_stats("tottime").print_stats(args.profile_top)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=300, help="default 300")
    parser.add_argument("--repeat", type=int, default=1, help="default 1")
    parser.add_argument(
        "--src", type=Path, default=None, help="also civic-feedback from this source folder"
    )
    parser.add_argument(
        "--storing", action="store_true", help="also the bare bot committing each update first"
    )
    parser.add_argument(
        "--profile", type=Path, default=None, help="cProfile civic-feedback into this file"
    )
    parser.add_argument("--profile-top", type=int, default=30, help="rows of the profile")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="steps-") as folder:
        report(args, asyncio.run(measure(args, Path(folder))))


if __name__ == "__main__":
    main()
