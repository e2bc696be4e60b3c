"""A bot message's text and keyboard, read from the bot's parameters and checked like Telegram."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from civic_feedback.core.telegram_html import utf16_len
from civic_feedback.sandbox.bot_api import CALLBACK_DATA_LIMIT, bad_request
from civic_feedback.sandbox.chat_records import JSON, SentMessage
from civic_feedback.sandbox.telegram_html import parse_html


def render_text(
    text: Any, parse_mode: Any, entities: Any, *, limit: int, caption: bool
) -> tuple[str, list[JSON]]:
    """The plain text a user sees and its entities; Markdown parse modes are not interpreted."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        plain, parsed = parse_html(text)
    else:
        plain = text
        parsed = list(entities) if isinstance(entities, list) else []
    if not plain.strip() and not caption:
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, parsed


def reply_markup(params: JSON) -> JSON | None:
    """The request's reply_markup, checked; None also for an empty inline keyboard."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row if isinstance(row, list) else []:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and (
                    not isinstance(data, str)
                    or not data
                    or len(data.encode()) > CALLBACK_DATA_LIMIT
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
        if not any(rows):
            return None  # an empty inline keyboard means "no keyboard"
    return copy.deepcopy(markup)


def keyboard_buttons(
    message: SentMessage | Mapping[str, Any] | None,
) -> list[list[tuple[str, str | None]]]:
    """Keyboard rows as (text, callback_data) pairs; callback_data None for other buttons.

    Accepts a SentMessage, a Message dict (e.g. from an update) or a reply_markup dict.
    """
    if message is None:
        return []
    if isinstance(message, SentMessage):
        markup: Mapping[str, Any] | None = message.reply_markup
    elif "inline_keyboard" in message or "keyboard" in message:
        markup = message
    else:
        markup = message.get("reply_markup")
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    result: list[list[tuple[str, str | None]]] = []
    for row in rows:
        out_row: list[tuple[str, str | None]] = []
        for button in row:
            if isinstance(button, str):
                out_row.append((button, None))
            else:
                out_row.append((str(button.get("text", "")), button.get("callback_data")))
        result.append(out_row)
    return result
