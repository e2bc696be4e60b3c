"""Events in the bot: cards, registration, the calendar file, check-in, the event's form.

The real dispatcher (as tests/integration/test_forms_bot.py builds it) is fed updates in-process and
its Bot API calls are recorded; the clock is a fake the test sets, so "upcoming" and the
reminders do not depend on today's date.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendDocument, SendMessage
from aiogram.types import BufferedInputFile
from icalendar import Calendar
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.handlers.events import registration_notice
from civic_feedback.core.event_schedule import FollowUpPolicy
from civic_feedback.core.form_windows import FormWindow
from civic_feedback.services.event_changes import EventChanges
from civic_feedback.services.notifications import claim_due
from civic_feedback.services.registrations import Outcome, Registrar
from civic_feedback.storage.flow_versions import install_library, set_form_window
from civic_feedback.storage.models import (
    Citizen,
    Event,
    NotificationKind,
    Registration,
    RegistrationStatus,
    Response,
    ResponseState,
)
from tests.support.library import EVENT, text_of
from tests.support.people import Person, answer_the_form
from tests.support.screens import button, labels, shown
from tests.support.telegram import EventsTelegram, watched

SOFIA = ZoneInfo("Europe/Sofia")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[EventsTelegram]:
    with sessions() as session:
        install_library(session)
        session.commit()
    async with watched(EventsTelegram(database_url, sessions)) as telegram:
        yield telegram


@pytest.fixture
def ana(tg: EventsTelegram) -> Person:
    return Person(tg, 1001)


@pytest.fixture
def boris(tg: EventsTelegram) -> Person:
    return Person(tg, 1002)


# --- the event card ------------------------------------------------------------------------------


async def test_the_event_link_shows_the_card_with_register_and_calendar_buttons(
    tg: EventsTelegram, ana: Person
) -> None:
    event = tg.add_event()

    card = (await ana.say(f"/start ev_{event.code}")).only(SendMessage)

    assert "<b>Round table on the city budget</b>" in card.text
    assert "3 December 2026, 18:00–20:00" in card.text  # 16:00 UTC, on Sofia's clock
    assert "Town hall, room 2" in card.text
    assert "The 2027 budget, line by line." in card.text
    assert labels(card.reply_markup) == ["Register", "📅 Add to calendar", "« All events"]
    assert tg.status(event, ana) is None


async def test_a_link_to_an_unknown_event_says_it_is_not_valid(
    tg: EventsTelegram, ana: Person
) -> None:
    tg.add_event()

    for link in ("ev_abcdefgh", "ci_abcdefgh", "fb_abcdefgh", "ev_", "ev_NOT-A-CODE"):
        message = (await ana.say(f"/start {link}")).only(SendMessage)
        assert "not valid" in message.text
    assert tg.count(Registration) == 0
    assert tg.count(Response) == 0


async def test_register_registers_and_the_card_shows_it(tg: EventsTelegram, ana: Person) -> None:
    event = tg.add_event()
    await ana.say(f"/start ev_{event.code}")
    card = ana.screen

    calls = await ana.tap("Register")

    assert calls.callback_answer.text == tg.english(lambda: registration_notice(Outcome.REGISTERED))
    edit = calls.one(EditMessageText)
    assert edit.message_id == card.message_id
    assert "You are registered." in shown(edit)
    assert labels(edit.reply_markup)[0] == "Cancel my registration"
    assert tg.status(event, ana) == RegistrationStatus.REGISTERED


async def test_register_on_a_full_event_puts_the_citizen_on_the_waiting_list(
    tg: EventsTelegram, ana: Person, boris: Person
) -> None:
    event = tg.add_event(capacity=1)
    await boris.say(f"/start ev_{event.code}")
    await boris.tap("Register")
    await ana.say(f"/start ev_{event.code}")

    calls = await ana.tap("Register")

    assert calls.callback_answer.text == tg.english(lambda: registration_notice(Outcome.WAITLISTED))
    assert "You are on the waiting list." in shown(calls.one(EditMessageText))
    assert tg.status(event, ana) == RegistrationStatus.WAITLISTED


async def test_cancel_gives_the_place_up_and_the_card_offers_register_again(
    tg: EventsTelegram, ana: Person
) -> None:
    event = tg.add_event()
    await ana.say(f"/start ev_{event.code}")
    await ana.tap("Register")

    calls = await ana.tap("Cancel my registration")

    assert calls.callback_answer.text == "Your registration is cancelled."
    edit = calls.one(EditMessageText)
    assert "You are registered." not in shown(edit)
    assert labels(edit.reply_markup)[0] == "Register"
    assert tg.status(event, ana) == RegistrationStatus.CANCELLED


# --- the calendar file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "utc_offset"),
    [
        (datetime(2026, 12, 3, 18, 0), timedelta(hours=2)),  # winter time, EET
        (datetime(2027, 7, 1, 18, 0), timedelta(hours=3)),  # summer time, EEST
    ],
    ids=["winter", "summer"],
)
async def test_add_to_calendar_sends_an_ics_file_in_sofia_time(
    tg: EventsTelegram, ana: Person, starts: datetime, utc_offset: timedelta
) -> None:
    event = tg.add_event(starts=starts)
    await ana.say(f"/start ev_{event.code}")

    calls = await ana.tap("Add to calendar")

    sent = calls.one(SendDocument)
    assert sent.chat_id == ana.user_id
    assert isinstance(sent.document, BufferedInputFile)
    assert sent.document.filename == f"event-{event.code}.ics"
    calendar = Calendar.from_ical(sent.document.data)
    (entry,) = calendar.walk("VEVENT")
    assert entry["DTSTART"].params["TZID"] == "Europe/Sofia"
    assert entry["DTEND"].params["TZID"] == "Europe/Sofia"
    dtstart = entry.decoded("DTSTART")
    assert dtstart.replace(tzinfo=None) == starts
    assert dtstart.utcoffset() == utc_offset
    assert dtstart == event.starts_at
    assert entry.decoded("DTEND") == event.ends_at
    assert str(entry["SUMMARY"]) == "Round table on the city budget"
    assert str(entry["LOCATION"]) == "Town hall, room 2"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Sofia"]
    raw = sent.document.data.decode()
    assert f"DTSTART;TZID=Europe/Sofia:{starts:%Y%m%dT%H%M%S}" in raw


async def calendar_entry(person: Person, event: Event) -> Any:
    """The VEVENT of the file the card's Add to calendar sends now."""
    await person.say(f"/start ev_{event.code}")
    sent = (await person.tap("Add to calendar")).one(SendDocument)
    assert isinstance(sent.document, BufferedInputFile)
    (entry,) = Calendar.from_ical(sent.document.data).walk("VEVENT")
    return entry


