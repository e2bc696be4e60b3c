"""Integration fixtures: the fake Telegram Bot API that in-process workers send through."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API on loopback, without limits."""
    async with FakeTelegram() as fake:
        yield fake
