"""The same problem reported twice: a second citizen near an open message on the same topic
may join it (+1) and is told its changes; a message with no place, another topic, a place
far away, or a resolved problem is sent as usual."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.services.inbox_nearby import distance_m
from civic_feedback.storage.models import InboxItem, InboxSupporter
from tests.support.fake_telegram import FakeTelegram
from tests.support.inbox_room import GROUP, STAFF, InboxRoom, location

ANA, BORIS, VERA = 1001, 1002, 1003
LIGHT = (42.68200, 26.32290)
NEAR = (42.68250, 26.32330)  # about 64 m away
FAR = (42.68400, 26.32290)  # about 222 m away


@pytest.fixture
async def room(
    telegram: FakeTelegram, sessions: sessionmaker[Session], database_url: str
) -> AsyncIterator[InboxRoom]:
    inbox = InboxRoom(telegram, sessions, database_url)
    for person in (ANA, BORIS):
        inbox.citizen(person)
    await report(inbox, ANA, LIGHT, "Roads and transport")
    await inbox.courier.deliver_pending()
    yield inbox
    await inbox.close()


async def report(room: InboxRoom, who: int, where: tuple[float, float] | None, topic: str) -> str:
    if where is not None:
        await room.send(who, location(*where))
    await room.send(who, {"text": "The street light is out."})
    await room.tap(who, topic)
    return room.chat(who)[-1].content


def items(room: InboxRoom) -> list[InboxItem]:
    with room.sessions() as session:
        return list(session.exec(select(InboxItem).order_by(col(InboxItem.id))))


def test_distances_are_metres_on_the_ground() -> None:
    assert 60 < distance_m(*LIGHT, *NEAR) < 70
    assert 215 < distance_m(*LIGHT, *FAR) < 230


async def test_a_second_report_nearby_joins_the_first_and_hears_its_changes(
    room: InboxRoom,
) -> None:
    offered = await report(room, BORIS, NEAR, "Roads and transport")
    assert "already reported nearby" in offered
    assert "The street light is out." in offered

    await room.tap(BORIS, "+1, keep me informed")
    await room.tap(STAFF, "Resolved", chat_id=GROUP)
    await room.courier.deliver_pending()
    await room.courier.deliver_pending()

    assert len(items(room)) == 1  # one problem
    with room.sessions() as session:
        assert len(session.exec(select(InboxSupporter)).all()) == 1
    assert "👥 +1" in room.chat(GROUP)[0].content
    told = [
        m.content for m in room.chat(BORIS) if "which you joined, is now: resolved" in m.content
    ]
    assert len(told) == 1  # told once
    assert "Was it resolved?" not in told[0]  # that is the author's to say
    assert [m for m in room.chat(ANA) if "Was it resolved?" in m.content]


async def test_a_citizen_joining_in_another_language_leaves_the_post_in_the_staffs(
    room: InboxRoom,
) -> None:
    room.citizen(VERA, language="bg")
    offered = await report(room, VERA, NEAR, "Пътища и транспорт")
    assert "Това вече е съобщено наблизо" in offered

    await room.tap(VERA, "+1")

    post = room.chat(GROUP)[0].content
    assert "👥 +1: reported by more citizens nearby" in post
    assert "Message #1" in post
    assert "Съобщение" not in post


async def test_a_join_while_the_post_goes_out_is_counted_on_it(
    telegram: FakeTelegram,
    sessions: sessionmaker[Session],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room = InboxRoom(telegram, sessions, database_url)
    for person in (ANA, BORIS):
        room.citizen(person)
    await report(room, ANA, LIGHT, "Roads and transport")
    await report(room, BORIS, NEAR, "Roads and transport")  # offered to join #1
    copy = room.courier._copy

    async def copy_as_boris_joins(*args: Any) -> list[tuple[int, int]]:
        await room.tap(BORIS, "+1")  # the post is out, not yet recorded: none to edit
        return await copy(*args)

    monkeypatch.setattr(room.courier, "_copy", copy_as_boris_joins)
    try:
        await room.courier.deliver_pending()
    finally:
        await room.close()

    assert "👥 +1" in room.chat(GROUP)[0].content


async def test_send_mine_anyway_makes_a_message_of_its_own(room: InboxRoom) -> None:
    await report(room, BORIS, NEAR, "Roads and transport")

    await room.tap(BORIS, "Send mine anyway")

    assert "✅ Sent as message #" in room.chat(BORIS)[-1].content
    assert len(items(room)) == 2


@pytest.mark.parametrize(
    ("where", "topic"),
    [(None, "Roads and transport"), (FAR, "Roads and transport"), (NEAR, "Other")],
    ids=["no place", "far away", "another topic"],
)
async def test_nothing_is_offered_without_a_place_far_away_or_on_another_topic(
    room: InboxRoom, where: tuple[float, float] | None, topic: str
) -> None:
    said = await report(room, BORIS, where, topic)

    assert "✅ Sent as message #" in said
    assert len(items(room)) == 2


async def test_a_forged_join_of_another_message_joins_nothing(room: InboxRoom) -> None:
    await report(room, BORIS, FAR, "Roads and transport")  # a second, far, message (#2)
    await room.send(BORIS, location(*NEAR))
    await room.send(BORIS, {"text": "Again"})
    await room.tap(BORIS, "Roads and transport")
    offer = room.chat(BORIS)[-1]
    draft = items(room)[-1]

    forged = f"in:{draft.id}:join:2"  # the far one, not the one offered
    room.telegram.press(BORIS, offer.message_id, forged, language_code="en", strict=False)
    await room.handle()

    with room.sessions() as session:
        assert session.exec(select(InboxSupporter)).all() == []
