"""End-to-end fixtures: the fake Telegram Bot API the real bot process talks to."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API on loopback, without limits (a test needing some defines its own)."""
    async with FakeTelegram() as fake:
        yield fake
