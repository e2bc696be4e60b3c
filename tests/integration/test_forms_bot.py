"""The real dispatcher, fed Telegram updates in-process: what citizens see, what is stored.

Every test builds the dispatcher the bot runs (middlewares, routers, FormRuns) on a fresh
migrated database, feeds it updates as Telegram would deliver them, and checks the Bot API
calls it made (tests/support/recording_session.py, no network) and the rows it wrote.
"""

from __future__ import annotations

import asyncio
import logging
import random
import string
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
)
from sqlalchemy import Engine, event
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.callbacks import AnswerCb, AnswerKind
from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.handlers.start import welcome_text
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.core.form_windows import FormWindow, window_bound
from civic_feedback.flows.engine import RefusalReason
from civic_feedback.flows.schema import Flow
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.flow_versions import (
    FlowCatalog,
    install_library,
    publish_flow,
    set_form_window,
)
from civic_feedback.storage.models import (
    AnonymousReceipt,
    Answer,
    Conversation,
    Response,
    ResponseState,
)
from tests.support.calls import Calls
from tests.support.clock import SOFIA, FakeClock
from tests.support.databases import unit_sessions
from tests.support.keys import PSEUDONYM_KEY
from tests.support.library import EVENT, GENERAL, SURVEY, text_of
from tests.support.people import Person, answer_the_form
from tests.support.recording_session import as_update, callback_update, message_update
from tests.support.screens import button, buttons, labels, shown
from tests.support.telegram import Telegram, watched

# --- the bot under test -------------------------------------------------------------------


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[Telegram]:
    with sessions() as session:
        install_library(session)
        session.commit()
    async with watched(Telegram(database_url, sessions)) as telegram:
        yield telegram


@pytest.fixture
def ana(tg: Telegram) -> Person:
    return Person(tg, 1001)


@pytest.fixture
def boris(tg: Telegram) -> Person:
    return Person(tg, 1002)


async def start_event_form(person: Person) -> Calls:
    return await person.say("/start f_event-satisfaction")


async def reach_most_useful(person: Person, overall: str = "5") -> None:
    await start_event_form(person)
    await person.tap(overall)
    await person.tap("9")


async def reach_suggestion(person: Person) -> None:
    """overall 5 hides the comment question, so suggestion comes right after organisation."""
    await reach_most_useful(person)
    await person.tap("Information presented")
    await person.tap("Done")
    await person.tap("4")


# --- welcome and language -----------------------------------------------------------------


async def test_first_start_in_an_offered_language_welcomes_without_a_language_keyboard(
    tg: Telegram, ana: Person
) -> None:
    welcome = (await ana.say("/start")).only(SendMessage)

    assert welcome.chat_id == ana.user_id
    assert welcome.text == tg.english(welcome_text)
    assert welcome.reply_markup is None
    assert tg.language_of(ana.user_id) == "en"


async def test_first_start_in_a_language_not_offered_asks_for_one_of_the_three(
    tg: Telegram,
) -> None:
    hans = Person(tg, 1003, language_code="de")

    welcome = (await hans.say("/start")).only(SendMessage)

    assert welcome.text.startswith(tg.english(welcome_text, language="bg"))
    data = [b.callback_data for b in buttons(welcome.reply_markup)]
    assert data == ["lang:bg", "lang:en", "lang:tr"]
    assert tg.language_of(hans.user_id) is None


async def test_until_a_language_is_chosen_forms_are_shown_in_the_default_language(
    tg: Telegram,
) -> None:
    hans = Person(tg, 1003, language_code="de")

    question = (await start_event_form(hans)).only(SendMessage)

    assert text_of(EVENT, "title", "bg") in question.text
    assert text_of(EVENT, "overall", "bg") in question.text


async def test_choosing_a_language_stores_it_and_the_bot_speaks_it_from_then_on(
    tg: Telegram,
) -> None:
    hans = Person(tg, 1003, language_code="de")
    await hans.say("/start")
    welcome = hans.screen

    calls = await hans.tap("English")

    assert not calls.callback_answer.show_alert
    edit = calls.one(EditMessageText)
    assert edit.message_id == welcome.message_id
    assert "English" in shown(edit)
    assert calls.message_calls == 1
    assert tg.language_of(hans.user_id) == "en"

    question = (await start_event_form(hans)).only(SendMessage)
    assert text_of(EVENT, "title", "en") in question.text
    assert text_of(EVENT, "overall", "en") in question.text


