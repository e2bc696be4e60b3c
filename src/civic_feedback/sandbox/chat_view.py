"""Chat messages as HTML for the sandbox's page, built so that no text can inject markup.

Texts are rendered from the plain text and entities the emulator parsed (exactly what a
Telegram app receives), never from the HTML the bot sent: every character is escaped, and
only the formatting Telegram shows (bold, italic, links, ...) becomes tags.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from civic_feedback.sandbox.chat_records import JSON, SentMessage, UploadedFile, UserMessage
from civic_feedback.services.inbox_media import map_link

_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<code class=pre>", "</code>"),
    "blockquote": ("<q>", "</q>"),
    "expandable_blockquote": ("<q>", "</q>"),
}
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
_SAFE_SCHEMES = ("https://", "http://", "mailto:", "tg://")


@dataclass(frozen=True)
class _Span:
    start: int  # str indexes
    end: int
    entity: JSON


class ChatView:
    """Renders one chat's messages; links that open the bot (``t.me/<bot>?start=...``)
    become buttons that send ``/start ...`` from the page, as they would in Telegram."""

    def __init__(self, bot_username: str, zone: ZoneInfo) -> None:
        self.zone = zone
        self._start_link = re.compile(
            rf"https://t\.me/{re.escape(bot_username)}\?start=([A-Za-z0-9_-]{{1,64}})"
        )

    def message_json(
        self,
        message: SentMessage | UserMessage,
        *,
        viewer: int | None = None,
        names: Mapping[int, str] | None = None,
        replied: SentMessage | UserMessage | None = None,
    ) -> JSON:
        """``{"id", "html"}``, or ``{"id", "deleted": true}`` for a deleted message.

        What ``viewer`` wrote is on their side of the chat (in a private chat, everything the
        user wrote); in a group, others' messages are on the left under their ``names``. A
        reply starts with the beginning of the message it answers (``replied``).
        """
        if message.deleted:
            return {"id": message.message_id, "deleted": True}
        quote = _quote(replied) if replied is not None else ""
        if isinstance(message, UserMessage):
            mine = viewer is None or message.sender_id == viewer
            sender = "" if mine else (names or {}).get(message.sender_id, "")
            media = _content_media(message.content)
            words = message.content.get("text") or message.content.get("caption")
            if not isinstance(words, str):
                words = "" if media else message.text  # e.g. "[sticker]"
            body = (f'<div class="from">{escape(sender)}</div>' if sender else "") + quote + media
            if words:
                body += f'<div class="text">{escape(words)}</div>'
            html = self._article(
                message.message_id, "me" if mine else "them", body, message.date, edited=False
            )
            return {"id": message.message_id, "html": html}
        body = quote + self._media(message.photo, message.document) + _content_media(message.extra)
        if message.content:
            body += f'<div class="text">{self.text_html(message.content, message.entities)}</div>'
        html = self._article(
            message.message_id,
            "bot",
            body,
            message.date,
            edited=message.edits > 0,
            keyboard=self.keyboard_html(message),
        )
        return {"id": message.message_id, "html": html}

    def text_html(self, text: str, entities: list[JSON]) -> str:
        """``text`` escaped, with its entities as tags; URLs become links as in Telegram."""
        spans = [s for s in (_span(text, e) for e in entities) if s is not None]
        linked = [s for s in spans if s.entity.get("type") == "text_link"]
        spans += [
            _Span(m.start(), m.end(), {"type": "url"})
            for m in _URL.finditer(text)
            if not any(s.start < m.end() and m.start() < s.end for s in linked)
        ]
        spans.sort(key=lambda s: (s.start, -s.end))
        bounds = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
        pieces = []
        for start, end in itertools.pairwise(bounds):
            piece = escape(text[start:end])
            for span in reversed([s for s in spans if s.start <= start and end <= s.end]):
                opening, closing = self._tags(span.entity, text[span.start : span.end])
                piece = opening + piece + closing
            pieces.append(piece)
        return "".join(pieces)

    def keyboard_html(self, message: SentMessage) -> str:
        markup = message.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        html_rows = []
        for row in rows:
            cells = "".join(self._button(message.message_id, button) for button in row)
            html_rows.append(f'<div class="row">{cells}</div>')
        if not html_rows:
            return ""
        return f'<div class="keyboard">{"".join(html_rows)}</div>'

    def _button(self, message_id: int, button: JSON) -> str:
        label = escape(str(button.get("text", "")))
        if isinstance(button.get("callback_data"), str):
            data = escape(button["callback_data"])
            target = f'data-message="{message_id}" data-data="{data}"'
            return f"<button type=button {target}>{label}</button>"
        url = button.get("url")
        if isinstance(url, str):
            opening, closing = self._link(url)
            if opening:
                return opening.replace("<a ", '<a class="button" ', 1) + label + closing
        return f"<button type=button disabled>{label}</button>"

    def _tags(self, entity: JSON, covered: str) -> tuple[str, str]:
        kind = entity.get("type")
        if kind == "text_link":
            return self._link(str(entity.get("url", "")))
        if kind == "url":
            return self._link(covered)
        return _TAGS.get(str(kind), ("", ""))

    def _link(self, url: str) -> tuple[str, str]:
        start = self._start_link.fullmatch(url)
        if start:
            return f'<a href="{escape(url)}" data-start="{escape(start.group(1))}">', "</a>"
        if url.lower().startswith(_SAFE_SCHEMES):
            return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">', "</a>"
        return "", ""

    def _media(self, photo: UploadedFile | None, document: UploadedFile | None) -> str:
        if photo is not None:
            return f'<img class="photo" src="/files/{escape(photo.file_id)}" alt="">'
        if document is None:
            return ""
        return _file_link(document.file_id, document.filename, document.size)

    def _article(
        self, message_id: int, side: str, body: str, date: int, *, edited: bool, keyboard: str = ""
    ) -> str:
        when = datetime.fromtimestamp(date, self.zone).strftime("%H:%M")
        # The word itself is the page's, in its language (chat.js).
        meta = f'<span class="edited"></span>{when}' if edited else when
        return (
            f'<article class="msg {side}" data-id="{message_id}"><div class="bubble">{body}'
            f'<div class="meta">{meta}</div></div>{keyboard}</article>'
        )


def _file_link(file_id: str, filename: str, size: int) -> str:
    shown = f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"
    href, name = escape(f"/files/{file_id}"), escape(filename)
    return f'<a class="file" href="{href}" download="{name}">📄 {name} <small>{shown}</small></a>'


def _content_media(content: JSON) -> str:
    """What a user's message (or the bot's copy of one) carries besides text, as Bot API JSON:
    the photo's largest size, a file, a voice note, a pin or a venue with a map link."""
    photo, document = content.get("photo"), content.get("document")
    if isinstance(photo, list) and photo and isinstance(photo[-1], dict):
        return f'<img class="photo" src="/files/{escape(str(photo[-1].get("file_id")))}" alt="">'
    if isinstance(document, dict):
        name = str(document.get("file_name") or "file")
        size = document.get("file_size")
        return _file_link(str(document.get("file_id")), name, size if isinstance(size, int) else 0)
    if isinstance(content.get("voice"), dict):
        return '<div class="file">🎤</div>'
    venue = content.get("venue")
    where = venue.get("location") if isinstance(venue, dict) else content.get("location")
    if not isinstance(where, dict):
        return ""
    try:
        latitude, longitude = float(where["latitude"]), float(where["longitude"])
    except (KeyError, TypeError, ValueError):
        return ""
    shown = f"{latitude:.5f}, {longitude:.5f}"
    if isinstance(venue, dict):
        shown = ", ".join(str(venue.get(k)) for k in ("title", "address") if venue.get(k))
    link = map_link(latitude, longitude)
    return (
        f'<a class="place" href="{escape(link)}" target="_blank" rel="noopener noreferrer">'
        f"📍 {escape(shown)}</a>"
    )


def _quote(replied: SentMessage | UserMessage) -> str:
    """The start of the message a reply answers; pressing it shows that message."""
    if isinstance(replied, UserMessage):
        words = replied.text
    else:
        words = replied.content or ("🖼" if replied.photo or "photo" in replied.extra else "📎")
    first = words.strip().split("\n", 1)[0] if words.strip() else "…"
    if len(first) > 80:
        first = first[:79] + "…"
    return f'<div class="quote" data-goto="{replied.message_id}">{escape(first)}</div>'


def _span(text: str, entity: JSON) -> _Span | None:
    """The entity's UTF-16 offsets as indexes into ``text``; None when they fall outside it."""
    offset, length = entity.get("offset"), entity.get("length")
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
        return None
    units = 0
    start = end = None
    for index, char in enumerate(text):
        if units == offset:
            start = index
        if units == offset + length:
            end = index
            break
        units += 2 if ord(char) > 0xFFFF else 1
    if end is None and units == offset + length:
        end = len(text)
    if start is None or end is None:
        return None
    return _Span(start, end, entity)
