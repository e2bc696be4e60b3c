"""One pace for everything the bot sends on its own: at most BROADCAST_RATE messages a second."""

from __future__ import annotations

import asyncio


class RateLimiter:
    """Lets senders through one at a time, 1/rate seconds apart.

    A slot is taken only when its sender goes: after a pause of the event loop the senders
    that waited go one interval apart, not all at once (which would break Telegram's limit).
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1 / rate
        self._next: float | None = None  # when the next sender may go
        self._turn = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Telegram said to wait (429): nobody goes before that time has passed."""
        until = asyncio.get_running_loop().time() + seconds
        self._next = until if self._next is None else max(self._next, until)

    async def wait(self) -> None:
        async with self._turn:
            loop = asyncio.get_running_loop()
            if self._next is None:
                self._next = loop.time()  # the first sender goes at once
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            # Keep to the schedule (no drift), but never bank more than one slot after a pause.
            self._next = max(self._next, loop.time() - self.interval) + self.interval