async def test_a_language_button_the_bot_does_not_offer_is_refused_quietly(
    tg: Telegram,
) -> None:
    hans = Person(tg, 1003, language_code="de")
    await hans.say("/start")

    calls = await hans.press("lang:de")

    calls.only(AnswerCallbackQuery)
    assert tg.language_of(hans.user_id) is None


# --- answering a form -----------------------------------------------------------------------


async def test_a_form_link_sends_one_message_with_title_first_question_and_five_ratings(
    tg: Telegram, ana: Person
) -> None:
    message = (await start_event_form(ana)).only(SendMessage)

    assert text_of(EVENT, "title") in message.text
    assert text_of(EVENT, "overall") in message.text
    assert labels(message.reply_markup) == ["1", "2", "3", "4", "5"]
    data = [AnswerCb.unpack(b.callback_data or "") for b in buttons(message.reply_markup)]
    assert {(d.question, d.kind) for d in data} == {(0, AnswerKind.VALUE)}
    assert [d.value for d in data] == ["1", "2", "3", "4", "5"]
    (response,) = tg.responses("event-satisfaction")
    assert {d.response for d in data} == {response.id}
    assert response.state == ResponseState.IN_PROGRESS


async def test_pressing_a_rating_edits_the_question_message_into_the_next_question(
    tg: Telegram, ana: Person
) -> None:
    await start_event_form(ana)
    question = ana.screen

    calls = await ana.tap("4")

    assert not calls.callback_answer.show_alert
    edit = calls.one(EditMessageText)
    assert (edit.chat_id, edit.message_id) == (ana.user_id, question.message_id)
    assert text_of(EVENT, "recommend") in shown(edit)
    assert labels(edit.reply_markup) == [str(n) for n in range(11)]
    assert calls.of(SendMessage) == []
    assert ana.answers() == {"overall": 4}


async def test_every_answer_costs_at_most_one_message_call(tg: Telegram, ana: Person) -> None:
    await start_event_form(ana)
    steps = [
        ("tap", "2"),
        ("tap", "7"),
        ("tap", "Discussion with experts"),
        ("tap", "Materials provided"),
        ("tap", "Done"),
        ("tap", "4"),
        ("say", "Start on time, please."),  # the comment: asked because overall <= 3
        ("tap", "Skip"),
    ]
    for action, value in steps:
        calls = await (ana.tap(value) if action == "tap" else ana.say(value))
        assert calls.message_calls <= 1, (action, value, calls.requests)

    assert ana.answers() == {
        "overall": 2,
        "recommend": 7,
        "most_useful": ("discussion", "materials"),
        "organisation": 4,
        "comment": "Start on time, please.",
        "suggestion": None,
    }


async def test_ticking_an_option_redraws_only_the_keyboard(tg: Telegram, ana: Person) -> None:
    await reach_most_useful(ana)
    question = ana.screen

    ticked = (await ana.tap("Discussion with experts")).one(EditMessageReplyMarkup)
    assert ticked.message_id == question.message_id
    assert "✅ Discussion with experts" in labels(ticked.reply_markup)
    assert ana.screen.text == question.text

    unticked = (await ana.tap("Discussion with experts")).one(EditMessageReplyMarkup)
    assert not any(label.startswith("✅") for label in labels(unticked.reply_markup))
    assert "most_useful" not in ana.answers()


async def test_a_tick_on_a_message_that_cannot_be_edited_shows_the_question_anew(
    tg: Telegram, ana: Person
) -> None:
    await reach_most_useful(ana)
    data = button(ana.screen, "Materials").callback_data or ""

    calls = await ana.press(data, message_id=404)  # a message Telegram no longer has

    (question,) = calls.of(SendMessage)  # after the edit Telegram refused
    assert text_of(EVENT, "most_useful") in question.text
    assert "✅ Materials provided" in labels(question.reply_markup)
    assert tg.conversation(ana.user_id) is not None


