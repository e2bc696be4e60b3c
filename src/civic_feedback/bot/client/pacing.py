"""One pace for every message the bot sends: BROADCAST_RATE a second in all, replies first.

Telegram lets a bot send about 30 messages a second over all chats, about one a second to
one chat (short bursts pass) and 20 a minute to one group. :class:`RateLimiter` hands out
the turns to send so that the bot keeps to that on its own side, instead of learning it
from 429 answers:

* at most ``rate`` counted messages a second over all chats, one interval apart;
* in one chat, on average one a second with bursts of three (a group or a channel: one
  every three seconds);
* conversation replies first: a citizen never waits behind a broadcast; broadcasts,
  reminders, digests and staff deliveries (background senders) take what replies leave;
* paid broadcasts (``paid_rate``, Telegram Stars for each message beyond the free limit) have
  a budget of their own, so that a broadcast at 1,000 a second leaves the free pace of
  replies untouched. Replies still go first, and the per-chat limits and a 429 hold both.

Background senders call :meth:`RateLimiter.wait` before they claim what they send (so a crash
can only lose what was on its way), and the message they then send rides on that turn.
Everything else sent through the Bot API session is a reply, paced by
:class:`civic_feedback.bot.client.paced_requests.PacedRequests`.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

ChatId = int | str

PRIVATE_CHAT_RATE = 1.0  # messages a second to one person, on average...
PRIVATE_CHAT_BURST = 3  # ...with this many at once (a citizen ticking options quickly)
GROUP_CHAT_RATE = 20 / 60  # Telegram: no more than 20 messages a minute to one group
GROUP_CHAT_BURST = 1
# A paid budget: one message every 1/rate seconds; after a busy moment (the event loop, or the
# process, did not run: at 1,000 a second one interval is a millisecond) up to this many
# seconds' worth at once to make up for it; and never more than this share of its rate in
# any one second. Telegram counts the messages as they arrive, and on their way they bunch
# up (by up to 50 ms on a busy machine, 30 on a quiet one: benchmarks/broadcast.py): the
# rest of the second is room for that, so that no 429 holds every sender back for a second.
PAID_CATCH_UP = 0.03
PAID_SHARE = 0.96


@dataclass
class _Budget:
    """Counted messages, one ``interval`` apart; up to ``catch_up`` seconds' worth at once
    after a late turn (GCRA: ``next`` is when the next one is due); with ``per_second``, no
    more than that many in any one second."""

    interval: float
    catch_up: float = 0.0
    per_second: int | None = None
    next: float = float("-inf")
    _last_second: deque[float] = field(default_factory=deque, repr=False)

    def ready_at(self) -> float:
        at = self.next - self.catch_up
        if self.per_second and len(self._last_second) >= self.per_second:
            at = max(at, self._last_second[0] + 1.0)  # the one per_second ago left the window
        return at

    def use(self, now: float) -> None:
        # From now if late: an idle or late budget banks no more than ``catch_up``.
        self.next = max(self.next, now) + self.interval
        if self.per_second:
            self._last_second.append(now)
            if len(self._last_second) > self.per_second:
                self._last_second.popleft()


@dataclass
class _Waiter:
    chat_id: ChatId | None
    budget: _Budget | None  # takes one of its messages (None: its background turn did)
    granted: asyncio.Future[None] = field(repr=False)


@dataclass
class _BackgroundTurn:
    """A background sender's turn, taken before it claimed what it sends; its next message
    goes on it, and a message more (a retry) on the same budget."""

    budget: _Budget
    spent: bool = False


_TURN: contextvars.ContextVar[_BackgroundTurn | None] = contextvars.ContextVar(
    "background_turn", default=None
)


class RateLimiter:
    """Hands out turns to send: ``rate`` a second in all, per-chat limits, replies first.

    ``clock`` and ``sleep`` default to the event loop's; tests pass their own.
    """

    def __init__(
        self,
        rate: float,
        *,
        paid_rate: float | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self._free = _Budget(1 / rate)
        self._paid = _paid_budget(paid_rate) if paid_rate else self._free  # else a free turn
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._held = float("-inf")  # no message before this (Telegram answered 429)
        self._chats: dict[ChatId, float] = {}  # chat -> its theoretical next send (GCRA)
        self._replies: deque[_Waiter] = deque()
        self._background: deque[_Waiter] = deque()
        self._arrived = asyncio.Event()
        self._gate: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- senders

    async def wait(self, *, paid: bool = False) -> None:
        """A background sender's turn (broadcast, reminder, digest, staff delivery): after
        the replies waiting now. The next message this task sends goes on it. ``paid``: a
        paid broadcast's turn, from the paid budget when there is one."""
        budget = self._paid if paid else self._free
        await self._take(None, budget, background=True)
        _TURN.set(_BackgroundTurn(budget))

    async def turn_to_send(self, chat_id: ChatId | None) -> None:
        """Wait before a message to ``chat_id`` goes: a reply's turn, or, in a background
        sender, the turn it already has (its chat's limit still applies)."""
        turn = _TURN.get()
        if turn is None:
            await self._take(chat_id, self._free, background=False)
        elif not turn.spent:
            turn.spent = True
            await self._take(chat_id, None, background=True)
        else:  # a second message on one background turn
            await self._take(chat_id, turn.budget, background=True)

    def pause(self, seconds: float) -> None:
        """Telegram said to wait (429): no message goes before that time has passed."""
        self._held = max(self._held, self._now() + seconds)
        self._arrived.set()

    # ---------------------------------------------------------------- decisions

    def _ready_at(self, chat_id: ChatId | None, budget: _Budget | None) -> float:
        """The earliest time a message to ``chat_id`` may go, as things stand."""
        at = max(self._held, budget.ready_at()) if budget else self._held
        if chat_id is not None and chat_id in self._chats:
            rate, burst = _chat_limit(chat_id)
            at = max(at, self._chats[chat_id] - (burst - 1) / rate)
        return at

    def _choose(self, now: float) -> tuple[_Waiter | None, float]:
        """The waiter who goes now (replies before background, first come first), or None
        and when to look again."""
        soonest = float("inf")
        for queue in (self._replies, self._background):
            for waiter in queue:
                at = self._ready_at(waiter.chat_id, waiter.budget)
                if at <= now:
                    queue.remove(waiter)
                    return waiter, now
                soonest = min(soonest, at)
        return None, soonest

    def _grant(self, waiter: _Waiter, now: float) -> None:
        self._use(waiter.chat_id, waiter.budget, now)
        if not waiter.granted.done():
            waiter.granted.set_result(None)

    def _use(self, chat_id: ChatId | None, budget: _Budget | None, now: float) -> None:
        """A message goes now: the next one waits its interval, and its chat's limit."""
        if budget is not None:
            budget.use(now)
        if chat_id is not None:
            rate, _ = _chat_limit(chat_id)
            self._chats[chat_id] = max(self._chats.get(chat_id, now), now) + 1 / rate
            if len(self._chats) > 10_000:  # forget chats whose limit no longer binds
                self._chats = {c: t for c, t in self._chats.items() if t > now}

    # ---------------------------------------------------------------- the gate

    async def _take(
        self, chat_id: ChatId | None, budget: _Budget | None, *, background: bool
    ) -> None:
        # Nobody waits, or this message's turn was taken already (only its chat's limit and a
        # 429 can hold it): no queue, no gate.
        if budget is None or (not self._replies and not self._background):
            now = self._now()
            if self._ready_at(chat_id, budget) <= now:
                self._use(chat_id, budget, now)
                return
        waiter = _Waiter(chat_id, budget, asyncio.get_running_loop().create_future())
        queue = self._background if background else self._replies
        queue.append(waiter)
        if self._gate is None or self._gate.done():
            self._gate = asyncio.create_task(self._open_gate())
        else:
            self._arrived.set()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter in queue:
                queue.remove(waiter)
            raise

    async def _open_gate(self) -> None:
        """Lets the waiters through one by one while there are any."""
        while self._replies or self._background:
            now = self._now()
            waiter, look_again = self._choose(now)
            if waiter is not None:
                self._grant(waiter, now)
                continue
            self._arrived.clear()
            await self._nap(look_again - now)

    async def _nap(self, seconds: float) -> None:
        """Sleep until ``seconds`` have passed or a new waiter (or a 429) came."""
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        woken = asyncio.ensure_future(self._arrived.wait())
        try:
            await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            woken.cancel()

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()


def _paid_budget(rate: float) -> _Budget:
    interval = 1 / rate
    return _Budget(
        interval,
        catch_up=max(0.0, PAID_CATCH_UP - interval),
        per_second=max(1, math.floor(rate * PAID_SHARE)),
    )


def _chat_limit(chat_id: ChatId) -> tuple[float, int]:
    """Messages a second and burst for a chat: people have positive ids, groups and
    channels negative ones (or an @username)."""
    if isinstance(chat_id, int) and chat_id > 0:
        return PRIVATE_CHAT_RATE, PRIVATE_CHAT_BURST
    return GROUP_CHAT_RATE, GROUP_CHAT_BURST
