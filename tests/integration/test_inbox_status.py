"""A citizen's message followed through: in progress, resolved, "Was it resolved?" asked
once, a "no" opens it again; the citizen is told each change exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.services.inbox_status import StatusError, set_status
from civic_feedback.storage.models import InboxItem, InboxStatus, utcnow
from tests.support.fake_telegram import FakeTelegram
from tests.support.inbox_room import GROUP, STAFF, InboxRoom

ANA = 1001


@pytest.fixture
async def room(
    telegram: FakeTelegram, sessions: sessionmaker[Session], database_url: str
) -> AsyncIterator[InboxRoom]:
    inbox = InboxRoom(telegram, sessions, database_url)
    inbox.citizen(ANA)
    await inbox.send(ANA, {"text": "A pothole in front of school No. 3."})
    await inbox.tap(ANA, "Roads and transport")
    await inbox.courier.deliver_pending()
    yield inbox
    await inbox.close()


def item(room: InboxRoom) -> InboxItem:
    with room.sessions() as session:
        return session.exec(select(InboxItem)).one()


def told(room: InboxRoom, fragment: str) -> list[str]:
    return [m.content for m in room.chat(ANA) if fragment in m.content]


async def staff_press(room: InboxRoom, label: str) -> None:
    await room.tap(STAFF, label, chat_id=GROUP)
    await room.courier.deliver_pending()


async def test_in_progress_then_resolved_each_told_once_and_confirmed_with_a_rating(
    room: InboxRoom,
) -> None:
    await staff_press(room, "In progress")
    post = room.chat(GROUP)[0]
    assert "🔧 in progress" in post.content
    await staff_press(room, "Resolved")
    await room.courier.deliver_pending()  # nothing twice

    assert len(told(room, "is now: in progress")) == 1
    (resolved,) = [m for m in room.chat(ANA) if "is now: resolved" in m.content]
    assert "A pothole in front of school No. 3." in resolved.content
    assert "Was it resolved?" in resolved.content
    await room.tap(ANA, "Yes")
    await room.tap(ANA, "5")

    done = item(room)
    assert (done.status, done.confirmed, done.resolution_rating) == (InboxStatus.RESOLVED, True, 5)
    assert done.resolved_at is not None
    await room.courier.deliver_pending()


async def test_a_no_opens_it_again_tells_the_staff_and_is_not_asked_twice(room: InboxRoom) -> None:
    await staff_press(room, "Resolved")
    await room.tap(ANA, "No")
    await room.courier.deliver_pending()

    reopened = item(room)
    assert (reopened.status, reopened.confirmed) == (InboxStatus.NEW, False)
    assert [m for m in room.chat(GROUP) if "says it is not resolved" in m.content]
    await staff_press(room, "Resolved")
    assert told(room, "is open again")  # the first notice, answered, now says so
    (notice,) = told(room, "is now: resolved")  # the second one
    assert "Was it resolved?" not in notice  # asked once only


async def test_a_citizen_cannot_answer_for_another_or_twice(room: InboxRoom) -> None:
    await staff_press(room, "Resolved")
    question = room.chat(ANA)[-1]
    room.citizen(1002)
    yes = next(d for row in room.telegram.buttons(question) for label, d in row if "Yes" in label)
    assert yes is not None

    room.telegram.press(1002, question.message_id, yes, language_code="en", chat_id=ANA)
    await room.handle()
    assert item(room).confirmed is None  # not theirs
    await room.tap(ANA, "Yes")
    room.telegram.press(ANA, question.message_id, yes, language_code="en", strict=False)
    await room.handle()

    assert item(room).confirmed is True


def test_will_not_be_done_and_not_ours_need_their_reason(room: InboxRoom) -> None:
    with room.sessions() as session:
        found = session.exec(select(InboxItem)).one()
        for status in (InboxStatus.WONT_DO, InboxStatus.NOT_OURS):
            with pytest.raises(StatusError, match="needs the reason"):
                set_status(session, found, status, "  ", utcnow())
        with pytest.raises(StatusError, match="choose one of"):
            set_status(session, found, InboxStatus.NEW, None, utcnow())
        set_status(session, found, InboxStatus.NOT_OURS, "Passed to the road agency.", utcnow())
        session.commit()

    assert item(room).status == InboxStatus.NOT_OURS


async def test_the_reason_reaches_the_citizen(room: InboxRoom) -> None:
    with room.sessions.begin() as session:
        found = session.exec(select(InboxItem)).one()
        set_status(session, found, InboxStatus.WONT_DO, "The street is private <land>.", utcnow())

    await room.courier.deliver_pending()

    (notice,) = told(room, "is now: will not be done")
    assert "The street is private <land>." in notice  # escaped, so shown as written
    assert "Was it resolved?" not in notice