async def test_after_a_reschedule_the_calendar_file_updates_the_entry_it_gave_before(
    tg: EventsTelegram, ana: Person
) -> None:
    event = tg.add_event()
    await ana.say(f"/start ev_{event.code}")
    await ana.tap("Register")
    before = await calendar_entry(ana, event)
    with tg.sessions() as session:
        stored = session.get(Event, event.id)
        assert stored is not None
        new_start = stored.starts_at + timedelta(days=7)
        changes = EventChanges(Registrar(FollowUpPolicy()), ())
        changes.reschedule(session, stored, new_start, None, tg.clock.now)

    after = await calendar_entry(ana, event)

    assert str(after["UID"]) == str(before["UID"]) == f"{event.code}@civic-feedback"
    assert (before.decoded("SEQUENCE"), after.decoded("SEQUENCE")) == (0, 1)
    assert after.decoded("DTSTART") == new_start
    assert after.decoded("DTEND") == new_start + timedelta(hours=2)


# --- check-in and the event's form ---------------------------------------------------------------


async def test_the_check_in_link_marks_a_registered_citizen_attended(
    tg: EventsTelegram, ana: Person
) -> None:
    event = tg.add_event()
    await ana.say(f"/start ev_{event.code}")
    await ana.tap("Register")
    tg.clock.now = event.starts_at - timedelta(minutes=5)

    message = (await ana.say(f"/start ci_{event.code}")).only(SendMessage)

    assert message.text.startswith("Welcome! You are checked in.")
    assert "You were there. Thank you!" in message.text
    assert tg.status(event, ana) == RegistrationStatus.ATTENDED


