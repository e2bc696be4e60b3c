"""A Bot API session that never touches the network: it records every call and answers it.

Dispatcher tests feed updates to the real dispatcher with a ``Bot`` built on this session,
then look at ``session.requests`` to see what the bot said, edited or answered.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar, cast, overload

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetChatMenuButton,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import (
    Chat,
    Document,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    PhotoSize,
    Update,
    User,
)
from sqlalchemy import event
from sqlalchemy.pool import Pool

from civic_feedback.bot.app import add_request_middlewares

BOT_ID = 42
BOT_TOKEN = f"{BOT_ID}:TEST"
BOT_USER = User(id=BOT_ID, is_bot=True, first_name="Civic feedback", username="civic_test_bot")
FIXED_DATE = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)

M = TypeVar("M", bound=TelegramMethod[Any])
T = TypeVar("T")

MESSAGE_METHODS = (SendMessage, EditMessageText, EditMessageReplyMarkup, SendDocument, SendPhoto)
"""The calls that count against Telegram's outgoing message cap."""

_TRUE_METHODS = (AnswerCallbackQuery, SetMyCommands, DeleteWebhook, SetChatMenuButton)


class ConnectionWatch:
    """Which thread holds which pooled database connection now, over every engine.

    A connection is checked out for a transaction and given back when it ends, so a thread
    holding none has no transaction open either.
    """

    def __init__(self) -> None:
        self._holders: dict[int, int] = {}  # id of the pool's connection record -> thread
        self._lock = threading.Lock()
        event.listen(Pool, "checkout", self._checked_out)
        event.listen(Pool, "checkin", self._checked_in)

    def held_by(self, thread: int) -> int:
        with self._lock:
            return sum(1 for holder in self._holders.values() if holder == thread)

    def _checked_out(self, _connection: Any, record: Any, _proxy: Any) -> None:
        with self._lock:
            self._holders[id(record)] = threading.get_ident()

    def _checked_in(self, _connection: Any, record: Any) -> None:
        with self._lock:
            self._holders.pop(id(record), None)


CONNECTIONS = ConnectionWatch()


