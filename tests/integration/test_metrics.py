"""The metrics Prometheus scrapes: what the bot counted, read back over loopback.

The bot runs as feedback-bot assembles it (tests/support/monitored_bot.py): its requests go
through the real request chain to the fake Bot API, the updates through the real dispatcher,
and ``/metrics`` is served by polling mode's listener and parsed with prometheus_client's
own parser.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.counted_requests import CountedRequests
from civic_feedback.bot.middlewares.update_metrics import UpdateMetrics
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    Broadcast,
    BroadcastState,
    DeliveryState,
    InboxAuthor,
    InboxItem,
    InboxMessage,
    InboxStatus,
    Notification,
    NotificationKind,
    NotificationState,
    Outbox,
    OutboxState,
)
from tests.support.events import DAY, HOUR, NOW, new_citizen, new_event
from tests.support.fake_telegram import FakeTelegram
from tests.support.monitored_bot import MonitoredBot, metrics_listener
from tests.support.scrape import Scrape, scrape, scrape_registry

UPDATES = "civic_feedback_updates_total"
HANDLING = "civic_feedback_update_handling_seconds_count"
REQUESTS = "civic_feedback_bot_api_requests_total"
NOTICE = "Before we start: your data"
BLOCKED = 5003

# A poll as an older Bot API sent it, which aiogram 3.31's models refuse.
OLD_POLL = {
    "id": "7001",
    "question": "Which park first?",
    "options": [{"text": "Central", "voter_count": 3}],
    "total_voter_count": 3,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(blocked=[BLOCKED]) as fake:
        yield fake


@pytest.fixture
async def bot(telegram: FakeTelegram, engine: Engine) -> AsyncIterator[MonitoredBot]:
    monitored = MonitoredBot(telegram, engine)
    yield monitored
    await monitored.close()


def results_at_the_fake(telegram: FakeTelegram) -> Counter[tuple[str, str]]:
    """(method, result) of every request the fake answered, labelled as the bot labels them."""
    labels = {200: "ok", 429: "too_many_requests", 403: "forbidden", 400: "bad_request"}
    answered: Counter[tuple[str, str]] = Counter()
    for request in telegram.requests():
        assert request.status is not None, f"{request.method} not answered yet"
        answered[request.method, labels[request.status]] += 1
    return answered


def results_in_the_metrics(metrics: Scrape) -> Counter[tuple[str, str]]:
    counted: Counter[tuple[str, str]] = Counter()
    for (name, labels), value in metrics.samples.items():
        if name == REQUESTS:
            named = dict(labels)
            counted[named["method"], named["result"]] = int(value)
    return counted


async def test_a_scripted_run_is_counted_as_it_happened(
    bot: MonitoredBot, telegram: FakeTelegram
) -> None:
    ana = telegram.send_text(5001, "/start", language_code="en")
    telegram.push({"poll": OLD_POLL})  # unreadable: skipped
    await bot.handle()
    telegram.push(ana)  # Telegram delivers Ana's /start again
    telegram.flood_once.add(5002)  # Boris's notice meets a 429 first, then goes
    telegram.send_text(5002, "/start", language_code="en")
    telegram.send_text(BLOCKED, "/start", language_code="en")  # refused: 403, the update fails
    await bot.handle()
    notice = telegram.last_message(5001)
    assert notice is not None
    assert NOTICE in notice.content
    telegram.press_button(5001, notice.message_id, "✅ I agree", language_code="en")
    await bot.handle()

    async with metrics_listener(bot.monitor) as base:
        metrics = await scrape(f"{base}/metrics")

    assert metrics.by(UPDATES, "outcome", kind="message") == {
        "handled": 2,  # Ana's /start, Boris's /start
        "duplicate": 1,  # Ana's again
        "failed": 1,  # the blocked citizen's
    }
    assert metrics.by(UPDATES, "outcome", kind="callback_query") == {"handled": 1}
    assert metrics.by(HANDLING, "kind") == {"message": 3, "callback_query": 1}  # no duplicate
    assert metrics.by("civic_feedback_skipped_updates_total", "kind") == {"poll": 1}
    counted = results_in_the_metrics(metrics)
    assert counted[("sendMessage", "too_many_requests")] == 1
    assert counted[("sendMessage", "forbidden")] == 1
    # Every other request, as the fake answered it; the getUpdates that held the old poll
    # was answered 200 and counted as one aiogram could not read.
    at_the_fake = results_at_the_fake(telegram)
    at_the_fake[("getUpdates", "ok")] -= 1
    at_the_fake[("getUpdates", "unreadable")] += 1
    assert counted == at_the_fake
    assert metrics.value("civic_feedback_leader") == 1
    assert metrics.by("civic_feedback_database_errors_total", "error") == {}


def id_of(row: Any) -> int:
    """A stored row's id."""
    assert row.id is not None
    return int(row.id)