async def test_a_late_check_in_wakes_the_invitation_only_after_the_welcome_is_sent(
    tg: EventsTelegram, ana: Person
) -> None:
    event = tg.add_event()
    tg.clock.now = event.ends_at + timedelta(hours=1)  # the invitation is due at once
    before = len(tg.api.requests)

    message = (await ana.say(f"/start ci_{event.code}")).only(SendMessage)

    assert message.text.startswith("Welcome! You are checked in.")
    assert tg.wakes == [before + 1]  # the welcome went out first: it comes before the invitation


async def test_the_check_in_link_registers_on_the_spot_a_citizen_never_seen(
    tg: EventsTelegram, ana: Person, boris: Person
) -> None:
    event = tg.add_event(capacity=1)
    await boris.say(f"/start ev_{event.code}")
    await boris.tap("Register")  # the only place
    tg.clock.now = event.starts_at

    first = (await ana.say(f"/start ci_{event.code}")).only(SendMessage)
    again = (await ana.say(f"/start ci_{event.code}")).only(SendMessage)

    assert first.text.startswith("Welcome! You are checked in.")
    assert again.text.startswith("You are already checked in.")
    assert tg.status(event, ana) == RegistrationStatus.ATTENDED


async def test_the_feedback_link_opens_the_events_form_and_stores_the_answers_with_the_event(
    tg: EventsTelegram, ana: Person
) -> None:
    event = tg.add_event()
    tg.clock.now = event.ends_at + timedelta(minutes=1)

    question = (await ana.say(f"/start fb_{event.code}")).only(SendMessage)
    await answer_the_form(ana)

    assert text_of(EVENT, "overall") in question.text
    (response,) = tg.event_responses(ana)
    assert response.flow_id == "event-satisfaction"
    assert response.event_id == event.id
    assert response.state == ResponseState.COMPLETED


async def test_the_feedback_link_of_an_event_whose_form_closed_says_when_it_closed(
    tg: EventsTelegram, ana: Person
) -> None:
    event = tg.add_event()
    tg.clock.now = event.ends_at + timedelta(minutes=1)
    with tg.sessions() as session:
        closed = FormWindow(closes_at=datetime(2026, 11, 1, 10, 0, tzinfo=UTC))  # 12:00 Sofia
        set_form_window(session, "event-satisfaction", closed)
        session.commit()

    message = (await ana.say(f"/start fb_{event.code}")).only(SendMessage)

    assert message.text == "This form closed on 01.11.2026 at 12:00."
    assert tg.event_responses(ana) == []


