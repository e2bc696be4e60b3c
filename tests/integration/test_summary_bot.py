"""/summary in Telegram: staff get the week's headline figures; citizens are refused."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import InputFile
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Role
from civic_feedback.storage.roles import grant
from tests.support.people import Person, answer_the_form
from tests.support.telegram import ADMIN, CITIZEN, StaffTelegram, watched


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[StaffTelegram]:
    with sessions() as session:
        install_library(session)
        session.commit()
    async with watched(StaffTelegram(database_url, sessions)) as telegram:
        yield telegram


def this_week() -> str:
    year, week, _day = datetime.now(ZoneInfo("Europe/Sofia")).isocalendar()
    return f"{year}-W{week:02d}"


async def test_staff_get_the_weeks_headline_figures(tg: StaffTelegram) -> None:
    for citizen_id in (9101, 9102):
        person = Person(tg, citizen_id)
        await person.say("/start f_event-satisfaction")
        await answer_the_form(person)  # rating 5, NPS 9
    admin = Person(tg, ADMIN)

    calls = await admin.say(f"/summary {this_week()}")

    (reply,) = calls.of(SendMessage)
    photos = [p.photo.filename for p in calls.of(SendPhoto) if isinstance(p.photo, InputFile)]
    assert photos == ["trend.png", "nps.png", "rating-event-satisfaction.png"]
    assert reply.text.startswith(f"<b>Weekly summary {this_week()}</b>")
    assert "Completed responses: 2 (+2)" in reply.text
    assert "Satisfied (CSAT): 100% of 4 ratings" in reply.text  # overall 5, organisation 4
    assert "NPS: 100 (2 answers)" in reply.text


async def test_staff_of_one_municipality_get_its_figures_and_admins_all(
    tg: StaffTelegram, sessions: sessionmaker[Session]
) -> None:
    places = {9101: "Sliven", 9102: "Haskovo", 9103: "Haskovo"}
    for citizen_id in places:
        person = Person(tg, citizen_id)
        await person.say("/start f_event-satisfaction")
        await answer_the_form(person)
    clerk = 7010
    with sessions() as session:
        for citizen_id, place in places.items():
            citizen = find_citizen(session, citizen_id)
            assert citizen is not None
            citizen.municipality = place
            session.add(citizen)
        grant(session, clerk, Role.STAFF, granted_by="test", municipality="Haskovo")
        session.commit()

    scoped = (await Person(tg, clerk).say(f"/summary {this_week()}")).of(SendMessage)[0]
    everything = (await Person(tg, ADMIN).say(f"/summary {this_week()}")).of(SendMessage)[0]

    assert scoped.text.startswith(f"<b>Weekly summary {this_week()}: Haskovo</b>")
    assert "Completed responses: 2 (+2)" in scoped.text
    assert everything.text.startswith(f"<b>Weekly summary {this_week()}</b>")
    assert "Completed responses: 3 (+3)" in everything.text


async def test_staff_read_the_themes_their_citizens_wrote_about(tg: StaffTelegram) -> None:
    suggestions = {
        9101: "There was not enough time for Q&A.",
        9102: "More time for Q&A next time, please.",
    }
    for citizen_id, suggestion in suggestions.items():
        person = Person(tg, citizen_id)
        await person.say("/start f_event-satisfaction")
        for label in ("5", "9", "Information presented", "Done", "4"):
            await person.tap(label)
        await person.say(suggestion)

    reply = (await Person(tg, ADMIN).say(f"/summary {this_week()}")).of(SendMessage)[0]

    lines = reply.text.splitlines()
    assert "Comments: 2 (+2)" in lines
    assert "Comment themes: time for q&amp;a (2)" in lines  # citizens' words, escaped


async def test_an_empty_week_says_so(tg: StaffTelegram) -> None:
    calls = await Person(tg, ADMIN).say("/summary 2026-W01")

    (reply,) = calls.of(SendMessage)
    assert [p.photo.filename for p in calls.of(SendPhoto)] == ["trend.png"]  # type: ignore[union-attr]

    assert "Completed responses: 0" in reply.text
    assert "NPS: — (0 answers)" in reply.text
    assert "Nobody completed a form this week." in reply.text


async def test_a_bad_week_gets_an_example(tg: StaffTelegram) -> None:
    reply = (await Person(tg, ADMIN).say("/summary last week")).one(SendMessage)

    assert reply.text == "Write the week like this: /summary 2026-W47"


async def test_a_citizen_is_refused_and_the_refusal_is_logged(
    tg: StaffTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        reply = (await Person(tg, CITIZEN).say("/summary")).one(SendMessage)

    assert reply.text == "Summaries are for municipal staff and organizers."
    assert any("refused permission=summary" in r.getMessage() for r in caplog.records)
