"""One pace for everything the bot sends on its own: at most BROADCAST_RATE messages a second."""

from __future__ import annotations

import asyncio


class RateLimiter:
    """Hands out send slots 1/rate seconds apart, in the order they are asked for."""

    def __init__(self, rate: float) -> None:
        self.interval = 1 / rate
        self._next = 0.0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
