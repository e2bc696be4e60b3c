"""A local fake of the Telegram Bot API for end-to-end tests.

(``timeout`` parameters of the async wait helpers are deliberate, hence the ASYNC109 noqa's.)

The real bot process is pointed at :attr:`FakeTelegram.url` (``TELEGRAM_API_URL``); aiogram then
calls ``{url}/bot{token}/{method}``.  The fake answers the way Telegram does (``{"ok": true,
"result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}``), keeps the current
state of every message the bot sent, logs every request, and lets a test play the citizen:
:meth:`FakeTelegram.send_text`, :meth:`FakeTelegram.press`, ... create updates that the bot
receives through ``getUpdates`` (long polling).

Synchronisation never sleeps: :meth:`FakeTelegram.wait_for` re-checks a predicate every time the
fake has handled a bot request.

Deliberate realism (so that bugs that would fail against Telegram fail here too):

* ``parse_mode=HTML`` is parsed like Telegram does: unsupported or unbalanced tags (e.g. an
  unescaped ``<`` in citizen text) give ``400 Bad Request: can't parse entities: ...``; the stored
  :attr:`SentMessage.text` is the plain text a user sees, :attr:`SentMessage.raw_text` what the bot
  sent.  Markdown parse modes are not interpreted (text stored as sent).
* Texts longer than 4096 (captions 1024) UTF-16 code units, empty texts and callback data longer
  than 64 bytes are refused with Telegram's errors.
* ``editMessageText`` without ``reply_markup`` removes the inline keyboard, as Telegram does.
* Message objects returned to the bot carry ``reply_markup`` only for inline keyboards.
* A callback query can be answered once; answering an unknown or already answered query fails.
* Two overlapping ``getUpdates`` calls: the older one gets ``409 Conflict: terminated by other
  getUpdates request``.
"""

from __future__ import annotations

import asyncio
import copy
import html
import itertools
import json
import math
import re
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

__all__ = [
    "MESSAGE_METHODS",
    "FakeTelegram",
    "RequestRecord",
    "SentMessage",
    "UploadedFile",
]

JSON = dict[str, Any]

#: Methods that produce or change a message; subject to the rate limits, counted by
#: :meth:`FakeTelegram.count_message_calls`.
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)
#: Methods refused with 403 when the chat is a user in :attr:`FakeTelegram.blocked`.
_BLOCKABLE_METHODS = MESSAGE_METHODS | {"sendChatAction"}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_TEXT_LIMIT = 4096
_CAPTION_LIMIT = 1024
_CALLBACK_DATA_LIMIT = 64

_INT_KEYS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "from_chat_id",
        "max_connections",
    }
)
_BOOL_KEYS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "link_preview_options",
    }
)
_INT_RE = re.compile(r"-?\d+")


