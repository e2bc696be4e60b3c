"""What comes with a message of an inbox thread besides its text: photos (an album counts as
one message), files, voice notes, and a place (a pin, or a venue with its address).

Nothing is downloaded: a row keeps Telegram's file reference, the original message (so the
bot can copy it on exactly as it was sent) and, once delivered, where the bot's copy is.
Each step writes in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from civic_feedback.storage.models import (
    AttachmentKind,
    Citizen,
    InboxAttachment,
    InboxAuthor,
    InboxItem,
    InboxMessage,
    MessageRemoval,
)

PLACES = (AttachmentKind.LOCATION, AttachmentKind.VENUE)


@dataclass(frozen=True)
class Incoming:
    """One thing a Telegram message carried, as the bot read it."""

    kind: AttachmentKind
    source_chat_id: int
    source_message_id: int
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    venue: str | None = None
    media_group_id: str | None = None


def attach(session: Session, message: InboxMessage, incoming: Iterable[Incoming]) -> int:
    """Keep what came with ``message``; a place becomes the item's place. Returns how many."""
    assert message.id is not None
    count = 0
    for part in incoming:
        session.add(
            InboxAttachment(
                message_id=message.id,
                kind=part.kind,
                file_id=part.file_id,
                file_unique_id=part.file_unique_id,
                file_name=(part.file_name or None) and part.file_name[:200],
                mime_type=(part.mime_type or None) and part.mime_type[:100],
                file_size=part.file_size,
                latitude=part.latitude,
                longitude=part.longitude,
                venue=(part.venue or None) and part.venue[:300],
                media_group_id=part.media_group_id,
                source_chat_id=part.source_chat_id,
                source_message_id=part.source_message_id,
            )
        )
        if part.kind in PLACES and part.latitude is not None and part.longitude is not None:
            item = session.get(InboxItem, message.item_id)
            if item is not None:
                item.latitude, item.longitude = part.latitude, part.longitude
                session.add(item)
        count += 1
    session.flush()
    return count


def album_message(session: Session, citizen: Citizen, media_group_id: str) -> InboxMessage | None:
    """The citizen's message an album's first part started (a draft, or a follow-up): the
    album's other parts join it rather than each making a message of its own."""
    statement = (
        select(InboxMessage)
        .join(InboxItem, col(InboxItem.id) == col(InboxMessage.item_id))
        .join(InboxAttachment, col(InboxAttachment.message_id) == col(InboxMessage.id))
        .where(
            col(InboxItem.citizen_id) == citizen.id,
            col(InboxMessage.author) == InboxAuthor.CITIZEN,
            col(InboxAttachment.media_group_id) == media_group_id,
        )
        .order_by(col(InboxMessage.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def attachments_of(session: Session, message_id: int) -> list[InboxAttachment]:
    statement = (
        select(InboxAttachment)
        .where(col(InboxAttachment.message_id) == message_id)
        .order_by(col(InboxAttachment.id))
    )
    return list(session.exec(statement))


def attachments_of_item(session: Session, item_id: int) -> list[InboxAttachment]:
    """Everything that came with the item's thread, in order."""
    statement = (
        select(InboxAttachment)
        .join(InboxMessage, col(InboxMessage.id) == col(InboxAttachment.message_id))
        .where(col(InboxMessage.item_id) == item_id)
        .order_by(col(InboxAttachment.id))
    )
    return list(session.exec(statement))


def mark_copied(session: Session, attachment_id: int, chat_id: int, message_id: int) -> None:
    """Where the bot's copy went (a staff group, or the citizen's chat)."""
    row = session.get(InboxAttachment, attachment_id)
    if row is not None:
        row.copy_chat_id, row.copy_message_id = chat_id, message_id
        session.add(row)
        session.flush()


def map_link(latitude: float, longitude: float) -> str:
    """A map anyone can open, without an account or an app."""
    return (
        f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}"
        f"#map=18/{latitude:.6f}/{longitude:.6f}"
    )


def erase_media_of(session: Session, citizen_id: int) -> int:
    """The citizen's photos, files, voice notes and places go, and their items' places; the
    bot's copies in staff groups are queued for deletion. Returns how many copies."""
    mine = (
        select(InboxAttachment, InboxMessage)
        .join(InboxMessage, col(InboxMessage.id) == col(InboxAttachment.message_id))
        .join(InboxItem, col(InboxItem.id) == col(InboxMessage.item_id))
        .where(
            col(InboxItem.citizen_id) == citizen_id,
            col(InboxMessage.author) == InboxAuthor.CITIZEN,
        )
    )
    copies = 0
    for attachment, message in session.exec(mine).all():
        if attachment.copy_chat_id is not None and attachment.copy_message_id is not None:
            session.add(
                MessageRemoval(
                    chat_id=attachment.copy_chat_id,
                    message_id=attachment.copy_message_id,
                    item_id=message.item_id,
                )
            )
            copies += 1
        session.delete(attachment)
    for item in session.exec(select(InboxItem).where(col(InboxItem.citizen_id) == citizen_id)):
        item.latitude = item.longitude = None
        session.add(item)
    session.flush()
    return copies


def removals_due(session: Session, limit: int = 50) -> list[MessageRemoval]:
    statement = select(MessageRemoval).order_by(col(MessageRemoval.id)).limit(limit)
    return list(session.exec(statement))


def removal_done(session: Session, removal_id: int) -> None:
    row = session.get(MessageRemoval, removal_id)
    if row is not None:
        session.delete(row)
        session.flush()
