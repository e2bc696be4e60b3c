"""Citizens' messages with photos, files, voice notes and places, and staff answers with
them: copied (never downloaded) exactly as sent, with the place's map link in the post.

Every person writes through the fake Bot API; the real dispatcher and the courier do the
rest (tests/support/inbox_room.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.storage.models import (
    AttachmentKind,
    InboxAttachment,
    InboxItem,
    InboxMessage,
    InboxStatus,
    MessageRemoval,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.inbox_room import GROUP, STAFF, InboxRoom, location, photo

ANA = 1001


@pytest.fixture
async def room(
    telegram: FakeTelegram, sessions: sessionmaker[Session], database_url: str
) -> AsyncIterator[InboxRoom]:
    inbox = InboxRoom(telegram, sessions, database_url)
    inbox.citizen(ANA)
    yield inbox
    await inbox.close()


def attachments(room: InboxRoom) -> list[InboxAttachment]:
    with room.sessions() as session:
        return list(session.exec(select(InboxAttachment).order_by(col(InboxAttachment.id))))


def items(room: InboxRoom) -> list[InboxItem]:
    with room.sessions() as session:
        return list(session.exec(select(InboxItem).order_by(col(InboxItem.id))))


async def test_a_photo_and_a_pin_then_words_make_one_message_posted_with_its_map(
    room: InboxRoom,
) -> None:
    await room.send(ANA, photo(ANA, caption="The street light is out."))
    await room.send(ANA, location(42.682, 26.3229))
    asked = room.chat(ANA)[-1].content  # before the tap edits it
    await room.tap(ANA, "Roads and transport")
    delivered = await room.courier.deliver_pending()

    assert "Send this message to the municipality of Sliven?" in asked
    assert delivered == 1
    (item,) = items(room)
    assert (item.status, item.latitude, item.longitude) == (InboxStatus.NEW, 42.682, 26.3229)
    post, *copies = room.chat(GROUP)
    assert "The street light is out." in post.content
    assert "photos: 1 (below)" in post.content
    assert "openstreetmap.org/?mlat=42.682000&amp;mlon=26.322900" in (post.raw_text or "")
    assert [c.method for c in copies] == ["copyMessage", "copyMessage"]
    assert {c.reply_to for c in copies} == {post.message_id}
    assert "photo" in copies[0].extra
    assert copies[1].extra["location"] == {"latitude": 42.682, "longitude": 26.3229}
    kept = attachments(room)
    assert [a.kind for a in kept] == [AttachmentKind.PHOTO, AttachmentKind.LOCATION]
    assert kept[0].file_id == f"fake-photo-{ANA}-800"  # a reference: nothing is downloaded
    assert [(a.copy_chat_id, a.copy_message_id) for a in kept] == [
        (GROUP, c.message_id) for c in copies
    ]


async def test_an_album_is_one_message_one_question_and_stays_an_album(room: InboxRoom) -> None:
    album = {"media_group_id": "album-1"}
    await room.send(ANA, photo(ANA, 800, caption="Rubbish by the river.", **album))
    await room.send(ANA, photo(ANA, 801, **album))
    await room.send(ANA, photo(ANA, 802, **album))

    questions = [m for m in room.chat(ANA) if "Send this message" in m.content]
    assert len(questions) == 1
    await room.tap(ANA, "Cleanliness and environment")
    await room.courier.deliver_pending()

    assert len(items(room)) == 1
    assert len(attachments(room)) == 3
    post, *copies = room.chat(GROUP)
    assert "photos: 3 (below)" in post.content
    assert len(copies) == 3
    requests = [r.method for r in room.telegram.requests() if r.method.startswith("copy")]
    assert requests == ["copyMessages"]


async def test_a_file_a_voice_note_and_a_venue_are_kept_and_copied(room: InboxRoom) -> None:
    document = {
        "file_id": "doc-1",
        "file_unique_id": "doc1",
        "file_name": "complaint.pdf",
        "mime_type": "application/pdf",
        "file_size": 52_000,
    }
    voice = {"file_id": "voice-1", "file_unique_id": "voice1", "duration": 7, "file_size": 9_000}
    venue = {
        "location": {"latitude": 42.6801, "longitude": 26.3300},
        "venue": {
            "location": {"latitude": 42.6801, "longitude": 26.3300},
            "title": "Central market",
            "address": "bul. Tsar Osvoboditel 1",
        },
    }
    await room.send(ANA, {"document": document, "caption": "My complaint."})
    await room.send(ANA, {"voice": voice})
    await room.send(ANA, venue)
    await room.tap(ANA, "Roads and transport")
    await room.courier.deliver_pending()

    kept = attachments(room)
    assert [(a.kind, a.file_name, a.file_size) for a in kept] == [
        (AttachmentKind.DOCUMENT, "complaint.pdf", 52_000),
        (AttachmentKind.VOICE, None, 9_000),
        (AttachmentKind.VENUE, None, None),
    ]
    assert kept[2].venue == "Central market, bul. Tsar Osvoboditel 1"
    post = room.chat(GROUP)[0]
    assert "📍 Central market, bul. Tsar Osvoboditel 1" in post.content
    assert "files: 1, voice notes: 1 (below)" in post.content
    assert len(room.chat(GROUP)) == 4  # the post and three copies


async def test_staff_answer_with_a_photo_and_the_citizen_replies_to_that_photo(
    room: InboxRoom,
) -> None:
    await room.send(ANA, {"text": "Is the playground on Rakovski street finished?"})
    await room.tap(ANA, "Roads and transport")
    await room.courier.deliver_pending()
    post = room.chat(GROUP)[0]

    await room.send(STAFF, photo(STAFF, caption="Yes, since Monday."), chat_id=GROUP,
                    reply_to=post.message_id)  # fmt: skip
    await room.courier.deliver_pending()
    answer, copy = room.chat(ANA)[-2:]
    await room.send(ANA, {"text": "Thank you!"}, reply_to=copy.message_id)

    assert "Yes, since Monday." in answer.content
    assert "photos: 1 (below)" in answer.content
    assert copy.method == "copyMessage"
    assert copy.reply_to == answer.message_id
    with room.sessions() as session:
        thread = session.exec(select(InboxMessage).order_by(col(InboxMessage.id))).all()
    assert [m.text for m in thread] == [
        "Is the playground on Rakovski street finished?",
        "Yes, since Monday.",
        "Thank you!",
    ]
    assert len(items(room)) == 1  # the reply to the photo found its item


async def test_a_photo_in_the_middle_of_a_form_is_not_stored_and_the_question_comes_again(
    room: InboxRoom,
) -> None:
    await room.send(ANA, {"text": "/feedback"})
    await room.tap(ANA, "Reports and suggestions")
    before = len(room.chat(ANA))

    await room.send(ANA, photo(ANA))

    assert attachments(room) == []
    assert items(room) == []
    assert "I can only understand text messages and buttons." in room.chat(ANA)[before].content


async def test_a_place_whose_original_is_gone_is_sent_again_from_its_coordinates(
    room: InboxRoom,
) -> None:
    await room.send(ANA, location(42.69, 26.31))
    await room.tap(ANA, "Roads and transport")
    for written in room.telegram._chats.written[ANA].values():
        written.deleted = True  # the citizen deleted their pin before it was delivered

    await room.courier.deliver_pending()

    post, resent = room.chat(GROUP)
    assert resent.method == "sendLocation"
    assert resent.reply_to == post.message_id
    (pin,) = attachments(room)
    assert pin.copy_message_id == resent.message_id


# --- privacy -----------------------------------------------------------------------------


async def forget(room: InboxRoom, user_id: int) -> str:
    await room.send(user_id, {"text": "/forget"})
    await room.tap(user_id, "Yes, erase my data")
    return room.chat(user_id)[-1].content


async def delivered_photo_and_pin(room: InboxRoom) -> None:
    await room.send(ANA, photo(ANA, caption="Broken bench."))
    await room.send(ANA, location(42.68, 26.32))
    await room.tap(ANA, "Parks and public spaces")
    await room.courier.deliver_pending()


async def test_mydata_lists_the_files_by_reference_and_the_place(room: InboxRoom) -> None:
    await delivered_photo_and_pin(room)

    await room.send(ANA, {"text": "/mydata"})

    (document,) = [m.document for m in room.chat(ANA) if m.document is not None]
    data = json.loads(document.data)
    (item,) = data["messages_to_municipality"]
    assert item["place"] == {"latitude": 42.68, "longitude": 26.32}
    (message,) = item["messages"]
    assert [a["kind"] for a in message["attachments"]] == ["photo", "location"]
    assert message["attachments"][0]["telegram_file_id"] == f"fake-photo-{ANA}-800"


async def test_forget_erases_the_media_and_the_bot_deletes_its_copies_in_the_group(
    room: InboxRoom,
) -> None:
    await delivered_photo_and_pin(room)
    post, *copies = room.chat(GROUP)
    assert len(copies) == 2

    told = await forget(room, ANA)
    await room.courier.deliver_pending()

    assert "their copies in the municipality's staff group are being deleted" in told
    assert attachments(room) == []
    (item,) = items(room)
    assert (item.citizen_id, item.latitude, item.longitude) == (None, None, None)
    shown = {m.message_id for m in room.telegram.messages(GROUP)}
    assert shown == {post.message_id}  # the copies are gone; the post (no name) stays
    with room.sessions() as session:
        assert session.exec(select(MessageRemoval)).all() == []


async def test_a_copy_telegram_will_not_delete_any_more_is_left_to_staff_with_a_note(
    room: InboxRoom,
) -> None:
    await delivered_photo_and_pin(room)
    _, photo_copy, pin_copy = room.chat(GROUP)
    room.telegram.delete_window = 0  # as after Telegram's 48 hours
    await forget(room, ANA)

    await room.courier.deliver_pending()

    notes = [m for m in room.chat(GROUP) if "please delete it by hand" in m.content]
    assert [n.reply_to for n in notes] == [photo_copy.message_id, pin_copy.message_id]
    with room.sessions() as session:
        assert session.exec(select(MessageRemoval)).all() == []  # asked once, not again