class RecordingSession(BaseSession):
    """Records each Bot API call in ``requests`` and returns what Telegram would return.

    Sent messages are kept per chat, so an edit returns the message as edited, and an edit
    that changes nothing fails with "message is not modified", as on Telegram.

    It also keeps the bot's first rule: no call waits on Telegram while the calling thread
    holds a pooled database connection (a transaction). Each such call is noted in
    ``held_connections``; tests/conftest.py fails any test that leaves one.
    """

    #: Every session made during the current test (conftest checks and clears it).
    made: ClassVar[list[RecordingSession]] = []

    def __init__(self) -> None:
        super().__init__()
        RecordingSession.made.append(self)
        #: "<method> with <n> connection(s) checked out", for each call made so.
        self.held_connections: list[str] = []
        self.requests: list[TelegramMethod[Any]] = []
        self.messages: dict[tuple[int, int], Message] = {}  # (chat id, message id) -> now
        #: Telegram's error for every answerCallbackQuery (None: answers are taken).
        self.refuse_press_answers: str | None = None
        self._last_message_id: dict[int, int] = {}

    async def make_request(
        self, bot: Bot, method: TelegramMethod[T], timeout: int | None = None
    ) -> T:
        held = CONNECTIONS.held_by(threading.get_ident())
        if held:
            self.held_connections.append(
                f"{type(method).__name__} with {held} connection(s) checked out"
            )
        self.requests.append(method)
        return cast(T, self._result(bot, method))

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    # --- looking at what was sent -------------------------------------------------------

    @overload
    def sent(self) -> list[TelegramMethod[Any]]: ...

    @overload
    def sent(self, method_type: type[M]) -> list[M]: ...

    def sent(self, method_type: type[Any] | None = None) -> list[Any]:
        """Every call so far, or only those of one method type."""
        if method_type is None:
            return list(self.requests)
        return [request for request in self.requests if isinstance(request, method_type)]

    def message_calls(self) -> int:
        """Calls that send or edit a message (what Telegram's ~30 messages/s cap counts)."""
        return sum(isinstance(request, MESSAGE_METHODS) for request in self.requests)

    def messages_in(self, chat_id: int) -> list[Message]:
        """The bot's messages in this chat, oldest first, as they look now (edits applied)."""
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    def last_message(self, chat_id: int) -> Message:
        """The newest message the bot sent to this chat, as it looks now (edits applied)."""
        return self.messages[(chat_id, self._last_message_id[chat_id])]

    # --- answering ------------------------------------------------------------------------

    def _result(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, SendMessage):
            return self._new_message(
                bot, method.chat_id, text=method.text, markup=method.reply_markup
            )
        if isinstance(method, EditMessageText):
            return self._edit(bot, method, text=method.text, markup=method.reply_markup)
        if isinstance(method, EditMessageReplyMarkup):
            return self._edit(bot, method, text=None, markup=method.reply_markup)
        if isinstance(method, SendDocument):
            name = method.document.filename if isinstance(method.document, InputFile) else None
            sent = method.document if isinstance(method.document, str) else "document"
            document = Document(file_id=sent, file_unique_id=sent, file_name=name)
            return self._new_message(bot, method.chat_id, caption=method.caption, document=document)
        if isinstance(method, SendPhoto):
            photo = [PhotoSize(file_id="photo", file_unique_id="photo", width=800, height=600)]
            return self._new_message(bot, method.chat_id, caption=method.caption, photo=photo)
        if isinstance(method, AnswerCallbackQuery) and self.refuse_press_answers:
            raise TelegramBadRequest(method, self.refuse_press_answers)
        if isinstance(method, _TRUE_METHODS):
            return True
        if isinstance(method, GetMe):
            return BOT_USER
        raise NotImplementedError(f"RecordingSession cannot answer {type(method).__name__}")

    def _new_message(
        self, bot: Bot, chat_id: int | str, *, markup: Any = None, **content: Any
    ) -> Message:
        chat = int(chat_id)
        message_id = self._last_message_id.get(chat, 0) + 1
        self._last_message_id[chat] = message_id
        message = Message(
            message_id=message_id,
            date=FIXED_DATE,
            chat=Chat(id=chat, type="private"),
            from_user=BOT_USER,
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            **content,
        ).as_(bot)
        self.messages[(chat, message_id)] = message
        return message

    def _edit(
        self,
        bot: Bot,
        method: EditMessageText | EditMessageReplyMarkup,
        *,
        text: str | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Message | bool:
        if method.inline_message_id is not None:
            return True
        assert method.chat_id is not None
        assert method.message_id is not None
        key = (int(method.chat_id), method.message_id)
        old = self.messages.get(key)
        if old is None:
            raise TelegramBadRequest(method, "Bad Request: message to edit not found")
        new_text = old.text if text is None else text
        if new_text == old.text and markup == old.reply_markup:
            raise TelegramBadRequest(
                method,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        edited = old.model_copy(
            update={"text": new_text, "reply_markup": markup, "edit_date": FIXED_DATE}
        ).as_(bot)
        self.messages[key] = edited
        return edited


def make_bot(session: RecordingSession) -> Bot:
    """A Bot on ``session`` with the product's request middlewares, as feedback-bot has."""
    add_request_middlewares(session)
    return Bot(BOT_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


# --- updates as Telegram sends them ---------------------------------------------------------


def _user(user_id: int, language_code: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"Citizen {user_id}",
        "language_code": language_code,
    }


def _private_chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": f"Citizen {user_id}"}


def _incoming(update_id: int, user_id: int, language_code: str, **content: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(FIXED_DATE.timestamp()),
            "chat": _private_chat(user_id),
            "from": _user(user_id, language_code),
            **content,
        },
    }


def message_update(
    update_id: int, user_id: int, text: str, language_code: str = "en"
) -> dict[str, Any]:
    """A text message in the citizen's private chat; ``/cmd ...`` carries a bot_command."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return _incoming(update_id, user_id, language_code, **content)


def sticker_update(update_id: int, user_id: int, language_code: str = "en") -> dict[str, Any]:
    sticker = {
        "file_id": f"sticker-{update_id}",
        "file_unique_id": f"sticker-{update_id}",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return _incoming(update_id, user_id, language_code, sticker=sticker)


def photo_update(
    update_id: int, user_id: int, language_code: str = "en", caption: str | None = None
) -> dict[str, Any]:
    """A photo (in two sizes, as Telegram sends them), with ``caption`` when given."""
    small = {"file_id": f"photo-{update_id}-s", "file_unique_id": f"photo-{update_id}-s"}
    photo = {"file_id": f"photo-{update_id}", "file_unique_id": f"photo-{update_id}"}
    sizes = [
        {**small, "width": 90, "height": 90, "file_size": 1_000},
        {**photo, "width": 800, "height": 600, "file_size": 80_000},
    ]
    extra = {"caption": caption} if caption is not None else {}
    return _incoming(update_id, user_id, language_code, photo=sizes, **extra)


def document_update(
    update_id: int, user_id: int, name: str, language_code: str = "en", caption: str | None = None
) -> dict[str, Any]:
    """A file sent as a document, with ``caption`` when given."""
    document = {
        "file_id": f"doc-{update_id}",
        "file_unique_id": f"doc-{update_id}",
        "file_name": name,
        "mime_type": "application/pdf",
        "file_size": 120_000,
    }
    extra = {"caption": caption} if caption is not None else {}
    return _incoming(update_id, user_id, language_code, document=document, **extra)


def callback_update(
    update_id: int, user_id: int, data: str, message_id: int, language_code: str = "en"
) -> dict[str, Any]:
    """A button pressed under the bot's message ``message_id`` in the citizen's chat."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"query-{update_id}",
            "from": _user(user_id, language_code),
            "chat_instance": f"chat-{user_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(FIXED_DATE.timestamp()),
                "chat": _private_chat(user_id),
                "from": BOT_USER.model_dump(exclude_none=True),
                "text": "…",
            },
        },
    }


def as_update(bot: Bot, raw: dict[str, Any]) -> Update:
    """A raw update bound to ``bot``, as the dispatcher receives it from polling."""
    return Update.model_validate(raw, context={"bot": bot})