async def test_a_tick_beyond_the_maximum_is_refused_with_an_alert(
    tg: Telegram, ana: Person
) -> None:
    await reach_most_useful(ana)
    await ana.tap("Information presented")
    await ana.tap("Discussion with experts")
    keyboard = ana.screen.reply_markup

    calls = await ana.tap("Materials provided")

    alert = calls.only(AnswerCallbackQuery)
    assert alert.show_alert is True
    assert alert.text == tg.refusal(RefusalReason.TOO_MANY_CHOICES, max=2)
    assert ana.screen.reply_markup == keyboard
    assert "most_useful" not in ana.answers()


async def test_done_without_a_tick_is_refused_with_an_alert(tg: Telegram, ana: Person) -> None:
    await reach_most_useful(ana)

    calls = await ana.tap("Done")

    alert = calls.only(AnswerCallbackQuery)
    assert alert.show_alert is True
    assert alert.text == tg.refusal(RefusalReason.TOO_FEW_CHOICES, min=1)
    assert "most_useful" not in ana.answers()


async def test_done_stores_the_ticked_options_in_flow_order(tg: Telegram, ana: Person) -> None:
    await reach_most_useful(ana)
    await ana.tap("Materials provided")
    await ana.tap("Information presented")

    calls = await ana.tap("Done")

    assert text_of(EVENT, "organisation") in shown(calls.one(EditMessageText))
    assert ana.answers()["most_useful"] == ("information", "materials")


async def test_a_typed_answer_is_stored_and_the_next_question_comes_as_a_new_message(
    tg: Telegram, ana: Person
) -> None:
    await reach_most_useful(ana, overall="2")
    await ana.tap("Answers to my questions")
    await ana.tap("Done")
    await ana.tap("3")

    calls = await ana.say("  More time for questions.  ")

    message = calls.only(SendMessage)
    assert text_of(EVENT, "suggestion") in message.text
    assert labels(message.reply_markup) == ["Skip"]
    assert ana.answers()["comment"] == "More time for questions."


async def test_skip_on_an_optional_question_stores_none(tg: Telegram, ana: Person) -> None:
    await reach_most_useful(ana, overall="1")
    await ana.tap("Answers to my questions")
    await ana.tap("Done")
    await ana.tap("3")

    calls = await ana.tap("Skip")

    assert text_of(EVENT, "suggestion") in shown(calls.one(EditMessageText))
    answers = ana.answers()
    assert "comment" in answers
    assert answers["comment"] is None


async def test_finishing_shows_the_outro_and_removes_the_keyboard(
    tg: Telegram, ana: Person
) -> None:
    await reach_suggestion(ana)
    response_id = ana.response_id

    calls = await ana.tap("Skip")

    edit = calls.one(EditMessageText)
    assert text_of(EVENT, "outro") in shown(edit)
    assert edit.reply_markup is None
    assert ana.screen.reply_markup is None
    (response,) = tg.responses("event-satisfaction")
    assert response.state == ResponseState.COMPLETED
    assert response.completed_at is not None
    assert tg.conversation(ana.user_id) is None
    assert tg.answers(response_id) == {
        "overall": 5,
        "recommend": 9,
        "most_useful": ("information",),
        "organisation": 4,
        "suggestion": None,
    }


async def test_a_form_answered_before_is_refused_as_already_answered(
    tg: Telegram, ana: Person
) -> None:
    await reach_suggestion(ana)
    await ana.tap("Skip")

    calls = await start_event_form(ana)

    assert "already answered" in calls.only(SendMessage).text
    assert len(tg.responses("event-satisfaction")) == 1


async def test_a_repeatable_form_can_be_answered_twice(tg: Telegram, ana: Person) -> None:
    for message in ("The bench in the park is broken.", "Thank you for fixing it!"):
        await ana.say("/start f_general-feedback")
        await ana.tap("Parks and public spaces")
        await ana.say(message)
        await ana.tap("No")
        assert text_of(GENERAL, "outro") in shown(ana.screen)

    first, second = tg.responses("general-feedback")
    assert first.state == second.state == ResponseState.COMPLETED
    assert tg.answers(first.id or 0)["message"] == "The bench in the park is broken."
    assert tg.answers(second.id or 0) == {
        "topic": "parks_public_spaces",
        "message": "Thank you for fixing it!",
        "contact_consent": False,
    }


