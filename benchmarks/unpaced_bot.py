"""``feedback-bot`` with its pace out of the way, for ``polling_steps.py`` and the webhook
replicas of ``updates.py --webhook``.

The fake Bot APIs there set no limit, and the benchmarks measure what the bot costs, not
Telegram's 30 messages a second (BROADCAST_RATE, at most 30, would make every run last
``messages / 30`` seconds) nor its one a second to one chat. Both paces are raised far above
any load here; every message still waits for its turn in them, so what pacing costs is
measured too.

With ``PROFILE_OUT`` set, the process runs under cProfile counting CPU time (not wall time:
the machine is shared) and writes the statistics there when it stops.

    python -m benchmarks.unpaced_bot     (the environment as for feedback-bot)
"""

from __future__ import annotations

import cProfile
import os
import time

from civic_feedback.bot import __main__ as feedback_bot
from civic_feedback.bot.client import pacing
from civic_feedback.settings import Settings, load_settings

UNPACED = 1_000_000.0  # messages a second


def load_unpaced_settings() -> Settings:
    return load_settings().model_copy(update={"broadcast_rate": UNPACED})


def main() -> None:
    feedback_bot.load_settings = load_unpaced_settings  # type: ignore[attr-defined,assignment]
    # The synthetic citizens answer in milliseconds, not seconds: one chat's pace (one
    # message a second, bursts of three) would time the pace instead of the bot.
    pacing.PRIVATE_CHAT_RATE = UNPACED
    out = os.environ.get("PROFILE_OUT")
    if not out:
        feedback_bot.main([])
        return
    profiler = cProfile.Profile(time.process_time)
    try:
        profiler.runcall(feedback_bot.main, [])
    finally:
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
