"""Per-citizen throttling through the real dispatcher: a flood waits, others do not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Dispatcher
from aiogram.methods import SendMessage
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.middlewares.throttling import Throttle
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.flow_versions import FlowCatalog
from tests.support.keys import PSEUDONYM_KEY
from tests.support.people import Person
from tests.support.telegram import Telegram, watched

NOTICE = "You are writing very fast; I will answer a little more slowly."


class Clock:
    """Time that moves only when the throttle sleeps: the waits are recorded, not slept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.now += seconds


class ThrottledTelegram(Telegram):
    clock = Clock()

    def _build(self, sessions: sessionmaker[Session]) -> Dispatcher:
        self.clock = Clock()
        return create_dispatcher(
            settings=Settings(_env_file=None, pseudonym_key=PSEUDONYM_KEY),
            sessions=sessions,
            runs=FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode()),
            i18n=create_i18n("bg"),
            throttle=Throttle(rate=2, burst=5, clock=self.clock, sleep=self.clock.sleep),
        )


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[Telegram]:
    async with watched(ThrottledTelegram(database_url, sessions)) as telegram:
        yield telegram


async def test_a_flood_is_slowed_told_once_and_loses_nothing(tg: ThrottledTelegram) -> None:
    flooder = Person(tg, 1001)

    replies = [(await flooder.say("/help")).of(SendMessage) for _ in range(8)]

    assert tg.clock.waits == [0.5, 0.5, 0.5]  # five at once, then two a second
    notices = [m for batch in replies for m in batch if m.text == NOTICE]
    assert len(notices) == 1
    assert all(any(m.text != NOTICE for m in batch) for batch in replies)  # each was answered


async def test_others_are_not_slowed_by_someone_elses_flood(tg: ThrottledTelegram) -> None:
    for _ in range(8):
        await Person(tg, 1001).say("/help")
    waits = len(tg.clock.waits)

    reply = (await Person(tg, 1002).say("/help")).one(SendMessage)

    assert len(tg.clock.waits) == waits
    assert reply.text != NOTICE


async def test_after_a_pause_a_new_flood_is_told_again(tg: ThrottledTelegram) -> None:
    flooder = Person(tg, 1001)
    for _ in range(7):
        await flooder.say("/help")
    tg.clock.now += 60  # the bucket is full again

    sent = [m for _ in range(7) for m in (await flooder.say("/help")).of(SendMessage)]

    assert [m.text for m in sent].count(NOTICE) == 1
