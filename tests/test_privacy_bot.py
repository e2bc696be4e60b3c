"""/mydata and /forget through the real dispatcher (tests/test_dispatcher.py's harness)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.callbacks import ForgetCb
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import AuditEntry, Citizen, Registration, Response
from civic_feedback.storage.pseudonyms import pseudonym
from tests.conftest import PSEUDONYM_KEY
from tests.test_dispatcher import Person, labels, shown, watched
from tests.test_event_bot import EventsTelegram, answer_the_form


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[EventsTelegram]:
    with sessions() as session:
        install_library(session)
    async with watched(EventsTelegram(database_url, sessions)) as telegram:
        yield telegram


async def registered_and_answered(tg: EventsTelegram, person: Person) -> str:
    """The citizen registers for an event, chooses a municipality and answers its form."""
    event = tg.add_event()
    await person.say(f"/start ev_{event.code}")
    await person.tap("Register")
    await person.say("/settings")
    await person.tap("Sliven")
    await person.say(f"/start fb_{event.code}")
    await answer_the_form(person)
    return event.code


def rows(tg: EventsTelegram, table: type[Citizen | Registration | Response]) -> list[Any]:
    with tg.sessions() as session:
        return list(session.exec(select(table)).all())


async def test_mydata_sends_everything_stored_as_a_json_file(tg: EventsTelegram) -> None:
    ana = Person(tg, 1001)
    code = await registered_and_answered(tg, ana)

    sent = (await ana.say("/mydata")).one(SendDocument)

    assert isinstance(sent.document, BufferedInputFile)
    assert sent.document.filename == "my-data.json"
    data = json.loads(sent.document.data)
    assert data["profile"]["telegram_id"] == 1001
    assert data["profile"]["municipality"] == "Sliven"
    assert [(r["event"], r["status"]) for r in data["registrations"]] == [(code, "registered")]
    (response,) = data["responses"]
    assert (response["form"], response["event"], response["state"]) == (
        "event-satisfaction",
        code,
        "completed",
    )
    assert response["answers"]["overall"] == 5
    assert response["answers"]["most_useful"] == ["information"]
    assert "anonymous" in data["note"]


async def test_mydata_and_forget_for_someone_unknown_say_nothing_is_stored(
    tg: EventsTelegram,
) -> None:
    stranger = Person(tg, 1009)

    for command in ("/mydata", "/forget"):
        reply = (await stranger.say(command)).one(SendMessage)
        assert reply.text == "I store nothing about you."
    assert rows(tg, Citizen) == []


async def test_forget_asks_first_and_then_erases_the_citizen_keeping_detached_answers(
    tg: EventsTelegram,
) -> None:
    ana, boris = Person(tg, 1001), Person(tg, 1002)
    await registered_and_answered(tg, ana)
    await boris.say("/start")

    question = (await ana.say("/forget")).one(SendMessage)
    assert "This cannot be undone" in question.text
    assert "stay in the statistics with no link to you" in question.text
    assert labels(question.reply_markup) == ["Yes, erase my data", "No, keep it"]
    await ana.tap("Yes, erase my data")

    assert "this bot no longer knows you" in shown(ana.screen)
    assert [c.telegram_id for c in rows(tg, Citizen)] == [1002]
    assert rows(tg, Registration) == []
    (response,) = rows(tg, Response)
    assert response.citizen_id is None
    with tg.sessions() as session:
        (entry,) = session.exec(select(AuditEntry)).all()
    assert (entry.action, entry.actor) == ("erase", pseudonym(PSEUDONYM_KEY.encode(), 1001))


async def test_no_keeps_everything(tg: EventsTelegram) -> None:
    ana = Person(tg, 1001)
    await ana.say("/start")
    await ana.say("/forget")

    await ana.tap("No, keep it")

    assert shown(ana.screen) == "Nothing was erased."
    assert [c.telegram_id for c in rows(tg, Citizen)] == [1001]


async def test_a_forged_forget_button_erases_only_whoever_presses_it(tg: EventsTelegram) -> None:
    ana, boris = Person(tg, 1001), Person(tg, 1002)
    await ana.say("/start")
    await ana.say("/forget")  # the button Ana got; Boris presses the same data in his chat

    await boris.press(ForgetCb(yes=True).pack(), message_id=1)

    assert [c.telegram_id for c in rows(tg, Citizen)] == [1001]
