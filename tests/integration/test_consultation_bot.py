"""Public consultations in the bot: the card and its link, proposals with a file or photo,
following, and what happens to a proposal sent after the close.

The real dispatcher is fed updates in-process and its Bot API calls are recorded (as in
tests/integration/test_event_bot.py); the clock is a fake the test moves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram.methods import EditMessageText, SendDocument, SendMessage
from aiogram.types import BufferedInputFile
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    Citizen,
    Consultation,
    ConsultationFollower,
    InboxItem,
    Proposal,
    ProposalDraft,
    Response,
    ResponseState,
)
from tests.support.people import Person
from tests.support.screens import button, labels, shown
from tests.support.telegram import EventsTelegram, watched

PDF = b"%PDF-1.4\n% the draft act\n"


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


def followers(tg: EventsTelegram, consultation: Consultation) -> list[ConsultationFollower]:
    with tg.sessions() as session:
        statement = select(ConsultationFollower).where(
            ConsultationFollower.consultation_id == consultation.id
        )
        return list(session.exec(statement))


# --- the card, the link and the list -------------------------------------------------------


async def test_the_link_opens_the_card_with_the_term_and_what_a_citizen_can_do(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation(
        closes=timedelta(days=29, hours=1),
        document_url="https://sliven.bg/draft.pdf",
        flow_id="event-satisfaction",
        municipality="Sliven",
    )

    card = (await ana.say(f"/start co_{consultation.code}")).only(SendMessage)

    assert "<b>Ordinance on parking</b>" in card.text
    assert "Sliven" in card.text
    assert "Paid parking zones in the centre." in card.text
    assert "days left: 30" in card.text  # 29 days and an hour: a started day counts
    assert labels(card.reply_markup) == [
        "📄 Read the draft",
        "✍️ Send a proposal",
        "📝 Answer the questionnaire",
        "🔔 Follow",
        "« All consultations",
    ]
    assert button(ana.screen, "Read the draft").url == "https://sliven.bg/draft.pdf"


async def test_a_link_to_no_consultation_is_not_valid_and_stores_nothing(
    tg: EventsTelegram, ana: Person
) -> None:
    tg.add_consultation()

    for link in ("co_abcdefgh", "co_", "co_NOT-A-CODE", "co_" + "x" * 60):
        message = (await ana.say(f"/start {link}")).only(SendMessage)
        assert "not valid" in message.text
    assert tg.count(ProposalDraft) == 0
    assert tg.count(ConsultationFollower) == 0


async def test_the_list_shows_open_ones_only_the_citizens_municipality_first(
    tg: EventsTelegram, ana: Person
) -> None:
    tg.add_consultation("Budget 2027", closes=timedelta(days=10))
    tg.add_consultation("Haskovo parks", closes=timedelta(days=40), municipality="Haskovo")
    tg.add_consultation("Not yet", opens=timedelta(days=2), closes=timedelta(days=40))
    tg.add_consultation("Closed", opens=timedelta(days=-40), closes=timedelta(days=-1))
    with tg.sessions() as session:
        await ana.say("/start")
        citizen = session.exec(select(Citizen).where(Citizen.telegram_id == ana.user_id)).one()
        citizen.municipality = "Haskovo"
        session.add(citizen)
        session.commit()

    listed = (await ana.say("/consultations")).only(SendMessage)

    assert labels(listed.reply_markup) == [
        "Haskovo parks · days left: 40",
        "Budget 2027 · days left: 10",
    ]
    card = (await ana.tap("Budget 2027")).one(EditMessageText)
    assert "<b>Budget 2027</b>" in shown(card)


async def test_with_nothing_open_the_list_says_so(tg: EventsTelegram, ana: Person) -> None:
    tg.add_consultation("Closed", opens=timedelta(days=-40), closes=timedelta(days=-1))

    message = (await ana.say("/consultations")).only(SendMessage)

    assert "no open consultations" in message.text
    assert message.reply_markup is None


async def test_a_closed_card_says_when_the_report_comes_and_takes_no_proposal(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation(opens=timedelta(days=-40), closes=timedelta(days=-1))

    card = (await ana.say(f"/start co_{consultation.code}")).only(SendMessage)

    assert "This consultation closed on" in card.text
    assert "will be published by" in card.text
    assert "✍️ Send a proposal" not in labels(card.reply_markup)


# --- proposals -----------------------------------------------------------------------------


async def test_two_proposals_are_numbered_acknowledged_and_the_author_follows(
    tg: EventsTelegram, ana: Person, boris: Person
) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")

    prompt = (await ana.tap("Send a proposal")).one(SendMessage)
    assert "up to 4 000 characters" in prompt.text
    first = (await ana.say("More trees along the river, please.")).only(SendMessage)
    await boris.say(f"/start co_{consultation.code}")
    await boris.tap("Send a proposal")
    await boris.say("Keep the market square free of cars.")
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")
    second = (await ana.say("Benches near the bus stops.")).only(SendMessage)

    assert first.text.startswith("✅ Proposal No. 1 received. Thank you!")
    assert second.text.startswith("✅ Proposal No. 3 received.")
    proposals = tg.proposals(consultation)
    assert [(p.number, p.text) for p in proposals] == [
        (1, "More trees along the river, please."),
        (2, "Keep the market square free of cars."),
        (3, "Benches near the bus stops."),
    ]
    assert proposals[0].language == "en"
    assert proposals[0].text_language == "en"
    assert proposals[0].author_name is None  # named only if they ask
    assert len(followers(tg, consultation)) == 2
    assert tg.count(ProposalDraft) == 0
    assert tg.count(InboxItem) == 0  # a proposal is not a message to the municipality
    card = (await ana.say(f"/start co_{consultation.code}")).only(SendMessage)
    assert "You sent 2 proposal(s)." in card.text


async def test_a_photo_with_a_caption_is_a_proposal_with_its_photo(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")

    reply = (await ana.send_photo(caption="This crossing needs a light.")).only(SendMessage)

    assert reply.text.startswith("✅ Proposal No. 1 received.")
    (proposal,) = tg.proposals(consultation)
    assert proposal.text == "This crossing needs a light."
    assert proposal.attachment_kind == "photo"
    assert proposal.attachment_file_id is not None
    assert not proposal.attachment_file_id.endswith("-s")  # the largest size, not the thumbnail
    assert proposal.attachment_size == 80_000


async def test_a_file_sent_first_goes_with_the_text_that_follows(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")

    waiting = (await ana.send_document("changes.pdf")).only(SendMessage)
    received = (await ana.say("My changes to article 4 are in the file.")).only(SendMessage)

    assert "File received" in waiting.text
    assert "📎 changes.pdf" in received.text
    (proposal,) = tg.proposals(consultation)
    assert (proposal.attachment_kind, proposal.attachment_name) == ("document", "changes.pdf")
    assert proposal.attachment_size == 120_000


async def test_a_proposal_over_the_limit_is_refused_and_the_shorter_one_taken(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")

    refused = (await ana.say("x" * 4001)).only(SendMessage)
    taken = (await ana.say("x" * 4000)).only(SendMessage)

    assert "4001 characters long; the limit is 4000" in refused.text
    assert taken.text.startswith("✅ Proposal No. 1 received.")
    assert [len(p.text) for p in tg.proposals(consultation)] == [4000]


async def test_a_proposal_after_the_close_is_refused_with_the_report_date(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation(closes=timedelta(hours=1))
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")
    tg.clock.now += timedelta(hours=1, minutes=1)

    refused = (await ana.say("Late, but important.")).only(SendMessage)

    assert "This consultation closed on" in refused.text
    assert "will be published by" in refused.text
    assert "Your proposal was not recorded." in refused.text
    assert tg.proposals(consultation) == []
    assert tg.count(InboxItem) == 0  # not passed on as a message either
    assert tg.count(ProposalDraft) == 0
    pressed = (await ana.say(f"/start co_{consultation.code}")).only(SendMessage)
    assert "✍️ Send a proposal" not in labels(pressed.reply_markup)


async def test_a_stale_send_button_after_the_close_says_it_is_closed(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation(closes=timedelta(hours=1))
    await ana.say(f"/start co_{consultation.code}")
    tg.clock.now += timedelta(hours=2)

    reply = (await ana.tap("Send a proposal")).one(SendMessage)

    assert "This consultation closed on" in reply.text
    assert tg.count(ProposalDraft) == 0


async def test_without_send_a_proposal_a_text_goes_to_the_municipality_as_before(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")
    await ana.tap("Cancel")

    await ana.say("The street light on Rakovski street is out.")

    assert tg.proposals(consultation) == []
    assert tg.count(InboxItem) == 1


async def test_a_proposal_left_unwritten_for_hours_no_longer_takes_texts(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")
    tg.clock.now += timedelta(hours=3)

    await ana.say("The street light on Rakovski street is out.")

    assert tg.proposals(consultation) == []
    assert tg.count(InboxItem) == 1
    assert tg.count(ProposalDraft) == 0


async def test_send_a_proposal_in_the_middle_of_a_form_keeps_the_form_for_later(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation(flow_id="event-satisfaction")
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Answer the questionnaire")
    await ana.tap("5")
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")

    await ana.say("Longer opening hours for the library.")

    assert [p.text for p in tg.proposals(consultation)] == ["Longer opening hours for the library."]
    (response,) = tg.responses("event-satisfaction")
    assert response.state == ResponseState.IN_PROGRESS
    assert tg.answers(response.id or 0) == {"overall": 5}
    assert tg.conversation(ana.user_id) is None
    await ana.say(f"/start co_{consultation.code}")
    resumed = (await ana.tap("Answer the questionnaire")).of(SendMessage)[-1]
    assert "recommend" in resumed.text  # the second question: the first was kept


async def test_the_author_may_ask_to_be_named_and_nobody_else_can_for_them(
    tg: EventsTelegram, ana: Person, boris: Person
) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")
    await ana.tap("Send a proposal")
    await ana.say("More trees.")
    name_me = button(ana.screen, "Show my name").callback_data
    assert name_me is not None

    await boris.say("/start")
    forged = await boris.press(name_me)
    confirmed = (await ana.tap("Show my name")).one(EditMessageText)

    assert forged.callback_answer.text == "This button is no longer active."
    assert "Your name will be shown with proposal No. 1" in shown(confirmed)
    (proposal,) = tg.proposals(consultation)
    assert proposal.author_name == "Citizen 1001"


# --- following, the draft's file, the questionnaire -----------------------------------------


async def test_follow_and_stop_following(tg: EventsTelegram, ana: Person) -> None:
    consultation = tg.add_consultation()
    await ana.say(f"/start co_{consultation.code}")

    followed = (await ana.tap("Follow")).one(EditMessageText)
    assert "You follow this consultation" in shown(followed)
    assert len(followers(tg, consultation)) == 1
    stopped = (await ana.tap("Stop following")).one(EditMessageText)
    assert "🔔 Follow" in labels(stopped.reply_markup)
    assert followers(tg, consultation) == []


async def test_the_drafts_pdf_is_uploaded_once_then_sent_by_reference(
    tg: EventsTelegram, ana: Person, boris: Person
) -> None:
    consultation = tg.add_consultation(document=PDF)
    await ana.say(f"/start co_{consultation.code}")
    await boris.say(f"/start co_{consultation.code}")

    first = (await ana.tap("Read the draft")).one(SendDocument)
    second = (await boris.tap("Read the draft")).one(SendDocument)

    assert isinstance(first.document, BufferedInputFile)
    assert first.document.data == PDF
    assert first.document.filename == "draft.pdf"
    assert second.document == "document"  # Telegram's file id of the first upload


async def test_the_questionnaire_is_offered_only_while_open(
    tg: EventsTelegram, ana: Person
) -> None:
    consultation = tg.add_consultation(flow_id="event-satisfaction", closes=timedelta(hours=1))
    await ana.say(f"/start co_{consultation.code}")
    tg.clock.now += timedelta(hours=2)

    reply = (await ana.tap("Answer the questionnaire")).one(SendMessage)

    assert "This consultation closed on" in reply.text
    assert tg.count(Response) == 0
    with tg.sessions() as session:
        assert session.exec(select(Proposal)).first() is None