# --- buttons that are old, forged or broken ---------------------------------------------------


async def test_a_press_whose_answer_telegram_refuses_as_too_late_still_moves_the_form_on(
    tg: Telegram, ana: Person
) -> None:
    # The press waited in Telegram's queue (the bot restarted, or a burst of 429s): Telegram
    # no longer takes the answer to it, but the citizen must still see the next question.
    await start_event_form(ana)
    tg.api.refuse_press_answers = (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )

    calls = await ana.tap("4")  # the harness fails when a handler raised

    assert text_of(EVENT, "recommend") in shown(calls.one(EditMessageText))
    assert ana.answers() == {"overall": 4}


async def test_a_stale_button_only_answers_the_query(tg: Telegram, ana: Person) -> None:
    await start_event_form(ana)
    first = ana.screen
    old_rating = button(first, "3").callback_data
    assert old_rating is not None
    await ana.tap("5")

    calls = await ana.press(old_rating, first.message_id)

    assert not calls.only(AnswerCallbackQuery).show_alert
    assert ana.answers() == {"overall": 5}


async def test_forged_data_for_another_citizens_response_changes_nothing_for_either(
    tg: Telegram, ana: Person, boris: Person
) -> None:
    await start_event_form(ana)
    await ana.tap("2")
    await start_event_form(boris)
    forged = AnswerCb(response=ana.response_id, question=1, kind=AnswerKind.VALUE, value="0").pack()

    calls = await boris.press(forged)

    calls.only(AnswerCallbackQuery)
    assert ana.answers() == {"overall": 2}
    assert boris.answers() == {}
    ana_conversation = tg.conversation(ana.user_id)
    assert ana_conversation is not None
    assert ana_conversation.response_id == ana.response_id


def _random_text(seed: int) -> str:
    alphabet = string.ascii_letters + string.digits + string.punctuation
    return "".join(random.Random(seed).choices(alphabet, k=64))


@pytest.mark.parametrize(
    "data",
    [
        "a:x",
        "a:1:2",
        "zzz",
        "a:1:0:v:1:2:3",
        "a:1:0:o:x",
        "a::::",
        "form:abc",
        "lang:",
        pytest.param(_random_text(1), id="random-1"),
        pytest.param(_random_text(2), id="random-2"),
        pytest.param(_random_text(3), id="random-3"),
    ],
)
async def test_malformed_callback_data_is_answered_quietly_and_stores_nothing(
    tg: Telegram, ana: Person, data: str
) -> None:
    await start_event_form(ana)
    await ana.tap("3")

    calls = await ana.press(data)

    assert not calls.only(AnswerCallbackQuery).show_alert
    assert ana.answers() == {"overall": 3}


@pytest.mark.parametrize(("kind", "position"), [("t", 2), ("o", 0)])
async def test_callback_data_with_a_superscript_digit_is_answered_quietly(
    tg: Telegram, ana: Person, kind: str, position: int
) -> None:
    await reach_most_useful(ana)
    forged = AnswerCb(
        response=ana.response_id, question=position, kind=AnswerKind(kind), value="²"
    ).pack()

    calls = await ana.press(forged)

    assert not calls.only(AnswerCallbackQuery).show_alert
    assert "most_useful" not in ana.answers()


@pytest.mark.parametrize("version", ["3000000000", "9" * 30], ids=["over-int32", "over-int64"])
async def test_a_form_button_with_an_out_of_range_version_id_is_answered_quietly(
    tg: Telegram, ana: Person, version: str
) -> None:
    await ana.say("/feedback")

    calls = await ana.press(f"form:{version}")  # the harness fails when a handler raised

    assert len(calls.of(AnswerCallbackQuery)) == 1
    assert tg.count(Response) == 0


# --- anything that is not an answer -----------------------------------------------------------


@pytest.mark.parametrize("send", [Person.send_sticker, Person.send_photo])
async def test_a_sticker_or_photo_mid_form_shows_the_question_again_with_a_notice(
    tg: Telegram, ana: Person, send: Any
) -> None:
    await start_event_form(ana)
    await ana.tap("4")
    question = ana.screen

    calls = await send(ana)

    again = calls.only(SendMessage)
    notice, question_text = again.text.split("\n\n")
    assert notice.startswith("<i>")
    assert text_of(EVENT, "recommend") in question_text
    assert again.reply_markup == question.reply_markup
    assert ana.answers() == {"overall": 4}


