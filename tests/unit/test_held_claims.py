"""A live sender renews the claims whose calls are still on their way (a 429, a retry), so
that they never count as uncertain; a claim whose outcome is known is left alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from civic_feedback.bot.jobs.held_claims import HeldClaims
from civic_feedback.storage.claims import CLAIM_LEASE, RENEW_EVERY
from tests.support.clock import FakeClock

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


async def test_claims_still_held_are_renewed_every_round_and_settled_ones_are_not() -> None:
    clock = FakeClock(NOW)
    rounds: asyncio.Queue[None] = asyncio.Queue()
    written: asyncio.Queue[tuple[list[int], datetime]] = asyncio.Queue()

    async def sleep(seconds: float) -> None:
        await rounds.get()  # the test says when the next round comes
        clock.move_to(clock() + timedelta(seconds=seconds))

    held = HeldClaims(lambda rows, now: written.put_nowait((sorted(rows), now)), clock, sleep)
    held.hold([1, 2])
    async with held.kept():
        held.release(2)  # Telegram answered: its outcome is written with the rest
        rounds.put_nowait(None)
        assert await written.get() == ([1], NOW + RENEW_EVERY)

        held.hold([3])
        rounds.put_nowait(None)
        assert await written.get() == ([1, 3], NOW + 2 * RENEW_EVERY)

    assert RENEW_EVERY * 2 < CLAIM_LEASE  # a renewal may be late once and still be in time
