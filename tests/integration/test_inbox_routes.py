"""A citizen's message is only said to be sent when it has a staff group to go to; otherwise
the citizen chooses a municipality that takes messages, or is told it is kept for later."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.settings import Settings
from civic_feedback.storage.models import Citizen, InboxItem, InboxStatus
from tests.support.fake_telegram import FakeTelegram
from tests.support.inbox_room import GROUP, InboxRoom

ANA = 1001


@pytest.fixture
async def room(
    telegram: FakeTelegram, sessions: sessionmaker[Session], database_url: str
) -> AsyncIterator[InboxRoom]:
    inbox = InboxRoom(telegram, sessions, database_url)
    yield inbox
    await inbox.close()


def item_of(room: InboxRoom) -> InboxItem:
    with room.sessions() as session:
        return session.exec(select(InboxItem)).one()


def municipality_of(room: InboxRoom, telegram_id: int) -> str | None:
    with room.sessions() as session:
        citizen = session.exec(select(Citizen).where(Citizen.telegram_id == telegram_id)).one()
        return citizen.municipality


@pytest.mark.parametrize("own", [None, "Haskovo"], ids=["none chosen", "one without a group"])
async def test_without_a_group_for_theirs_the_citizen_chooses_one_that_takes_messages(
    room: InboxRoom, own: str | None
) -> None:
    room.citizen(ANA, municipality=own)
    await room.send(ANA, {"text": "The bus to the hospital is always late."})

    await room.tap(ANA, "Roads and transport")
    asked = room.chat(ANA)[-1]
    labels = [label for row in room.telegram.buttons(asked) for label, _ in row]
    assert "Which municipality is your message for?" in asked.content
    assert labels == ["Sliven", "✖️ Do not send"]  # Haskovo has no group
    assert item_of(room).status == InboxStatus.DRAFT  # not sent, not said to be
    assert await room.courier.deliver_pending() == 0

    await room.tap(ANA, "Sliven")
    await room.courier.deliver_pending()

    assert "✅ Sent as message #" in room.chat(ANA)[-1].content
    item = item_of(room)
    assert (item.status, item.municipality, item.topic) == (
        InboxStatus.NEW,
        "Sliven",
        "roads_transport",
    )
    assert municipality_of(room, ANA) == "Sliven"  # as if chosen in /settings
    (post,) = room.chat(GROUP)
    assert "The bus to the hospital is always late." in post.content


async def test_a_forged_municipality_button_sends_nothing(room: InboxRoom) -> None:
    room.citizen(ANA, municipality=None)
    await room.send(ANA, {"text": "Hello"})
    await room.tap(ANA, "Other")
    asked = room.chat(ANA)[-1]
    item = item_of(room)

    for value in ("1", "9", "-1", "x"):  # Haskovo (no group), out of range, not a number
        forged = f"in:{item.id}:mun:{value}"
        room.telegram.press(ANA, asked.message_id, forged, language_code="en", strict=False)
        await room.handle()

    assert item_of(room).status == InboxStatus.DRAFT
    assert municipality_of(room, ANA) is None


async def test_with_no_group_at_all_the_message_is_kept_and_the_citizen_told_so(
    telegram: FakeTelegram, sessions: sessionmaker[Session], database_url: str
) -> None:
    room = InboxRoom(telegram, sessions, database_url, staff_chats=())
    try:
        room.citizen(ANA)
        await room.send(ANA, {"text": "Is anyone reading this?"})
        await room.tap(ANA, "Other")
    finally:
        await room.close()

    told = room.chat(ANA)[-1].content
    assert "is kept" in told
    assert "does not take messages in this bot yet" in told
    assert "Sent" not in told
    assert item_of(room).status == InboxStatus.NEW  # waits, and goes once a group exists


def test_start_up_names_every_municipality_whose_messages_would_wait() -> None:
    def settings(*chats: str) -> Settings:
        return Settings(
            _env_file=None, municipalities=["Sliven", "Haskovo", "Yambol"], staff_chats=list(chats)
        )

    assert settings("Sliven:-1").municipalities_without_group() == ["Haskovo", "Yambol"]
    assert settings("Sliven:-1", "*:-2").municipalities_without_group() == []
    assert settings().municipalities_without_group() == ["Sliven", "Haskovo", "Yambol"]