def arrange_queues(sessions: sessionmaker[Session]) -> None:
    """At NOW: one reminder 15 minutes late, a broadcast due 20 minutes ago with two of three
    recipients left, one citizen's message to staff written 5 minutes ago; and rows that do
    not wait (not due yet, sent, a draft's message)."""
    minutes = timedelta(minutes=1)
    with sessions() as session:
        install_library(session)
        session.commit()
        ana, boris, vera = (id_of(new_citizen(session, 8000 + n)) for n in range(3))
        event = id_of(new_event(session))
        session.add_all(
            [
                Notification(kind=NotificationKind.REMINDER, event_id=event, citizen_id=ana,
                             offset_seconds=DAY, due_at=NOW - 15 * minutes),
                Notification(kind=NotificationKind.REMINDER, event_id=event, citizen_id=ana,
                             offset_seconds=HOUR, due_at=NOW + 60 * minutes),
                Notification(kind=NotificationKind.INVITATION, event_id=event, citizen_id=ana,
                             due_at=NOW - 120 * minutes, state=NotificationState.SENT),
            ]
        )  # fmt: skip
        due = Broadcast(texts={"en": "Hi"}, segment="all", send_at=NOW - 20 * minutes,
                        state=BroadcastState.SENDING)  # fmt: skip
        later = Broadcast(texts={"en": "Soon"}, segment="all", send_at=NOW + 60 * minutes)
        sent = InboxItem(citizen_id=ana, topic="other", language="en")
        draft = InboxItem(citizen_id=ana, topic="other", language="en", status=InboxStatus.DRAFT)
        session.add_all([due, later, sent, draft])
        session.flush()
        session.add_all(
            [
                Outbox(broadcast_id=id_of(due), citizen_id=ana, state=OutboxState.SENT),
                Outbox(broadcast_id=id_of(due), citizen_id=boris),
                Outbox(broadcast_id=id_of(due), citizen_id=vera),
                Outbox(broadcast_id=id_of(later), citizen_id=ana),
                InboxMessage(item_id=id_of(sent), author=InboxAuthor.CITIZEN, text="Pothole",
                             created_at=NOW - 5 * minutes),
                InboxMessage(item_id=id_of(sent), author=InboxAuthor.CITIZEN, text="Earlier",
                             created_at=NOW - 90 * minutes, state=DeliveryState.DELIVERED),
                InboxMessage(item_id=id_of(draft), author=InboxAuthor.CITIZEN, text="Typing",
                             created_at=NOW - 60 * minutes),
            ]
        )  # fmt: skip
        session.commit()


async def test_the_queues_say_how_many_rows_wait_and_since_when(
    telegram: FakeTelegram, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    arrange_queues(sessions)
    bot = MonitoredBot(telegram, engine, clock=lambda: NOW)
    try:
        async with metrics_listener(bot.monitor) as base:
            metrics = await scrape(f"{base}/metrics")
    finally:
        await bot.close()

    assert metrics.by("civic_feedback_queue_waiting", "queue") == {
        "notifications": 1,
        "broadcasts": 2,
        "inbox": 1,
    }
    assert metrics.by("civic_feedback_queue_oldest_waiting_seconds", "queue") == {
        "notifications": 15 * 60,
        "broadcasts": 20 * 60,
        "inbox": 5 * 60,
    }


class Statements:
    """SQL statements the engine sent, counted (every thread, every connection)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *_args: Any) -> None:
        self.count += 1

    async def during(self, work: Awaitable[Any]) -> int:
        before = self.count
        await work
        return self.count - before


async def newcomer_agrees(bot: MonitoredBot, telegram: FakeTelegram, user_id: int) -> None:
    """/start, delivered twice, then "I agree": every outcome but a failure."""
    start = telegram.send_text(user_id, "/start", language_code="en")
    await bot.handle()
    telegram.push(start)
    await bot.handle()
    notice = telegram.last_message(user_id)
    assert notice is not None
    telegram.press_button(user_id, notice.message_id, "✅ I agree", language_code="en")
    await bot.handle()


def take_out_metrics(bot: MonitoredBot) -> None:
    """The same bot from now on, with its update and request counting taken out."""
    updates = bot.dispatcher.update.outer_middleware
    updates.unregister(next(m for m in updates if isinstance(m, UpdateMetrics)))
    requests = bot.bot.session.middleware
    requests.unregister(next(m for m in requests if isinstance(m, CountedRequests)))


async def test_counting_updates_adds_no_database_statement(
    bot: MonitoredBot, telegram: FakeTelegram, engine: Engine
) -> None:
    statements = Statements(engine)
    await newcomer_agrees(bot, telegram, 6000)  # the first: caches filled
    counted = await statements.during(newcomer_agrees(bot, telegram, 6001))
    take_out_metrics(bot)
    uncounted = await statements.during(newcomer_agrees(bot, telegram, 6002))

    assert counted == uncounted
    metrics = scrape_registry(bot.metrics)  # the run with metrics was counted, the other not
    assert metrics.by(UPDATES, "outcome", kind="message") == {"handled": 2, "duplicate": 2}


async def test_scrapes_read_the_queues_once_in_a_while_however_many_updates(
    bot: MonitoredBot, telegram: FakeTelegram, engine: Engine
) -> None:
    statements = Statements(engine)
    reads = 3 + (engine.dialect.name == "postgresql")  # a query per queue (+ its time limit)

    async with metrics_listener(bot.monitor) as base:
        first = await statements.during(scrape(f"{base}/metrics"))
        for user_id in range(6100, 6105):
            await newcomer_agrees(bot, telegram, user_id)
        before = statements.count
        for _ in range(5):
            await scrape(f"{base}/metrics")  # within the few seconds the figures are kept
        again = statements.count - before

    assert (first, again) == (reads, 0)


async def test_errors_the_database_raises_are_counted_by_kind(
    bot: MonitoredBot, engine: Engine
) -> None:
    with pytest.raises((OperationalError, ProgrammingError)) as raised, engine.connect() as db:
        db.execute(text("SELECT * FROM no_such_table"))

    errors = scrape_registry(bot.metrics).by("civic_feedback_database_errors_total", "error")
    assert errors == {type(raised.value).__name__: 1}
