"""What the Bot API emulator keeps: files, the bot's messages, the users' messages, requests."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]  # a Bot API object, as it travels and as the sandbox keeps it


@dataclass
class UploadedFile:
    """A file the bot uploaded (sendDocument / sendPhoto)."""

    filename: str
    data: bytes
    content_type: str | None
    file_id: str
    file_unique_id: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class SentMessage:
    """A message the bot sent, in its CURRENT state (after edits)."""

    message_id: int
    chat_id: int | str
    date: int
    method: str
    #: Plain text as the user sees it (HTML markup removed); None for media messages.
    text: str | None = None
    #: Text (or caption) exactly as the bot sent it.
    raw_text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)
    #: reply_markup as sent (inline keyboards: current one after edits; None when removed).
    reply_markup: JSON | None = None
    document: UploadedFile | None = None
    photo: UploadedFile | None = None
    edits: int = 0
    edit_date: int | None = None
    deleted: bool = False
    #: time.monotonic() when sent.
    sent_at: float = 0.0
    #: Earlier (text or caption, reply_markup) states, oldest first.
    history: list[tuple[str | None, JSON | None]] = field(default_factory=list)
    #: The message this one answers (reply_parameters), in the same chat.
    reply_to: int | None = None
    #: Content carried over by copyMessage that has no field of its own here (a location,
    #: a venue, a voice note, a user's photo), as Bot API JSON.
    extra: JSON = field(default_factory=dict)
    #: (chat, message) this message is a copy of.
    copied_from: tuple[int | str, int] | None = None
    #: The emulator's change counter when this message was last sent, edited or deleted.
    version: int = 0

    @property
    def content(self) -> str:
        """Text, or caption for media messages ("" when neither)."""
        return self.text if self.text is not None else (self.caption or "")


@dataclass
class RequestRecord:
    """One request the bot made; logged even when refused."""

    method: str
    params: JSON
    #: time.monotonic() when received (same clock as asyncio's loop.time()).
    time: float
    token: str
    #: HTTP status answered; None while the request is still being handled (long poll).
    status: int | None = None
    description: str | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class UserMessage:
    """A message a user wrote to the bot (what the chat page shows on the user's side)."""

    message_id: int
    chat_id: int
    date: int
    #: The text, or a short description of other content ("[sticker]").
    text: str
    deleted: bool = False
    #: What the user sent besides its envelope (text, caption, photo, location...), as JSON.
    content: JSON = field(default_factory=dict)
    #: The emulator's change counter when this message arrived or was deleted.
    version: int = 0
    #: Who wrote it (in a group, one of several people; in a private chat, its user).
    sender_id: int = 0
    #: The bot message it replies to, in the same chat.
    reply_to: int | None = None


@dataclass(frozen=True)
class CallbackToast:
    """An answerCallbackQuery text, shown to the user who pressed the button."""

    user_id: int
    #: The chat of the message whose button was pressed.
    chat_id: int | str
    text: str
    show_alert: bool
    version: int


def image_size(data: bytes) -> tuple[int, int]:
    """Width/height of a PNG or JPEG; (100, 100) when unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            seg_len = int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + seg_len
    return 100, 100
