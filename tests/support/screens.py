"""What a message shows a citizen: its text and the buttons under it."""

from __future__ import annotations

from typing import Any

from aiogram.methods import EditMessageText
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message


def shown(item: Message | EditMessageText) -> str:
    """The text of a message, or the new text of an edit."""
    assert item.text is not None
    return item.text


def buttons(markup: Any) -> list[InlineKeyboardButton]:
    if markup is None:
        return []
    assert isinstance(markup, InlineKeyboardMarkup)
    return [b for row in markup.inline_keyboard for b in row]


def labels(markup: Any) -> list[str]:
    return [b.text for b in buttons(markup)]


def button(message: Message, label: str) -> InlineKeyboardButton:
    """The button labelled exactly ``label``, else the one label with a tick or icon around it."""
    found = [b for b in buttons(message.reply_markup) if b.text == label]
    found = found or [b for b in buttons(message.reply_markup) if label in b.text]
    assert len(found) == 1, f"{label!r} among {labels(message.reply_markup)}"
    return found[0]
