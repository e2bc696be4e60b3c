"""/mydata and /forget through the real dispatcher (tests/support's harness)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.callbacks import ForgetCb
from civic_feedback.bot.handlers.start import welcome_text
from civic_feedback.bot.middlewares.privacy_gate import PrivacyNotices
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.settings import Settings, SettingsError
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import AuditEntry, Citizen, Registration, Response
from tests.support.keys import PSEUDONYM_KEY
from tests.support.library import EVENT, text_of
from tests.support.people import Person, answer_the_form
from tests.support.screens import button, labels, shown
from tests.support.telegram import EventsTelegram, watched


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[EventsTelegram]:
    with sessions() as session:
        install_library(session)
        session.commit()
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
    stranger = Person(tg, 1009, agreed=False)

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


# --- the privacy notice -------------------------------------------------------------------------


def the_citizen(tg: EventsTelegram, telegram_id: int) -> Citizen:
    citizen = tg.citizen(telegram_id)
    assert citizen is not None
    return citizen


async def test_first_contact_shows_the_notice_and_stores_only_the_id_and_language(
    tg: EventsTelegram,
) -> None:
    newcomer = Person(tg, 1001, language_code="bg", agreed=False)

    notice = (await newcomer.say("/start")).one(SendMessage)

    assert notice.text.startswith("<b>Преди да започнем: вашите данни</b>")
    assert "/forget" in notice.text
    assert labels(notice.reply_markup) == ["✅ Съгласен съм"]
    citizen = the_citizen(tg, 1001)
    assert (citizen.language, citizen.municipality, citizen.privacy_accepted_at) == (
        "bg",
        None,
        None,
    )


async def test_nothing_starts_before_the_notice_is_accepted(tg: EventsTelegram) -> None:
    event = tg.add_event()
    newcomer = Person(tg, 1001, agreed=False)
    await newcomer.say("/start")

    for attempt in ("/feedback", "/settings", f"/start ev_{event.code}", "/events", "Hello"):
        reply = (await newcomer.say(attempt)).one(SendMessage)
        assert reply.text.startswith("<b>Before we start: your data</b>"), attempt
    assert rows(tg, Response) == []
    assert rows(tg, Registration) == []


async def test_the_qr_link_that_came_first_opens_right_after_i_agree(tg: EventsTelegram) -> None:
    event = tg.add_event()
    newcomer = Person(tg, 1001, agreed=False)
    await newcomer.say(f"/start fb_{event.code}")

    calls = await newcomer.tap("✅ I agree")

    assert calls.callback_answer.text == "Thank you!"
    assert text_of(EVENT, "overall") in shown(newcomer.screen)  # the form's first question
    assert the_citizen(tg, 1001).privacy_accepted_at is not None
    assert len(tg.api.messages_in(1001)) == 1  # the notice became the question: one edit
    await answer_the_form(newcomer)
    (response,) = rows(tg, Response)
    assert response.event_id == event.id


async def test_without_a_link_i_agree_leads_to_the_welcome(tg: EventsTelegram) -> None:
    newcomer = Person(tg, 1001, agreed=False)
    await newcomer.say("/start")

    await newcomer.tap("✅ I agree")

    assert shown(newcomer.screen) == tg.english(welcome_text)


async def test_language_help_and_mydata_answer_before_the_notice_is_accepted(
    tg: EventsTelegram,
) -> None:
    newcomer = Person(tg, 1001, agreed=False)

    language = (await newcomer.say("/language")).one(SendMessage)
    await newcomer.tap("🇧🇬 Български")
    help_reply = (await newcomer.say("/help")).one(SendMessage)

    assert "Please choose your language" in language.text
    assert the_citizen(tg, 1001).language == "bg"
    assert "/mydata" in help_reply.text
    assert the_citizen(tg, 1001).privacy_accepted_at is None


async def test_a_citizen_from_before_the_notice_accepts_it_and_goes_on_with_the_form(
    tg: EventsTelegram,
) -> None:
    ana = Person(tg, 1001)
    await ana.say("/start f_general-feedback")
    with tg.sessions() as session:  # as if the form was begun before the notice existed
        citizen = session.exec(select(Citizen)).one()
        citizen.privacy_accepted_at = None
        session.add(citizen)
        session.commit()
    question = ana.screen

    calls = await ana.press(button(question, labels(question.reply_markup)[0]).callback_data or "")

    assert calls.callback_answer.text is None
    assert shown(ana.screen).startswith("<b>Before we start: your data</b>")
    assert ana.answers() == {}
    await ana.tap("✅ I agree")
    await ana.press(button(question, labels(question.reply_markup)[0]).callback_data or "")
    assert len(ana.answers()) == 1


def test_a_notice_file_replaces_the_built_in_text_and_bad_markup_stops_the_bot(
    tmp_path: Path,
) -> None:
    (tmp_path / "bg.html").write_text("<b>Община Сливен</b> обработва данните ви.", "utf-8")
    settings = Settings(_env_file=None, privacy_notice_dir=tmp_path)

    notices = PrivacyNotices.load(settings)

    assert notices.custom == {"bg": "<b>Община Сливен</b> обработва данните ви."}
    (tmp_path / "en.html").write_text("<b>Sliven processes your data", "utf-8")
    with pytest.raises(SettingsError, match=r"PRIVACY_NOTICE_DIR: .*en\.html: .*<b>"):
        PrivacyNotices.load(settings)
