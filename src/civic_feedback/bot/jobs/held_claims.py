"""The rows a sender claimed and has not settled yet, renewed while their calls are on their way.

A claimed row that is still ``sending`` a lease after its claim counts as uncertain
(storage/claims.py): its process stopped before it knew how the call ended. A live sender
whose call waits out a 429 or is retried after a network error must not look like that, so
while it holds claims it renews the older ones every ``RENEW_EVERY``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.storage.claims import RENEW_EVERY

log = logging.getLogger(__name__)

Write = Callable[[list[int], datetime], None]
"""Renews the claims of these rows at this time (and writes anything else that waited)."""


class HeldClaims:
    """Claimed row ids and when their claims were last written."""

    def __init__(
        self,
        write: Write,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._write = write
        self._clock = clock
        self._sleep = sleep
        self._claimed: dict[int, datetime] = {}

    def hold(self, ids: Iterable[int]) -> None:
        now = self._clock()
        self._claimed.update(dict.fromkeys(ids, now))

    def release(self, row_id: int) -> None:
        """The row's outcome is known (or it went back to pending): no more renewals."""
        self._claimed.pop(row_id, None)

    @asynccontextmanager
    async def kept(self) -> AsyncIterator[None]:
        """Renew what is held while inside."""
        keeper = asyncio.create_task(self._keep())
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _keep(self) -> None:
        while True:
            await self._sleep(RENEW_EVERY.total_seconds())
            now = self._clock()
            stale = [row for row, at in self._claimed.items() if now - at >= RENEW_EVERY]
            try:
                self._write(stale, now)
            except SQLAlchemyError as error:  # the next round tries again; nothing is lost
                log.warning("claims_not_renewed rows=%d: %s", len(stale), type(error).__name__)
                continue
            self._claimed.update(dict.fromkeys(stale, now))