async def test_text_typed_for_a_button_question_is_refused_and_the_question_shown_again(
    tg: Telegram, ana: Person
) -> None:
    await start_event_form(ana)

    calls = await ana.say("pretty good")

    again = calls.only(SendMessage)
    assert tg.refusal(RefusalReason.NEEDS_BUTTON) in again.text
    assert text_of(EVENT, "overall") in again.text
    assert labels(again.reply_markup) == ["1", "2", "3", "4", "5"]
    assert tg.count(Answer) == 0


async def test_an_over_long_text_is_refused_and_nothing_is_stored(
    tg: Telegram, ana: Person
) -> None:
    await reach_suggestion(ana)

    calls = await ana.say("x" * 2001)

    again = calls.only(SendMessage)
    assert tg.refusal(RefusalReason.TOO_LONG, max=2000, length=2001) in again.text
    assert text_of(EVENT, "suggestion") in again.text
    assert "suggestion" not in ana.answers()

    await ana.say("y" * 2000)
    assert ana.answers()["suggestion"] == "y" * 2000


async def test_a_number_question_reads_a_decimal_comma_and_refuses_words(
    tg: Telegram, ana: Person
) -> None:
    flow = Flow.model_validate(
        {
            "id": "commute",
            "title": {"en": "Your commute"},
            "languages": ["en"],
            "questions": [
                {"id": "distance", "type": "number", "min": 0, "max": 100,
                 "text": {"en": "How many kilometres do you travel to work?"}},
                {"id": "by_bus", "type": "yes_no", "text": {"en": "Do you take the bus?"}},
            ],
        }
    )  # fmt: skip
    with tg.sessions() as session:
        publish_flow(session, flow)
        session.commit()
    await ana.say("/start f_commute")
    (response,) = tg.responses("commute")
    response_id = response.id or 0

    refused = (await ana.say("abc")).only(SendMessage)
    assert tg.refusal(RefusalReason.NOT_A_NUMBER) in refused.text
    assert tg.answers(response_id) == {}

    accepted = (await ana.say("2,5")).only(SendMessage)
    assert "Do you take the bus?" in accepted.text
    assert tg.answers(response_id) == {"distance": 2.5}


# --- Telegram delivering an update again ------------------------------------------------------


async def test_a_button_press_delivered_twice_stores_one_answer_and_replies_once(
    tg: Telegram, ana: Person
) -> None:
    await start_event_form(ana)
    data = button(ana.screen, "4").callback_data or ""
    update = as_update(
        tg.bot, callback_update(tg.next_update_id(), ana.user_id, data, ana.screen.message_id)
    )

    first = await tg.deliver_update(update)
    second = await tg.deliver_update(update)

    assert len(first.of(AnswerCallbackQuery)) == 1
    assert first.message_calls == 1
    assert second.requests == []
    assert ana.answers() == {"overall": 4}
    assert tg.count(Answer) == 1


async def test_a_text_answer_delivered_twice_stores_one_answer_and_replies_once(
    tg: Telegram, ana: Person
) -> None:
    await reach_suggestion(ana)
    update = as_update(tg.bot, message_update(tg.next_update_id(), ana.user_id, "More chairs"))

    first = await tg.deliver_update(update)
    second = await tg.deliver_update(update)

    assert first.message_calls == 1
    assert second.requests == []
    (response,) = tg.responses("event-satisfaction")
    assert tg.answers(response.id or 0)["suggestion"] == "More chairs"
    assert response.state == ResponseState.COMPLETED


