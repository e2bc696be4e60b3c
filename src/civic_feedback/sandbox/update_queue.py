"""The emulator's long-polling update queue: updates wait here until getUpdates confirms them."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civic_feedback.sandbox.bot_api import ApiError
from civic_feedback.sandbox.chat_records import JSON


@dataclass
class PendingUpdate:
    update: JSON
    delivered: bool = False
    #: update_id of the last update of the getUpdates answer this one was last delivered in.
    batch_end: int | None = None


class UpdateQueue:
    """Updates for the bot, handed out by getUpdates long polls until an offset confirms them.

    Its condition is the emulator's one signal of change: it is notified when an update is
    queued, after every request the emulator handled and when the emulator stops.  Long polls
    wait on it, and so do the chat page and the tests' fake.
    """

    def __init__(self, first_update_id: int = 1) -> None:
        self.cond = asyncio.Condition()
        self.pending: list[PendingUpdate] = []
        self.next_update_id = first_update_id
        #: Set while the emulator stops, so that whoever waits returns at once.
        self.closing = False
        self._poll_generation = 0
        self._waiting_polls = 0
        self._background: set[asyncio.Task[None]] = set()

    @property
    def polling(self) -> bool:
        """True while a getUpdates long poll is waiting."""
        return self._waiting_polls > 0

    def push(self, update: Mapping[str, Any]) -> JSON:
        """Queue an update, numbered next unless it brings its own update_id."""
        upd = copy.deepcopy(dict(update))
        if "update_id" not in upd:
            upd["update_id"] = self.next_update_id
        self.next_update_id = max(self.next_update_id, int(upd["update_id"]) + 1)
        self.pending.append(PendingUpdate(upd))
        self.notify_nowait()
        return copy.deepcopy(upd)

    async def take(self, offset: Any, limit: int, timeout: float) -> list[JSON]:  # noqa: ASYNC109
        """getUpdates: confirm what ``offset`` confirms, wait up to ``timeout`` s while nothing
        is queued, then hand out up to ``limit`` updates.  A newer call ends a waiting one with
        Telegram's 409 Conflict."""
        self._poll_generation += 1
        generation = self._poll_generation
        self.confirm(offset)
        async with self.cond:
            self.cond.notify_all()  # supersedes a waiting long poll
            if timeout and not self.pending and not self.closing:
                self._waiting_polls += 1
                try:
                    async with asyncio.timeout(timeout):
                        await self.cond.wait_for(
                            lambda: (
                                bool(self.pending)
                                or self.closing
                                or self._poll_generation != generation
                            )
                        )
                except TimeoutError:
                    pass
                finally:
                    self._waiting_polls -= 1
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        batch = self.pending[:limit]
        for pending in batch:
            pending.delivered = True
            pending.batch_end = int(batch[-1].update["update_id"])
        return [copy.deepcopy(p.update) for p in batch]

    def confirm(self, offset: Any) -> None:
        """Apply getUpdates' offset: forget updates confirmed by it."""
        if not isinstance(offset, int) or offset == 0:
            return
        if offset < 0:
            # -N: keep only the last N updates, forget all earlier ones.
            self.pending = self.pending[offset:]
            return
        # Only delivered updates are confirmed, so a push() that reuses an old update_id is
        # still delivered once.  aiogram sends offset = (last update_id of the answer) + 1, which
        # for a re-pushed old update may be lower than the ids before it: confirm the batch.
        self.pending = [
            p
            for p in self.pending
            if not (p.delivered and (p.update["update_id"] < offset or p.batch_end == offset - 1))
        ]

    async def notify(self) -> None:
        async with self.cond:
            self.cond.notify_all()

    def notify_nowait(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: nobody can be waiting
        task = loop.create_task(self.notify())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