async def test_the_same_form_can_be_answered_once_per_event(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation, panel = tg.add_event("Consultation"), tg.add_event("Citizen panel")
    await ana.say(f"/start fb_{consultation.code}")
    await answer_the_form(ana)

    second = (await ana.say(f"/start fb_{panel.code}")).only(SendMessage)
    await answer_the_form(ana)
    refused = (await ana.say(f"/start fb_{consultation.code}")).only(SendMessage)

    assert text_of(EVENT, "overall") in second.text
    assert "already answered" in refused.text
    responses = tg.event_responses(ana)
    assert [(r.event_id, r.state) for r in responses] == [
        (consultation.id, ResponseState.COMPLETED),
        (panel.id, ResponseState.COMPLETED),
    ]


# --- /events, /settings, /myevents ---------------------------------------------------------------


async def test_events_lists_upcoming_events_five_to_a_page(tg: EventsTelegram, ana: Person) -> None:
    for day in range(1, 8):
        tg.add_event(f"Event {day}", starts=datetime(2026, 12, day, 18, 0))
    tg.add_event("Already over", starts=datetime(2026, 11, 1, 10, 0))

    first = (await ana.say("/events")).only(SendMessage)
    listing = ana.screen
    calls = await ana.tap("▶")

    assert "page 1 of 2" in first.text
    assert labels(first.reply_markup) == [
        *(f"Event {day} · 0{day}.12" for day in range(1, 6)),
        "▶",
    ]
    edit = calls.one(EditMessageText)
    assert edit.message_id == listing.message_id
    assert "page 2 of 2" in shown(edit)
    assert labels(edit.reply_markup) == ["Event 6 · 06.12", "Event 7 · 07.12", "◀"]


async def test_an_event_in_the_list_opens_its_card(tg: EventsTelegram, ana: Person) -> None:
    event = tg.add_event("Open day")
    await ana.say("/events")

    calls = await ana.tap("Open day")

    edit = calls.one(EditMessageText)
    assert "<b>Open day</b>" in shown(edit)
    assert "Register" in labels(edit.reply_markup)
    assert tg.status(event, ana) is None


async def test_without_upcoming_events_events_says_so(tg: EventsTelegram, ana: Person) -> None:
    message = (await ana.say("/events")).only(SendMessage)

    assert "no upcoming events" in message.text
    assert message.reply_markup is None


async def test_events_shows_only_the_citizens_municipality_once_chosen_in_settings(
    tg: EventsTelegram, ana: Person
) -> None:
    tg.add_event("Parks in Sliven", municipality="Sliven")
    tg.add_event("Roads in Haskovo", municipality="Haskovo")
    before = (await ana.say("/events")).only(SendMessage)
    settings = (await ana.say("/settings")).only(SendMessage)

    saved = (await ana.tap("Haskovo")).one(EditMessageText)
    after = (await ana.say("/events")).only(SendMessage)

    assert [label.split(" · ")[0] for label in labels(before.reply_markup)] == [
        "Parks in Sliven",
        "Roads in Haskovo",
    ]
    assert labels(settings.reply_markup) == ["Sliven", "Haskovo", "All municipalities"]
    assert "Haskovo" in shown(saved)
    assert [label.split(" · ")[0] for label in labels(after.reply_markup)] == ["Roads in Haskovo"]
    assert after.text.startswith("Haskovo.")
    citizen = tg.citizen(ana.user_id)
    assert citizen is not None
    assert citizen.municipality == "Haskovo"


async def test_myevents_lists_the_citizens_registrations(
    tg: EventsTelegram, ana: Person, boris: Person
) -> None:
    sooner = tg.add_event("Sooner", starts=datetime(2026, 12, 1, 18, 0), capacity=1)
    later = tg.add_event("Later", starts=datetime(2026, 12, 9, 10, 0))
    given_up = tg.add_event("Given up", starts=datetime(2026, 12, 5, 10, 0))
    await boris.say(f"/start ev_{sooner.code}")
    await boris.tap("Register")
    for event in (later, sooner, given_up):
        await ana.say(f"/start ev_{event.code}")
        await ana.tap("Register")
    await ana.tap("Cancel my registration")

    message = (await ana.say("/myevents")).only(SendMessage)

    lines = message.text.splitlines()
    assert lines[1:] == [
        "• Sooner — 1 December 2026, 18:00–20:00 (waiting list)",
        "• Later — 9 December 2026, 10:00–12:00 (registered)",
    ]
    assert labels(message.reply_markup) == ["Sooner", "Later"]


async def test_myevents_without_registrations_points_to_events(
    tg: EventsTelegram, ana: Person
) -> None:
    message = (await ana.say("/myevents")).only(SendMessage)

    assert "/events" in message.text


# --- forged buttons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    ["ev:reg:abcdefgh", "ev:unreg:abcdefgh", "ev:ics:zzzzzzzz", "ev:reg:", "ev:reg:' or 1=1"],
)
async def test_a_forged_event_button_is_answered_quietly_and_changes_nothing(
    tg: EventsTelegram, ana: Person, data: str
) -> None:
    tg.add_event()
    await ana.say("/start")

    calls = await ana.press(data)

    answer = calls.only(AnswerCallbackQuery)
    assert not answer.show_alert
    assert tg.count(Registration) == 0