async def test_a_press_given_to_two_replicas_at_the_same_moment_is_answered_once_quietly(
    tg: Telegram, ana: Person, database_url: str, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Both replicas pass the first look (update unseen, same question open); the answer
    row of the one that writes second clashes with the first's, and it drops the update
    without a word: no apology, no second edit."""
    await start_event_form(ana)
    other = Telegram(database_url, unit_sessions(create_db_engine(database_url)))
    other.api, other.bot = tg.api, tg.bot  # the same Telegram on the other side
    press = callback_update(
        tg.next_update_id(), ana.user_id, button(ana.screen, "4").callback_data or "",
        ana.screen.message_id,
    )  # fmt: skip
    by_the_other: list[Calls] = []

    def the_other_answers_first(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # This replica has read the open question and is about to store the answer: the
        # other one handles the same press meanwhile, on its own thread and event loop.
        if statement.startswith("INSERT INTO answer ") and not by_the_other:
            with ThreadPoolExecutor(1) as thread:
                by_the_other.append(thread.submit(asyncio.run, other.deliver(press)).result())

    caplog.set_level(logging.INFO, logger="civic_feedback.bot.units")
    before = len(tg.api.requests)
    event.listen(engine, "before_cursor_execute", the_other_answers_first)
    try:
        await tg.deliver(press)
    finally:
        event.remove(engine, "before_cursor_execute", the_other_answers_first)
        other.close()

    (handled,) = by_the_other
    assert handled.message_calls == 1  # the other replica moved the form on, once
    assert tg.api.requests[before:] == handled.requests  # this one added nothing
    assert ana.answers() == {"overall": 4}
    assert "update_duplicate" in caplog.text


async def test_start_after_stop_subscribes_the_citizen_again(tg: Telegram, ana: Person) -> None:
    # The citizen comes from the arrival look-up; /start changes it with no explicit add.
    await ana.say("/stop")
    stopped = tg.citizen(ana.user_id)

    await ana.say("/start")

    again = tg.citizen(ana.user_id)
    assert stopped is not None
    assert stopped.opted_out
    assert again is not None
    assert not again.opted_out


# --- links and the list of forms --------------------------------------------------------------


async def test_start_with_a_garbage_payload_says_the_link_is_not_valid(
    tg: Telegram, ana: Person
) -> None:
    message = (await ana.say("/start garbage")).only(SendMessage)

    assert "not valid" in message.text
    assert message.reply_markup is None
    assert tg.count(Response) == 0


async def test_start_with_an_unknown_form_says_the_form_is_not_open(
    tg: Telegram, ana: Person
) -> None:
    message = (await ana.say("/start f_unknown-form")).only(SendMessage)

    assert "not open" in message.text
    assert message.reply_markup is None
    assert tg.count(Response) == 0


async def test_feedback_lists_only_the_forms_that_are_listed(tg: Telegram, ana: Person) -> None:
    message = (await ana.say("/feedback")).only(SendMessage)

    assert labels(message.reply_markup) == [
        text_of(SURVEY, "title"),
        text_of(GENERAL, "title"),
    ]
    assert all((b.callback_data or "").startswith("form:") for b in buttons(message.reply_markup))


async def test_choosing_a_form_from_the_list_edits_the_list_into_its_first_question(
    tg: Telegram, ana: Person
) -> None:
    await ana.say("/feedback")
    listing = ana.screen

    calls = await ana.tap(text_of(GENERAL, "title"))

    assert len(calls.of(AnswerCallbackQuery)) == 1
    assert calls.message_calls == 1
    edit = calls.one(EditMessageText)
    assert edit.message_id == listing.message_id
    assert text_of(GENERAL, "title") in shown(edit)
    assert text_of(GENERAL, "topic") in shown(edit)
    assert "Roads and transport" in labels(edit.reply_markup)
    (response,) = tg.responses("general-feedback")
    assert response.state == ResponseState.IN_PROGRESS


# --- anonymous forms --------------------------------------------------------------------------


async def complete_consultation_survey(person: Person) -> int:
    await person.say("/start f_consultation-survey")
    response_id = person.response_id
    await person.tap("Citizen")
    await person.tap("Skip")  # where they live is optional
    await person.tap("Parks and green areas")
    await person.tap("Done")
    await person.tap("3")
    await person.tap("Yes")
    await person.say("More benches, please.")
    assert text_of(SURVEY, "outro") in shown(person.screen)
    return response_id


async def test_a_completed_anonymous_response_keeps_no_link_to_the_citizen(
    tg: Telegram, ana: Person
) -> None:
    response_id = await complete_consultation_survey(ana)

    (response,) = tg.responses("consultation-survey")
    assert response.id == response_id
    assert response.state == ResponseState.COMPLETED
    assert response.citizen_id is None
    assert tg.conversation(ana.user_id) is None
    assert tg.count(Conversation) == 0
    assert tg.answers(response_id)["priorities"] == ("parks",)
    with tg.sessions() as session:
        (receipt,) = session.exec(select(AnonymousReceipt)).all()
    assert str(ana.user_id) not in receipt.key


async def test_an_anonymous_form_cannot_be_answered_twice(tg: Telegram, ana: Person) -> None:
    await complete_consultation_survey(ana)

    calls = await ana.say("/start f_consultation-survey")

    assert "already answered" in calls.only(SendMessage).text
    assert len(tg.responses("consultation-survey")) == 1


# --- restarts ---------------------------------------------------------------------------------


async def test_a_new_dispatcher_on_the_same_database_continues_the_form(
    tg: Telegram, ana: Person
) -> None:
    await reach_most_useful(ana)  # two answers given

    tg.restart()
    ticked = (await ana.tap("Meeting other citizens")).one(EditMessageReplyMarkup)
    calls = await ana.tap("Done")

    assert "✅ Meeting other citizens" in labels(ticked.reply_markup)
    assert text_of(EVENT, "organisation") in shown(calls.one(EditMessageText))
    assert ana.answers() == {
        "overall": 5,
        "recommend": 9,
        "most_useful": ("meeting_citizens",),
    }


async def test_options_ticked_before_a_restart_are_still_ticked_after_it(
    tg: Telegram, ana: Person
) -> None:
    await reach_most_useful(ana)
    await ana.tap("Materials provided")

    tg.restart()
    await ana.tap("Done")

    assert ana.answers()["most_useful"] == ("materials",)


# --- when forms take answers -----------------------------------------------------------------

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 12:00 in Sofia (TIMEZONE)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def timed(
    database_url: str, sessions: sessionmaker[Session], clock: FakeClock
) -> AsyncIterator[Telegram]:
    """The bot as ``tg`` builds it, on a clock the test moves."""
    with sessions() as session:
        install_library(session)
        session.commit()
    async with watched(Telegram(database_url, sessions, clock=clock)) as telegram:
        yield telegram


def set_window(tg: Telegram, flow_id: str, window: FormWindow) -> None:
    with tg.sessions() as session:
        set_form_window(session, flow_id, window)
        session.commit()


async def test_feedback_lists_only_the_forms_open_now(timed: Telegram, clock: FakeClock) -> None:
    ana = Person(timed, 1001)
    set_window(timed, "consultation-survey", FormWindow(opens_at=NOW + HOUR))
    set_window(timed, "general-feedback", FormWindow(closes_at=NOW))

    none_open = (await ana.say("/feedback")).only(SendMessage)
    clock.move_to(NOW + HOUR)
    one_open = (await ana.say("/feedback")).only(SendMessage)

    assert none_open.text == "No forms are open right now. Please come back later."
    assert none_open.reply_markup is None
    assert labels(one_open.reply_markup) == [text_of(SURVEY, "title")]


@pytest.mark.parametrize(
    ("language_code", "says"),
    [
        ("en", "This form opens on 05.12.2026 at 18:00."),
        ("bg", "Тази анкета ще бъде отворена на 05.12.2026 в 18:00 ч."),
        ("tr", "Bu anket 05.12.2026 tarihinde, saat 18:00 itibarıyla açılacak."),
    ],
)
async def test_a_link_to_a_form_not_open_yet_says_when_it_opens_in_local_time(
    timed: Telegram, language_code: str, says: str
) -> None:
    citizen = Person(timed, 1001, language_code=language_code)
    set_window(
        timed, "general-feedback", FormWindow(opens_at=datetime(2026, 12, 5, 16, 0, tzinfo=UTC))
    )

    message = (await citizen.say("/start f_general-feedback")).only(SendMessage)

    assert message.text == says
    assert message.reply_markup is None
    assert timed.count(Response) == 0
    assert timed.conversation(citizen.user_id) is None


@pytest.mark.parametrize(
    ("closes_at", "says"),
    [
        (NOW - 2 * HOUR, "This form closed on 04.12.2026 at 10:00."),
        # Written "closes: 2026-12-03" (a date alone): closed at the end of that day.
        (
            window_bound(date(2026, 12, 3), SOFIA, closing=True),
            "This form closed on 03.12.2026 at 24:00.",
        ),
    ],
)
async def test_a_link_to_a_closed_form_says_when_it_closed(
    timed: Telegram, closes_at: datetime, says: str
) -> None:
    ana = Person(timed, 1001)
    set_window(timed, "event-satisfaction", FormWindow(closes_at=closes_at))

    message = (await start_event_form(ana)).only(SendMessage)

    assert message.text == says
    assert timed.count(Response) == 0


async def test_a_form_chosen_from_the_list_after_it_closed_says_so_in_one_message(
    timed: Telegram, clock: FakeClock
) -> None:
    ana = Person(timed, 1001)
    set_window(timed, "general-feedback", FormWindow(closes_at=NOW + HOUR))
    await ana.say("/feedback")
    clock.move_to(NOW + HOUR)

    calls = await ana.tap(text_of(GENERAL, "title"))

    assert calls.message_calls == 1
    assert calls.one(SendMessage).text == "This form closed on 04.12.2026 at 13:00."
    assert timed.count(Response) == 0


async def test_a_citizen_mid_form_when_it_closes_keeps_the_answers_and_is_told_once_in_place(
    timed: Telegram, clock: FakeClock
) -> None:
    ana = Person(timed, 1001)
    set_window(timed, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    await start_event_form(ana)
    await ana.tap("4")
    question = ana.screen
    late_nine = button(question, "9").callback_data
    assert late_nine is not None
    clock.move_to(NOW + HOUR)

    calls = await ana.tap("9")
    again = await ana.press(late_nine, question.message_id)

    assert calls.message_calls == 1
    edit = calls.one(EditMessageText)
    assert edit.message_id == question.message_id
    assert edit.text == (
        "This form closed on 04.12.2026 at 13:00. Your answers so far are kept. Thank you!"
    )
    assert edit.reply_markup is None
    assert calls.callback_answer.text is None  # the notice is the message, not an alert
    (response,) = timed.responses("event-satisfaction")
    assert response.state == ResponseState.INCOMPLETE
    assert response.completed_at is None
    assert ana.answers() == {"overall": 4}  # the late 9 is not stored
    assert timed.conversation(ana.user_id) is None
    assert again.only(AnswerCallbackQuery).text == "This button is no longer active."


async def test_a_typed_answer_after_the_close_is_not_stored_and_the_citizen_is_told(
    timed: Telegram, clock: FakeClock
) -> None:
    ana = Person(timed, 1001)
    set_window(timed, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    await reach_most_useful(ana, overall="2")
    await ana.tap("Answers to my questions")
    await ana.tap("Done")
    await ana.tap("3")  # now on the comment, a typed answer
    clock.move_to(NOW + 3 * HOUR)

    calls = await ana.say("More time for questions.")
    afterwards = await ana.say("Another thought.")

    assert calls.only(SendMessage).text == (
        "This form closed on 04.12.2026 at 13:00. Your answers so far are kept. Thank you!"
    )
    assert "comment" not in ana.answers()
    assert set(ana.answers()) == {"overall", "recommend", "most_useful", "organisation"}
    assert (timed.responses("event-satisfaction")[0]).state == ResponseState.INCOMPLETE
    assert all("closed" not in m.text for m in afterwards.of(SendMessage))  # told once


async def test_a_form_whose_window_holds_now_is_answered_as_any_other(
    timed: Telegram, clock: FakeClock
) -> None:
    ana = Person(timed, 1001)
    set_window(timed, "event-satisfaction", FormWindow(NOW - HOUR, NOW + HOUR))

    await start_event_form(ana)
    await answer_the_form(ana)

    (response,) = timed.responses("event-satisfaction")
    assert response.state == ResponseState.COMPLETED


# --- building the dispatcher ------------------------------------------------------------------


def test_the_dispatcher_can_be_built_twice_in_one_process(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    settings = Settings(
        _env_file=None, bot_token="42:TEST", pseudonym_key=PSEUDONYM_KEY, database_url=database_url
    )
    built = [
        create_dispatcher(
            settings=settings,
            sessions=sessions,
            runs=FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode()),
            i18n=create_i18n("bg"),
        )
        for _ in range(2)
    ]

    assert built[0].sub_routers[0] is not built[1].sub_routers[0]
