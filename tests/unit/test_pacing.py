"""The shared pace's decisions, on a clock the test owns: who goes when.

Replies go one interval apart and before background senders; one chat gets a burst of three
then one a second (a group one every three seconds); a background sender's turn carries its
message; a 429 holds everyone back; paid broadcasts pace on a budget of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from civic_feedback.bot.client.paced_requests import is_message_call
from civic_feedback.bot.client.pacing import RateLimiter


class ManualClock:
    """A clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def limiter_on(clock: ManualClock, rate: float) -> RateLimiter:
    return RateLimiter(rate, clock=clock.time, sleep=clock.sleep)


async def went(
    clock: ManualClock, *senders: tuple[str, Callable[[], Awaitable[None]]]
) -> dict[str, float]:
    """All ``senders`` wait at once (in this order); when each was let through."""
    times: dict[str, float] = {}

    async def send(name: str, turn: Callable[[], Awaitable[None]]) -> None:
        await turn()
        times[name] = round(clock.now, 6)

    await asyncio.gather(*(send(name, turn) for name, turn in senders))
    return times


def reply(limiter: RateLimiter, chat: int | str) -> Callable[[], Awaitable[None]]:
    return lambda: limiter.turn_to_send(chat)


async def test_replies_go_one_interval_apart(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=4)

    times = await went(clock, *((f"citizen {n}", reply(limiter, n)) for n in range(1, 5)))

    assert times == {"citizen 1": 0, "citizen 2": 0.25, "citizen 3": 0.5, "citizen 4": 0.75}


async def test_replies_go_before_background_senders_who_came_first(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=4)
    await limiter.turn_to_send(9)  # nobody waited: it went at once; the next one waits

    times = await went(
        clock,
        ("broadcast", limiter.wait),
        ("reminder", limiter.wait),
        ("reply a", reply(limiter, 1)),
        ("reply b", reply(limiter, 2)),
    )

    assert times == {"reply a": 0.25, "reply b": 0.5, "broadcast": 0.75, "reminder": 1.0}


async def test_a_background_sender_fills_what_replies_leave(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=100)
    for _ in range(3):  # this citizen's burst is used up: the next reply waits a second
        await limiter.turn_to_send(7)

    times = await went(clock, ("fourth reply", reply(limiter, 7)), ("broadcast", limiter.wait))

    assert times == {"broadcast": 0.03, "fourth reply": 1.0}


async def test_one_chat_gets_a_burst_of_three_then_one_a_second(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=100)

    times = await went(
        clock,
        *((f"to 7 #{n}", reply(limiter, 7)) for n in range(1, 6)),
        ("to 8", reply(limiter, 8)),
    )

    assert times == {
        "to 7 #1": 0,
        "to 7 #2": 0.01,
        "to 7 #3": 0.02,
        "to 8": 0.03,  # another chat is not held behind the first one's limit
        "to 7 #4": 1.0,
        "to 7 #5": 2.0,
    }


async def test_a_group_gets_one_message_every_three_seconds(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=100)

    times = await went(clock, *((f"#{n}", reply(limiter, -100_123)) for n in range(1, 4)))

    assert times == {"#1": 0, "#2": 3.0, "#3": 6.0}


async def send_in_background(limiter: RateLimiter, chat: int) -> None:
    """A broadcaster: its turn first, then it claims a recipient, then it sends."""
    await limiter.wait()
    await limiter.turn_to_send(chat)


async def test_a_background_turn_carries_the_message_sent_on_it(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=4)
    await asyncio.create_task(send_in_background(limiter, 42))

    times = await went(clock, ("reply", reply(limiter, 1)))

    assert times == {"reply": 0.25}  # the broadcast took one interval, not two


async def test_a_flood_wait_holds_every_sender_back(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=4)

    limiter.pause(3)
    times = await went(
        clock,
        ("reply", reply(limiter, 1)),
        ("broadcast", lambda: send_in_background(limiter, 42)),
    )

    assert times == {"reply": 3.0, "broadcast": 3.25}