@pytest.mark.parametrize("data", ["evp:x", "evp:", "mun:7", "mun:-2", "mun:x"])
async def test_a_forged_page_or_municipality_button_is_answered_and_changes_nothing(
    tg: EventsTelegram, ana: Person, data: str
) -> None:
    tg.add_event()
    await ana.say("/events")

    calls = await ana.press(data)

    assert len(calls.of(AnswerCallbackQuery)) == 1
    citizen = tg.citizen(ana.user_id)
    assert citizen is None or citizen.municipality is None


# --- buttons whose answer is the screen already shown --------------------------------------------


async def press_twice(person: Person, label: str) -> None:
    """Two quick taps on the same button: the second press comes from the old keyboard."""
    message = person.screen
    data = button(message, label).callback_data
    assert data is not None
    await person.press(data, message.message_id)
    await person.press(data, message.message_id)


async def double_tap_register(tg: EventsTelegram, person: Person, event: Event) -> None:
    await person.say(f"/start ev_{event.code}")
    await press_twice(person, "Register")


async def double_tap_cancel(tg: EventsTelegram, person: Person, event: Event) -> None:
    await person.say(f"/start ev_{event.code}")
    await person.tap("Register")
    await press_twice(person, "Cancel my registration")


async def register_after_the_end(tg: EventsTelegram, person: Person, event: Event) -> None:
    await person.say(f"/start ev_{event.code}")
    tg.clock.now = event.ends_at + timedelta(minutes=1)
    await person.tap("Register")


async def double_tap_next_page(tg: EventsTelegram, person: Person, event: Event) -> None:
    for day in range(1, 7):
        tg.add_event(f"Event {day}", starts=datetime(2026, 12, day, 18, 0))
    await person.say("/events")
    await press_twice(person, "▶")


async def forged_page_before_the_first(tg: EventsTelegram, person: Person, event: Event) -> None:
    await person.say("/events")
    await person.press("evp:-3")


@pytest.mark.parametrize(
    "act",
    [
        double_tap_register,
        double_tap_cancel,
        register_after_the_end,
        double_tap_next_page,
        forged_page_before_the_first,
    ],
    ids=lambda act: act.__name__,
)
async def test_a_button_whose_answer_is_the_screen_already_shown_is_answered_without_error(
    tg: EventsTelegram,
    ana: Person,
    act: Callable[[EventsTelegram, Person, Event], Awaitable[None]],
) -> None:
    event = tg.add_event()

    await act(tg, ana, event)  # the harness fails when a handler raised

    sorry = "something went wrong"
    assert all(sorry not in (m.text or "") for m in tg.api.messages_in(ana.user_id))


# --- a citizen who blocked the bot and came back -------------------------------------------------


async def test_a_citizen_who_blocked_the_bot_and_comes_back_gets_reminders_again(
    tg: EventsTelegram, ana: Person
) -> None:
    await ana.say("/start")
    with tg.sessions() as session:
        citizen = session.exec(select(Citizen).where(Citizen.telegram_id == ana.user_id)).one()
        citizen.unreachable = True  # a 403 while they had blocked the bot
        session.add(citizen)
        session.commit()
    event = tg.add_event()

    await ana.say(f"/start ev_{event.code}")  # unblocked the bot, came back
    await ana.tap("Register")

    with tg.sessions() as session:
        due = event.starts_at - timedelta(hours=24)
        claimed = claim_due(session, due, lambda *_: False).to_send
        session.commit()
    assert [c.kind for c in claimed] == [NotificationKind.REMINDER]
