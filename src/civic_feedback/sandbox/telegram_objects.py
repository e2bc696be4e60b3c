"""Telegram's objects as the emulator answers with them: the bot, users, chats and messages."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from civic_feedback.sandbox.chat_records import JSON, SentMessage, image_size


def bot_json(bot_id: int, first_name: str, username: str) -> JSON:
    return {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}


def user_json(user_id: int, language_code: str | None, first_name: str) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code is not None:
        user["language_code"] = language_code
    return user


def chat_json(chat_id: int | str, first_names: Mapping[int, str]) -> JSON:
    """A private chat for a user's id, a supergroup for a negative id, a channel for a name."""
    if isinstance(chat_id, int) and chat_id > 0:
        return {
            "id": chat_id,
            "type": "private",
            "first_name": first_names.get(chat_id, "Citizen"),
        }
    if isinstance(chat_id, int):
        return {"id": chat_id, "type": "supergroup", "title": f"Test group {chat_id}"}
    return {"id": -1000000000001, "type": "channel", "title": chat_id, "username": chat_id}


def message_json(m: SentMessage, bot: JSON, first_names: Mapping[int, str]) -> JSON:
    """A bot message in its current state; ``reply_markup`` only for inline keyboards."""
    d: JSON = {
        "message_id": m.message_id,
        "from": bot,
        "chat": chat_json(m.chat_id, first_names),
        "date": m.date,
    }
    if m.edit_date is not None:
        d["edit_date"] = m.edit_date
    if m.text is not None:
        d["text"] = m.text
        if m.entities:
            d["entities"] = copy.deepcopy(m.entities)
    if m.document is not None:
        d["document"] = {
            "file_id": m.document.file_id,
            "file_unique_id": m.document.file_unique_id,
            "file_name": m.document.filename,
            "mime_type": m.document.content_type or "application/octet-stream",
            "file_size": m.document.size,
        }
    if m.photo is not None:
        width, height = image_size(m.photo.data)
        d["photo"] = [
            {
                "file_id": m.photo.file_id,
                "file_unique_id": m.photo.file_unique_id,
                "width": width,
                "height": height,
                "file_size": m.photo.size,
            }
        ]
    for name, value in m.extra.items():
        d.setdefault(name, copy.deepcopy(value))
    if m.caption is not None:
        d["caption"] = m.caption
        if m.entities:
            d["caption_entities"] = copy.deepcopy(m.entities)
    if m.reply_markup is not None and "inline_keyboard" in m.reply_markup:
        d["reply_markup"] = copy.deepcopy(m.reply_markup)
    return d
