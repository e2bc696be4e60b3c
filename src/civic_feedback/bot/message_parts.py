"""What a citizen's or a staff member's Telegram message carries besides text, read into the
plain records the inbox keeps (services/inbox_media.py)."""

from __future__ import annotations

from dataclasses import replace

from aiogram.types import Message

from civic_feedback.services.inbox_media import Incoming
from civic_feedback.storage.models import AttachmentKind


def message_text(message: Message) -> str:
    """The text, or a photo's or file's caption ("" for a bare photo or a pin)."""
    return message.text or message.caption or ""


def incoming_parts(message: Message) -> list[Incoming]:
    """The photo (its largest size), file, voice note or place of ``message``."""
    where = Incoming(  # where the original is; each kind adds what it carries
        AttachmentKind.PHOTO,
        source_chat_id=message.chat.id,
        source_message_id=message.message_id,
        media_group_id=message.media_group_id,
    )
    if message.photo:
        largest = message.photo[-1]
        return [
            replace(
                where,
                kind=AttachmentKind.PHOTO,
                file_id=largest.file_id,
                file_unique_id=largest.file_unique_id,
                file_size=largest.file_size,
            )
        ]
    if message.document is not None:
        document = message.document
        return [
            replace(
                where,
                kind=AttachmentKind.DOCUMENT,
                file_id=document.file_id,
                file_unique_id=document.file_unique_id,
                file_name=document.file_name,
                mime_type=document.mime_type,
                file_size=document.file_size,
            )
        ]
    if message.voice is not None:
        voice = message.voice
        return [
            replace(
                where,
                kind=AttachmentKind.VOICE,
                file_id=voice.file_id,
                file_unique_id=voice.file_unique_id,
                mime_type=voice.mime_type,
                file_size=voice.file_size,
            )
        ]
    if message.venue is not None:
        venue = message.venue
        return [
            replace(
                where,
                kind=AttachmentKind.VENUE,
                latitude=venue.location.latitude,
                longitude=venue.location.longitude,
                venue=", ".join(part for part in (venue.title, venue.address) if part),
            )
        ]
    if message.location is not None:
        return [
            replace(
                where,
                kind=AttachmentKind.LOCATION,
                latitude=message.location.latitude,
                longitude=message.location.longitude,
            )
        ]
    return []
