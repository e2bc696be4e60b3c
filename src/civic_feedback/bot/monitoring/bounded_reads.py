"""A blocking database read for a scrape or a health check: in a worker thread, one at a
time, waited for at most a few seconds.

The read runs whole in the thread (a connection taken, used and given back there), so no
connection is ever held across an await. A database that hangs ties up one thread, however
often Prometheus or the proxy asks: a caller that finds the previous read still running waits
for that one instead of starting another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class BoundedRead(Generic[T]):
    """``await read()``: ``function()``'s result, its error, or TimeoutError after ``timeout``."""

    def __init__(self, function: Callable[[], T], timeout: float) -> None:
        self._function = function
        self.timeout = timeout
        self._running: asyncio.Future[T] | None = None

    async def __call__(self) -> T:
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(asyncio.to_thread(self._function))
            # Retrieved, so that an error of a read nobody waits for any more is not reported
            # as "never retrieved"; the next caller starts a new read.
            self._running.add_done_callback(_retrieve)
        async with asyncio.timeout(self.timeout):
            return await asyncio.shield(self._running)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