async def test_a_flood_wait_holds_a_retry_on_a_background_turn(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=4)

    async def refused_then_retried() -> None:
        await limiter.wait()
        await limiter.turn_to_send(42)
        limiter.pause(2)  # Telegram answered 429 Too Many Requests, retry after 2
        await limiter.turn_to_send(42)

    times = await went(clock, ("broadcast", refused_then_retried))

    assert times == {"broadcast": 2.0}


async def test_a_sender_who_gave_up_leaves_the_queue(clock: ManualClock) -> None:
    limiter = limiter_on(clock, rate=4)
    await limiter.turn_to_send(1)
    impatient = asyncio.create_task(limiter.turn_to_send(2))
    await asyncio.sleep(0)

    impatient.cancel()
    times = await went(clock, ("next", reply(limiter, 3)))

    assert times == {"next": 0.25}


# --- paid broadcasts: a budget of their own -----------------------------------------------------


async def test_a_paid_broadcast_takes_its_own_budget_and_replies_keep_the_free_pace(
    clock: ManualClock,
) -> None:
    limiter = RateLimiter(4, paid_rate=100, clock=clock.time, sleep=clock.sleep)

    async def broadcast() -> None:
        for _ in range(50):
            await limiter.wait(paid=True)

    await asyncio.create_task(broadcast())  # a task of its own, as the broadcaster's
    broadcast_done = clock.now
    times = await went(clock, ("reply a", reply(limiter, 1)), ("reply b", reply(limiter, 2)))

    assert broadcast_done == pytest.approx(0.47)  # 100 a second, not 4 (the first 3 at once)
    assert times == {"reply a": 0.47, "reply b": 0.72}  # as if the broadcast took none


async def test_replies_still_go_before_a_paid_broadcast_due_at_the_same_moment(
    clock: ManualClock,
) -> None:
    limiter = RateLimiter(4, paid_rate=100, clock=clock.time, sleep=clock.sleep)
    order: list[str] = []

    async def take(name: str, turn: Callable[[], Awaitable[None]]) -> None:
        await turn()
        order.append(name)

    limiter.pause(1)  # Telegram said to wait: everybody comes back at the same moment
    await asyncio.gather(
        take("broadcast", lambda: limiter.wait(paid=True)), take("reply", reply(limiter, 7))
    )

    assert order == ["reply", "broadcast"]


def most_in_a_second(times: list[float]) -> int:
    """The most turns in any one second (half-open, as Telegram's window)."""
    first, most = 0, 0
    for last, now in enumerate(times):
        while round(times[first], 6) <= round(now - 1.0, 6):  # the clock's sums, to the µs
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_a_paid_budget_catches_up_after_a_busy_moment_and_never_passes_its_rate(
    clock: ManualClock,
) -> None:
    limiter = RateLimiter(25, paid_rate=1000, clock=clock.time, sleep=clock.sleep)
    times: list[float] = []

    async def broadcast() -> None:
        for n in range(5000):
            await limiter.wait(paid=True)
            times.append(clock.now)
            if n % 100 == 99:
                clock.now += 0.02  # the process did not run for 20 ms

    await asyncio.create_task(broadcast())

    assert most_in_a_second(times) <= 960  # room left for requests arriving unevenly
    assert (len(times) - 1) / (times[-1] - times[0]) >= 950  # the 20 ms are made up


@pytest.mark.parametrize(
    ("method", "counted"),
    [
        ("sendMessage", True),
        ("sendDocument", True),
        ("editMessageText", True),
        ("editMessageReplyMarkup", True),
        ("copyMessage", True),
        ("answerCallbackQuery", False),  # not a message: the spinner stops at once
        ("sendChatAction", False),
        ("deleteMessage", False),
        ("getUpdates", False),
    ],
)
def test_only_calls_that_send_or_change_a_message_are_paced(method: str, counted: bool) -> None:
    assert is_message_call(method) is counted
