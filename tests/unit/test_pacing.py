"""The rate limiter hands out slots 1/rate apart, banks at most one, and honours a 429 pause."""

from __future__ import annotations

import asyncio

import pytest

from civic_feedback.bot.client.pacing import RateLimiter


class ManualClock:
    """Stands in for the event loop's clock and for asyncio.sleep: sleeping moves time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
async def clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    manual = ManualClock()
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "time", manual.time)
    monkeypatch.setattr("civic_feedback.bot.client.pacing.asyncio.sleep", manual.sleep)
    return manual


async def test_senders_go_one_interval_apart(clock: ManualClock) -> None:
    limiter = RateLimiter(rate=4)

    for _ in range(4):
        await limiter.wait()

    assert clock.slept == [0.25, 0.25, 0.25]  # the first goes at once


async def test_after_a_pause_at_most_one_slot_is_banked(clock: ManualClock) -> None:
    limiter = RateLimiter(rate=4)
    await limiter.wait()
    clock.now += 10  # the event loop was busy for ten seconds

    for _ in range(3):
        await limiter.wait()

    assert clock.slept == [0.25]  # one goes at once, one banked slot, then the pace again


async def test_a_flood_wait_holds_every_sender_back(clock: ManualClock) -> None:
    limiter = RateLimiter(rate=4)
    await limiter.wait()

    limiter.pause(3)
    await limiter.wait()

    assert clock.slept == [3.0]