class _ApiError(Exception):
    """Raised inside handlers; turned into Telegram's error response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _bad_request(detail: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------------------------
# Data kept by the fake
# --------------------------------------------------------------------------------------------


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
class _PendingUpdate:
    update: JSON
    delivered: bool = False
    #: update_id of the last update of the getUpdates answer this one was last delivered in.
    batch_end: int | None = None


class _SlidingWindow:
    """Timestamps of accepted calls; refuses more than ``rate`` per second."""

    def __init__(self) -> None:
        self._events: deque[float] = deque()

    def retry_after(self, rate: float, now: float) -> int | None:
        if rate <= 0:
            return 1
        # Rates below 1/s: one call per 1/rate seconds.
        window = max(1.0, 1.0 / rate)
        capacity = max(1, math.floor(rate * window + 1e-9))
        while self._events and self._events[0] <= now - window:
            self._events.popleft()
        if len(self._events) < capacity:
            return None
        return max(1, math.ceil(self._events[0] + window - now))

    def record(self, now: float) -> None:
        self._events.append(now)
        while self._events[0] < now - 3600:
            self._events.popleft()


# --------------------------------------------------------------------------------------------
# Telegram's HTML parse mode
# --------------------------------------------------------------------------------------------

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_ATTR_RE = re.compile(r"""([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _html_attrs(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        attrs[m.group(1).lower()] = html.unescape(value)
    return attrs


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: (plain text, entities) or a 400 ``_ApiError``."""
    out: list[str] = []
    offset = 0  # UTF-16 code units, like Telegram's entity offsets
    stack: list[tuple[str, int, JSON | None]] = []
    entities: list[JSON] = []
    pos = 0
    while pos < len(source):
        lt = source.find("<", pos)
        chunk = source[pos : lt if lt != -1 else len(source)]
        if chunk:
            plain = html.unescape(chunk)
            out.append(plain)
            offset += _utf16_len(plain)
        if lt == -1:
            break
        byte_offset = len(source[:lt].encode())
        m = _TAG_RE.match(source, lt)
        if m is None:
            if source.find(">", lt) == -1:
                raise _bad_request(
                    f"can't parse entities: Unclosed start tag at byte offset {byte_offset}"
                )
            name = re.match(r"</?([^\s>]*)", source[lt:])
            tag = name.group(1) if name else ""
            raise _bad_request(
                f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {byte_offset}'
            )
        closing, name_, attrs_raw = m.group(1) == "/", m.group(2).lower(), m.group(3)
        if name_ not in _HTML_ENTITY_TYPES:
            kind = "end" if closing else "start"
            raise _bad_request(
                f'can\'t parse entities: Unsupported {kind} tag "{name_}" at byte offset '
                f"{byte_offset}"
            )
        if closing:
            if not stack:
                raise _bad_request(
                    f"can't parse entities: Unexpected end tag at byte offset {byte_offset}"
                )
            if stack[-1][0] != name_:
                raise _bad_request(
                    f"can't parse entities: Unmatched end tag at byte offset {byte_offset}, "
                    f'expected "</{stack[-1][0]}>", found "</{name_}>"'
                )
            _, start, open_entity = stack.pop()
            if open_entity is not None and offset > start:
                open_entity["offset"] = start
                open_entity["length"] = offset - start
                entities.append(open_entity)
        else:
            attrs = _html_attrs(attrs_raw)
            entity: JSON | None = {"type": _HTML_ENTITY_TYPES[name_]}
            if name_ == "span" and attrs.get("class") != "tg-spoiler":
                raise _bad_request(
                    f'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte '
                    f"offset {byte_offset}"
                )
            if name_ == "a":
                entity = {"type": "text_link", "url": attrs["href"]} if attrs.get("href") else None
            elif name_ == "tg-emoji":
                entity = {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
            elif name_ == "blockquote" and "expandable" in attrs:
                entity = {"type": "expandable_blockquote"}
            elif name_ == "code" and attrs.get("class", "").startswith("language-"):
                parent = stack[-1] if stack else None
                if parent is not None and parent[0] == "pre" and parent[2] is not None:
                    parent[2]["language"] = attrs["class"].removeprefix("language-")
                    entity = None
            stack.append((name_, offset, entity))
        pos = m.end()
    if stack:
        raise _bad_request(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _image_size(data: bytes) -> tuple[int, int]:
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


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------

_Handler = Callable[[JSON, dict[str, UploadedFile]], Any]


class FakeTelegram:
    """Fake Telegram Bot API server (aiohttp) on 127.0.0.1 with an ephemeral port."""

    def __init__(
        self,
        *,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        blocked: Iterable[int] = (),
        bot_username: str = "civic_feedback_test_bot",
        bot_first_name: str = "Civic feedback",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        #: Max message-producing calls per second over all chats (None: unlimited).
        self.global_rate = global_rate
        #: Max message-producing calls per second per chat (None: unlimited).
        self.per_chat_rate = per_chat_rate
        #: User ids that blocked the bot: send*/edit* to them answer 403.
        self.blocked: set[int] = set(blocked)
        #: Number of 429 / 403 answers given.
        self.too_many_requests = 0
        self.forbidden = 0

        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._bot_id = 1  # from the token of the latest request
        self._background: set[asyncio.Task[None]] = set()
        self._closing = False

        self._cond = asyncio.Condition()
        self._chat_waiters: dict[int | str, list[asyncio.Future[None]]] = {}
        self._log: list[RequestRecord] = []
        self._messages: dict[int | str, list[SentMessage]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._user_message_ids: dict[int | str, set[int]] = {}
        self._user_first_names: dict[int, str] = {}
        self._files: dict[str, UploadedFile] = {}
        self._file_counter = 0
        self._updates: list[_PendingUpdate] = []
        self._next_update_id = 1
        self._poll_generation = 0
        self._waiting_polls = 0
        self._callback_counter = 0
        self._open_callbacks: set[str] = set()
        #: Answers to callback queries: query id -> answerCallbackQuery params.
        self.callback_answers: dict[str, JSON] = {}
        #: setMyCommands state: (scope as canonical JSON, language_code) -> commands.
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        #: setChatMenuButton state: chat_id (None: default) -> menu button.
        self.menu_buttons: dict[int | str | None, JSON] = {}
        self.webhook_url = ""
        #: Updates posted to a webhook again because it did not answer 200.
        self.webhook_retries = 0
        self._global_window = _SlidingWindow()
        self._chat_windows: dict[int | str, _SlidingWindow] = {}

        self._handlers: dict[str, tuple[str, _Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("deleteWebhook", self._delete_webhook),
            ("setWebhook", self._set_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("setMyCommands", self._set_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("setChatMenuButton", self._set_chat_menu_button),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendDocument", self._send_document),
            ("sendPhoto", self._send_photo),
            ("sendChatAction", self._send_chat_action),
            ("getChat", self._get_chat),
        ):
            self._handlers[name.lower()] = (name, handler)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeTelegram already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._closing = False
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        await self._notify()  # lets long polls return at once
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL for ``TelegramAPIServer.from_base`` / ``TELEGRAM_API_URL``."""
        if self._runner is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    # ---------------------------------------------------------------- inspection

    def messages(self, chat_id: int | str, *, include_deleted: bool = False) -> list[SentMessage]:
        """Messages the bot sent to the chat, current state, in order."""
        return [m for m in self._messages.get(chat_id, []) if include_deleted or not m.deleted]

    def last_message(self, chat_id: int | str) -> SentMessage | None:
        """The latest (not deleted) message the bot sent to the chat."""
        msgs = self.messages(chat_id)
        return msgs[-1] if msgs else None

    def message(self, chat_id: int | str, message_id: int) -> SentMessage:
        """A bot message by id (also deleted ones); KeyError when unknown."""
        for m in self._messages.get(chat_id, []):
            if m.message_id == message_id:
                return m
        raise KeyError(f"bot sent no message {message_id} to chat {chat_id}")

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        """Logged requests (all, or those of one method), including refused ones."""
        if method is None:
            return list(self._log)
        return [r for r in self._log if r.method == method]

    def count_message_calls(self, chat_id: int | str | None = None) -> int:
        """Successful sendMessage/sendDocument/sendPhoto/editMessageText/editMessageReplyMarkup."""
        return sum(
            1
            for r in self._log
            if r.method in MESSAGE_METHODS
            and r.ok
            and (chat_id is None or r.params.get("chat_id") == chat_id)
        )

    @staticmethod
    def buttons(
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

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot (delivered or not)."""
        return [copy.deepcopy(p.update) for p in self._updates]

    @property
    def polling(self) -> bool:
        """True while a getUpdates long poll is waiting."""
        return self._waiting_polls > 0

    def callback_answer(self, update_or_id: Mapping[str, Any] | str) -> JSON | None:
        """answerCallbackQuery params for a press() update (or query id); None if unanswered."""
        if isinstance(update_or_id, str):
            query_id = update_or_id
        else:
            query_id = str(update_or_id["callback_query"]["id"])
        return self.callback_answers.get(query_id)

    def my_commands(
        self, *, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSON]:
        return list(self.commands.get((self._scope_key(scope), language_code), []))

    # ---------------------------------------------------------------- test-side input

    def push(self, update: Mapping[str, Any]) -> JSON:
        """Queue an arbitrary update (may reuse an update_id to deliver the same update again)."""
        upd = copy.deepcopy(dict(update))
        if "update_id" not in upd:
            upd["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(upd["update_id"]) + 1)
        self._updates.append(_PendingUpdate(upd))
        self._notify_nowait()
        return copy.deepcopy(upd)

    def send_content(
        self,
        user_id: int,
        content: Mapping[str, Any],
        *,
        language_code: str | None = "bg",
        first_name: str = "Citizen",
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """A message update from the user with arbitrary content fields: in their private
        chat, or in group ``chat_id``; ``reply_to`` makes it a reply to that bot message."""
        self._user_first_names[user_id] = first_name
        chat = user_id if chat_id is None else chat_id
        message_id = self._new_message_id(chat)
        self._user_message_ids.setdefault(user_id, set()).add(message_id)
        message: JSON = {
            "message_id": message_id,
            "from": self._user_json(user_id, language_code, first_name),
            "chat": self._chat_json(chat),
            "date": int(time.time()),
            **copy.deepcopy(dict(content)),
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(self.message(chat, reply_to))
        return self.push({"update_id": self._next_update_id, "message": message})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "bg",
        first_name: str = "Citizen",
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """The user writes ``text`` to the bot (private chat); commands get a bot_command entity."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self.send_content(
            user_id,
            content,
            language_code=language_code,
            first_name=first_name,
            chat_id=chat_id,
            reply_to=reply_to,
        )

    def add_to_group(self, chat_id: int, by_user: int) -> JSON:
        """Someone adds the bot to group ``chat_id`` (a my_chat_member update)."""
        bot = self._bot_json()
        return self.push(
            {
                "update_id": self._next_update_id,
                "my_chat_member": {
                    "chat": self._chat_json(chat_id),
                    "from": self._user_json(by_user, "bg", "Admin"),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": bot},
                    "new_chat_member": {"status": "member", "user": bot},
                },
            }
        )

    def send_sticker(
        self, user_id: int, *, language_code: str | None = "bg", first_name: str = "Citizen"
    ) -> JSON:
        sticker = {
            "file_id": f"fake-sticker-{user_id}",
            "file_unique_id": f"sticker{user_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.send_content(
            user_id, {"sticker": sticker}, language_code=language_code, first_name=first_name
        )

    def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        language_code: str | None = "bg",
        first_name: str = "Citizen",
    ) -> JSON:
        photo = [
            {
                "file_id": f"fake-photo-{user_id}-{size}",
                "file_unique_id": f"photo{user_id}{size}",
                "width": size,
                "height": size,
                "file_size": size * 10,
            }
            for size in (90, 320, 800)
        ]
        content: JSON = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self.send_content(
            user_id, content, language_code=language_code, first_name=first_name
        )

    def press(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        language_code: str | None = "bg",
        chat_id: int | None = None,
        strict: bool = True,
    ) -> JSON:
        """The user presses an inline button of bot message ``message_id``.

        The update's ``message`` is the message's current state.  With ``strict`` (default) the
        message must not be deleted and must currently show a button with ``callback_data``
        (pass ``strict=False`` to simulate a press on a stale keyboard).
        """
        chat = user_id if chat_id is None else chat_id
        msg = self.message(chat, message_id)
        if strict:
            if msg.deleted:
                raise ValueError(f"message {message_id} in chat {chat} was deleted")
            datas = [d for row in self.buttons(msg) for _, d in row]
            if callback_data not in datas:
                raise ValueError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"buttons: {self.buttons(msg)}"
                )
        self._callback_counter += 1
        query_id = f"{abs(user_id)}{self._callback_counter:06d}"
        self._open_callbacks.add(query_id)
        first_name = self._user_first_names.get(user_id, "Citizen")
        query: JSON = {
            "id": query_id,
            "from": self._user_json(user_id, language_code, first_name),
            "message": self._message_json(msg),
            "chat_instance": str(abs(hash(chat)) * 7919 + 1000),
            "data": callback_data,
        }
        return self.push({"update_id": self._next_update_id, "callback_query": query})

    def press_button(
        self,
        user_id: int,
        message_id: int,
        button_text: str,
        *,
        language_code: str | None = "bg",
        chat_id: int | None = None,
    ) -> JSON:
        """press() the button whose text equals (or else contains) ``button_text``."""
        chat = user_id if chat_id is None else chat_id
        msg = self.message(chat, message_id)
        buttons = [b for row in self.buttons(msg) for b in row if b[1] is not None]
        match = [b for b in buttons if b[0] == button_text] or [
            b for b in buttons if button_text in b[0]
        ]
        if len(match) != 1:
            raise ValueError(f"{len(match)} buttons match {button_text!r}: {buttons}")
        data = match[0][1]
        assert data is not None
        return self.press(user_id, message_id, data, language_code=language_code, chat_id=chat_id)

    # ---------------------------------------------------------------- webhook delivery

    async def deliver_to_webhooks(
        self, urls: list[str], secret: str, *, connections: int = 40
    ) -> None:
        """Post queued updates to ``urls`` in turn until cancelled: Telegram posting to a
        webhook, behind a proxy that spreads requests over replicas. Up to ``connections``
        requests at once; an update not answered with 200 (its replica down, or killed while
        handling it) is posted again, to the next URL."""
        turn = itertools.count()
        slots = asyncio.Semaphore(connections)
        posts: set[asyncio.Task[None]] = set()
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}

        async def post(update: JSON) -> None:
            try:
                url = urls[next(turn) % len(urls)]
                async with client.post(url, json=update, headers=headers) as response:
                    delivered = response.status == 200
            except aiohttp.ClientError:
                delivered = False
            finally:
                slots.release()
            if not delivered:
                self.webhook_retries += 1
                await asyncio.sleep(0.05)  # Telegram's back-off, short: only replicas are down
                self.push(update)

        async with aiohttp.ClientSession() as client:
            try:
                while True:
                    async with self._cond:
                        await self._cond.wait_for(lambda: bool(self._updates) or self._closing)
                    if self._closing:
                        return
                    batch, self._updates = self._updates, []
                    for pending in batch:
                        await slots.acquire()
                        task = asyncio.create_task(post(pending.update))
                        posts.add(task)
                        task.add_done_callback(posts.discard)
            finally:
                for task in posts:
                    task.cancel()
                await asyncio.gather(*posts, return_exceptions=True)

    # ---------------------------------------------------------------- synchronisation

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10,
        *,
        what: str | None = None,
    ) -> None:
        """Wait until ``predicate()`` holds; re-checked after every handled bot request."""
        try:
            async with asyncio.timeout(timeout), self._cond:
                await self._cond.wait_for(predicate)
        except TimeoutError:
            desc = what or getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(
                f"condition {desc} did not hold within {timeout} s; {self._recent_summary()}"
            ) from None

    async def wait_for_chat(
        self,
        chat_id: int | str,
        predicate: Callable[[], bool],
        timeout: float = 10,
        *,
        what: str | None = None,
    ) -> None:
        """Like :meth:`wait_for`, re-checked only when the bot sends, edits or deletes a
        message in this chat: a thousand citizens can wait at once without slowing the fake."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    waiter = loop.create_future()
                    self._chat_waiters.setdefault(chat_id, []).append(waiter)
                    await waiter
        except TimeoutError:
            desc = what or getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(
                f"condition {desc} in chat {chat_id} did not hold within {timeout} s; "
                f"{self._recent_summary()}"
            ) from None

    async def wait_for_message(
        self,
        chat_id: int | str,
        *,
        after: int = 0,
        timeout: float = 10,
    ) -> SentMessage:
        """The first bot message in the chat with message_id > ``after`` (deleted ones too)."""
        found: list[SentMessage] = []

        def check() -> bool:
            for m in self._messages.get(chat_id, []):
                if m.message_id > after:
                    found.append(m)
                    return True
            return False

        await self.wait_for(
            check, timeout, what=f"'a bot message in chat {chat_id} with id > {after}'"
        )
        return found[0]

    async def wait_for_text(
        self,
        chat_id: int | str,
        substring: str,
        timeout: float = 10,
    ) -> SentMessage:
        """Wait until the chat's latest bot message (text or caption) contains ``substring``."""

        def check() -> bool:
            last = self.last_message(chat_id)
            return last is not None and substring in last.content

        try:
            await self.wait_for(check, timeout, what=f"'latest message contains {substring!r}'")
        except TimeoutError as exc:
            last = self.last_message(chat_id)
            latest = repr(last.content) if last else "no message"
            raise TimeoutError(f"{exc}; latest message in chat {chat_id}: {latest}") from None
        last = self.last_message(chat_id)
        assert last is not None
        return last

    async def wait_for_polling(self, timeout: float = 10) -> None:
        """Wait until the bot is long-polling getUpdates (i.e. it is up and listening)."""
        await self.wait_for(lambda: self.polling, timeout, what="'bot is polling getUpdates'")

    def _recent_summary(self, n: int = 8) -> str:
        polls = sum(1 for r in self._log if r.method == "getUpdates")
        recent = [r for r in self._log if r.method != "getUpdates"][-n:]
        if not recent:
            return f"no requests besides {polls} getUpdates"
        lines = []
        for r in recent:
            params = {k: v for k, v in r.params.items() if k != "reply_markup"}
            shown = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
            status = r.status if r.status == 200 else f"{r.status} {r.description}"
            lines.append(f"  {r.method}({shown}) -> {status}")
        return f"{polls} getUpdates, last requests:\n" + "\n".join(lines)

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    def _notify_nowait(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: nobody can be waiting
        task = loop.create_task(self._notify())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ---------------------------------------------------------------- HTTP layer

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error_response(_ApiError(404, "Not Found"))

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        known = self._handlers.get(raw_method.lower())
        method = known[0] if known else raw_method
        record = RequestRecord(method=method, params={}, time=time.monotonic(), token=token)
        self._log.append(record)
        try:
            params, files = await self._read_params(request)
            record.params = params
            if known is None:
                raise _ApiError(404, "Not Found: method not found")
            if not re.fullmatch(r"\d+:[\w-]+", token):
                raise _ApiError(401, "Unauthorized")
            self._bot_id = int(token.split(":", 1)[0])
            result = known[1](params, files)
            if asyncio.iscoroutine(result):
                result = await result
        except _ApiError as err:
            record.status = err.status
            record.description = err.description
            if err.status == 429:
                self.too_many_requests += 1
            elif err.status == 403:
                self.forbidden += 1
            await self._notify()
            return _error_response(err)
        except Exception as exc:  # a bug in the fake: make it visible to the test
            record.status = 500
            record.description = f"Internal Server Error: {exc!r}"
            await self._notify()
            return _error_response(_ApiError(500, record.description))
        record.status = 200
        record.result = result
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
        params: JSON = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _bad_request("can't parse JSON body") from exc
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = self._store_file(
                            value.filename, value.file.read(), value.content_type
                        )
                    elif isinstance(value, bytes | bytearray):
                        params[key] = bytes(value).decode()
                    else:
                        params[key] = value
        for key, value in list(params.items()):
            params[key] = _coerce(key, value)
        return params, files

    # ---------------------------------------------------------------- helpers

    def _bot_json(self, token_id: int | None = None) -> JSON:
        return {
            "id": token_id if token_id is not None else self._bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    @staticmethod
    def _user_json(user_id: int, language_code: str | None, first_name: str) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _chat_json(self, chat_id: int | str) -> JSON:
        if isinstance(chat_id, int) and chat_id > 0:
            return {
                "id": chat_id,
                "type": "private",
                "first_name": self._user_first_names.get(chat_id, "Citizen"),
            }
        if isinstance(chat_id, int):
            return {"id": chat_id, "type": "supergroup", "title": f"Test group {chat_id}"}
        return {"id": -1000000000001, "type": "channel", "title": chat_id, "username": chat_id}

    def _message_json(self, m: SentMessage) -> JSON:
        d: JSON = {
            "message_id": m.message_id,
            "from": self._bot_json(),
            "chat": self._chat_json(m.chat_id),
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
            width, height = _image_size(m.photo.data)
            d["photo"] = [
                {
                    "file_id": m.photo.file_id,
                    "file_unique_id": m.photo.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": m.photo.size,
                }
            ]
        if m.caption is not None:
            d["caption"] = m.caption
            if m.entities:
                d["caption_entities"] = copy.deepcopy(m.entities)
        if m.reply_markup is not None and "inline_keyboard" in m.reply_markup:
            d["reply_markup"] = copy.deepcopy(m.reply_markup)
        return d

    def _new_message_id(self, chat_id: int | str) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _store_file(self, filename: str, data: bytes, content_type: str | None) -> UploadedFile:
        self._file_counter += 1
        uploaded = UploadedFile(
            filename=filename,
            data=data,
            content_type=content_type,
            file_id=f"fake-file-{self._file_counter}",
            file_unique_id=f"unique{self._file_counter}",
        )
        self._files[uploaded.file_id] = uploaded
        return uploaded

    @staticmethod
    def _scope_key(scope: Mapping[str, Any] | None) -> str:
        return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)

    @staticmethod
    def _chat_id(params: JSON) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
            raise _bad_request("chat not found")
        return chat_id

    def _find_message(self, chat_id: int | str, message_id: Any, action: str) -> SentMessage:
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise _bad_request("message identifier is not specified")
        for m in self._messages.get(chat_id, []):
            if m.message_id == message_id and not m.deleted:
                return m
        if message_id in self._user_message_ids.get(chat_id, set()) and action == "edit":
            raise _bad_request("message can't be edited")
        raise _bad_request(f"message to {action} not found")

    def _check_limits(self, method: str, chat_id: int | str) -> None:
        """403 for blocked users, then 429 for rate limits (nothing is recorded)."""
        if method in _BLOCKABLE_METHODS and chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if method not in MESSAGE_METHODS:
            return
        now = time.monotonic()
        waits: list[int] = []
        if self.global_rate is not None:
            wait = self._global_window.retry_after(self.global_rate, now)
            if wait is not None:
                waits.append(wait)
        if self.per_chat_rate is not None:
            window = self._chat_windows.setdefault(chat_id, _SlidingWindow())
            wait = window.retry_after(self.per_chat_rate, now)
            if wait is not None:
                waits.append(wait)
        if waits:
            retry_after = max(waits)
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    def _chat_changed(self, chat_id: int | str) -> None:
        for waiter in self._chat_waiters.pop(chat_id, []):
            if not waiter.done():
                waiter.set_result(None)

    def _record_sent(self, chat_id: int | str) -> None:
        self._chat_changed(chat_id)
        now = time.monotonic()
        self._global_window.record(now)
        self._chat_windows.setdefault(chat_id, _SlidingWindow()).record(now)

    @staticmethod
    def _render(
        text: Any, parse_mode: Any, entities: Any, *, limit: int, caption: bool
    ) -> tuple[str, list[JSON]]:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
            plain, parsed = parse_html(text)
        else:
            plain = text
            parsed = list(entities) if isinstance(entities, list) else []
        if not plain.strip() and not caption:
            raise _bad_request("message text is empty")
        if _utf16_len(plain) > limit:
            raise _bad_request("message caption is too long" if caption else "message is too long")
        return plain, parsed

    @staticmethod
    def _markup(params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list):
                raise _bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup '
                    "should be an Array of Arrays"
                )
            for row in rows:
                for button in row if isinstance(row, list) else []:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise _bad_request("BUTTON_TEXT_INVALID")
                    data = button.get("callback_data")
                    if data is not None and (
                        not isinstance(data, str)
                        or not data
                        or len(data.encode()) > _CALLBACK_DATA_LIMIT
                    ):
                        raise _bad_request("BUTTON_DATA_INVALID")
            if not any(rows):
                return None  # an empty inline keyboard means "no keyboard"
        return copy.deepcopy(markup)

    def _resolve_file(self, value: Any, files: dict[str, UploadedFile], field_name: str) -> Any:
        if isinstance(value, UploadedFile):
            return value
        if value is None:
            raise _bad_request(f"there is no {field_name} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            key = value.removeprefix("attach://")
            if key not in files:
                raise _bad_request(f"file {key!r} is not attached")
            return files[key]
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        raise _bad_request("wrong file identifier/HTTP URL specified")

    # ---------------------------------------------------------------- methods

    def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        me = self._bot_json()
        me.update(
            {
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )
        return me

    async def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = params.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout", 0)
        timeout = max(timeout, 0) if isinstance(timeout, int | float) else 0

        self._poll_generation += 1
        generation = self._poll_generation
        self._confirm(offset)
        async with self._cond:
            self._cond.notify_all()  # supersedes a waiting long poll
            if timeout and not self._updates and not self._closing:
                self._waiting_polls += 1
                try:
                    async with asyncio.timeout(timeout):
                        await self._cond.wait_for(
                            lambda: (
                                bool(self._updates)
                                or self._closing
                                or self._poll_generation != generation
                            )
                        )
                except TimeoutError:
                    pass
                finally:
                    self._waiting_polls -= 1
            if self._poll_generation != generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        batch = self._updates[:limit]
        for pending in batch:
            pending.delivered = True
            pending.batch_end = int(batch[-1].update["update_id"])
        return [copy.deepcopy(p.update) for p in batch]

    def _confirm(self, offset: Any) -> None:
        """Apply getUpdates' offset: forget updates confirmed by it."""
        if not isinstance(offset, int) or offset == 0:
            return
        if offset < 0:
            # -N: keep only the last N updates, forget all earlier ones.
            self._updates = self._updates[offset:]
            return
        # Only delivered updates are confirmed, so a push() that reuses an old update_id is
        # still delivered once.  aiogram sends offset = (last update_id of the answer) + 1, which
        # for a re-pushed old update may be lower than the ids before it: confirm the batch.
        self._updates = [
            p
            for p in self._updates
            if not (p.delivered and (p.update["update_id"] < offset or p.batch_end == offset - 1))
        ]

    def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        return (
            self._scope_key(scope if isinstance(scope, dict) else None),
            str(params.get("language_code") or ""),
        )

    def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request('parameter "commands" is required')
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            description = command.get("description", "")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    def _set_chat_menu_button(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        button = params.get("menu_button")
        chat_id = params.get("chat_id")
        self.menu_buttons[chat_id if isinstance(chat_id, int | str) else None] = (
            copy.deepcopy(button) if isinstance(button, dict) else {"type": "default"}
        )
        return True

    def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = self._chat_id(params)
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        gifts = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        return {
            **self._chat_json(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = self._chat_id(params)
        if not params.get("action"):
            raise _bad_request("wrong parameter action in request")
        self._check_limits("sendChatAction", chat_id)
        return True

    def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = self._chat_id(params)
        self._check_limits("sendMessage", chat_id)
        raw = params.get("text")
        text, entities = self._render(
            raw, params.get("parse_mode"), params.get("entities"), limit=_TEXT_LIMIT, caption=False
        )
        msg = SentMessage(
            message_id=0,
            chat_id=chat_id,
            date=int(time.time()),
            method="sendMessage",
            text=text,
            raw_text=str(raw),
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=self._markup(params),
            reply_to=(params.get("reply_parameters") or {}).get("message_id"),
        )
        return self._store_message(msg)

    def _send_media(
        self, method: str, field_name: str, params: JSON, files: dict[str, UploadedFile]
    ) -> JSON:
        chat_id = self._chat_id(params)
        self._check_limits(method, chat_id)
        uploaded = self._resolve_file(
            params.get(field_name, files.get(field_name)), files, field_name
        )
        if not isinstance(uploaded, UploadedFile):
            raise _bad_request("wrong file identifier/HTTP URL specified")
        params[field_name] = uploaded
        raw_caption = params.get("caption")
        caption: str | None = None
        entities: list[JSON] = []
        if raw_caption is not None:
            caption, entities = self._render(
                raw_caption,
                params.get("parse_mode"),
                params.get("caption_entities"),
                limit=_CAPTION_LIMIT,
                caption=True,
            )
        msg = SentMessage(
            message_id=0,
            chat_id=chat_id,
            date=int(time.time()),
            method=method,
            raw_text=None if raw_caption is None else str(raw_caption),
            caption=caption,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=self._markup(params),
            document=uploaded if field_name == "document" else None,
            photo=uploaded if field_name == "photo" else None,
        )
        return self._store_message(msg)

    def _send_document(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self._send_media("sendDocument", "document", params, files)

    def _send_photo(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self._send_media("sendPhoto", "photo", params, files)

    def _store_message(self, msg: SentMessage) -> JSON:
        msg.message_id = self._new_message_id(msg.chat_id)
        msg.sent_at = time.monotonic()
        self._messages.setdefault(msg.chat_id, []).append(msg)
        self._record_sent(msg.chat_id)
        return self._message_json(msg)

    def _edit_target(self, params: JSON, method: str) -> tuple[int | str, SentMessage]:
        if params.get("inline_message_id"):
            raise _bad_request("inline messages are not supported by FakeTelegram")
        chat_id = self._chat_id(params)
        self._check_limits(method, chat_id)
        return chat_id, self._find_message(chat_id, params.get("message_id"), "edit")

    def _apply_edit(
        self,
        msg: SentMessage,
        raw: str | None,
        text: str | None,
        entities: list[JSON],
        markup: JSON | None,
    ) -> JSON:
        msg.history.append((msg.content, copy.deepcopy(msg.reply_markup)))
        if text is not None:
            msg.text = text
            msg.raw_text = raw
            msg.entities = entities
        msg.reply_markup = markup
        msg.edits += 1
        msg.edit_date = int(time.time())
        self._record_sent(msg.chat_id)
        return self._message_json(msg)

    def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        _, msg = self._edit_target(params, "editMessageText")
        if msg.text is None:
            raise _bad_request("there is no text in the message to edit")
        raw = params.get("text")
        text, entities = self._render(
            raw, params.get("parse_mode"), params.get("entities"), limit=_TEXT_LIMIT, caption=False
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self._markup(params)
        if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.parse_mode = params.get("parse_mode")
        return self._apply_edit(msg, str(raw), text, entities, markup)

    def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        _, msg = self._edit_target(params, "editMessageReplyMarkup")
        markup = self._markup(params)
        if markup == msg.reply_markup:
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(msg, None, None, [], markup)

    def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        user_ids = self._user_message_ids.get(chat_id, set())
        if isinstance(message_id, int) and message_id in user_ids:
            user_ids.discard(message_id)
            return True
        msg = self._find_message(chat_id, message_id, "delete")
        msg.deleted = True
        self._chat_changed(chat_id)
        return True

    def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.callback_answers[query_id] = dict(params)
        return True


# --------------------------------------------------------------------------------------------
# module helpers
# --------------------------------------------------------------------------------------------


def _coerce(key: str, value: Any) -> Any:
    """Form fields arrive as strings; give them the types Telegram would parse."""
    if not isinstance(value, str):
        return value
    if key in _INT_KEYS and _INT_RE.fullmatch(value):
        return int(value)
    if key in _BOOL_KEYS and value in ("true", "false", "True", "False", "1", "0"):
        return value in ("true", "True", "1")
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(f"can't parse {key} JSON object") from None
    return value


def _error_response(err: _ApiError) -> web.Response:
    body: JSON = {"ok": False, "error_code": err.status, "description": err.description}
    if err.retry_after is not None:
        body["parameters"] = {"retry_after": err.retry_after}
    return web.json_response(body, status=err.status)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
