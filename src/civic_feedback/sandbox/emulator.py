"""A local Telegram Bot API: the sandbox's stand-in for Telegram, and the tests' fake.

The real bot is pointed at :attr:`BotApiEmulator.url` (``TELEGRAM_API_URL``); aiogram then calls
``{url}/bot{token}/{method}``.  The emulator answers the way Telegram does (``{"ok": true,
"result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}``), keeps the current
state of every message the bot sent and of what users wrote, logs every request, and plays the
users: :meth:`BotApiEmulator.send_text` and :meth:`BotApiEmulator.press` create updates that the
bot receives through ``getUpdates`` (long polling).  Every change (a message sent, edited or
deleted, a user's message, a callback answer, a command menu) raises :attr:`version`, which the
chat page waits on (:meth:`BotApiEmulator.wait_for_change`).

Deliberate realism (so that bugs that would fail against Telegram fail here too):

* ``parse_mode=HTML`` is parsed like Telegram does (:mod:`civic_feedback.sandbox.telegram_html`);
  the stored :attr:`SentMessage.text` is the plain text a user sees, with its entities,
  :attr:`SentMessage.raw_text` what the bot sent.  Markdown parse modes are not interpreted.
* Texts longer than 4096 (captions 1024) UTF-16 code units, empty texts and callback data longer
  than 64 bytes are refused with Telegram's errors.
* ``editMessageText`` without ``reply_markup`` removes the inline keyboard, as Telegram does.
* Message objects returned to the bot carry ``reply_markup`` only for inline keyboards.
* A callback query can be answered once; answering an unknown or already answered query fails,
  and so does answering it more than ``callback_timeout`` seconds after the press (Telegram
  does not document its limit; answers after 10-15 s are commonly refused).
* Two overlapping ``getUpdates`` calls: the older one gets ``409 Conflict: terminated by other
  getUpdates request``.

This module serves the emulator over HTTP and plays the users; the methods are in
:mod:`~civic_feedback.sandbox.bot_methods`, the updates wait in
:mod:`~civic_feedback.sandbox.update_queue`, the chats' messages and files are kept in
:mod:`~civic_feedback.sandbox.chat_store`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientResponse, web

from civic_feedback.core.telegram_html import utf16_len
from civic_feedback.sandbox.bot_api import (
    ApiError,
    coerce_param,
    error_response,
    read_params,
    webhook_reply,
)
from civic_feedback.sandbox.bot_methods import BotApiMethods, Handler, scope_key
from civic_feedback.sandbox.chat_records import (
    JSON,
    CallbackToast,
    RequestRecord,
    SentMessage,
    UploadedFile,
    UserMessage,
)
from civic_feedback.sandbox.chat_store import ChatStore
from civic_feedback.sandbox.message_content import keyboard_buttons
from civic_feedback.sandbox.telegram_objects import bot_json, chat_json, message_json, user_json
from civic_feedback.sandbox.update_queue import PendingUpdate, UpdateQueue

CALLBACK_TIMEOUT = 15.0  # seconds a press can be answered


def text_content(text: str) -> JSON:
    """A text message's content as a Telegram app sends it: a command gets its entity."""
    content: JSON = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0] if text.strip() else text
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    return content


class BotApiEmulator:
    """The Bot API subset the bot uses, served by aiohttp on loopback."""

    def __init__(
        self,
        *,
        bot_username: str = "civic_feedback_test_bot",
        bot_first_name: str = "Civic feedback",
        host: str = "127.0.0.1",
        port: int = 0,
        callback_timeout: float | None = CALLBACK_TIMEOUT,
        first_update_id: int = 1,
    ) -> None:
        """``first_update_id``: where update ids start; as on Telegram, a bot restarted on its
        database never sees an id again that it handled before."""
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._bot_id = 1  # from the token of the latest request

        #: Raised by every change a chat page shows.
        self.version = 0
        self._log: list[RequestRecord] = []
        self._chats = ChatStore()
        self._queue = UpdateQueue(first_update_id)
        self._methods = BotApiMethods(
            self._chats,
            self._queue,
            bot=self._bot_json,
            changed=self._changed,
            check_limits=self._check_limits,
            chat_changed=self._chat_changed,
            record_sent=self._record_sent,
            callback_timeout=callback_timeout,
        )

    # ---------------------------------------------------------------- lifecycle

    async def start(self, app: web.Application | None = None) -> None:
        """Serve on ``host:port`` (port 0: a free one); ``app`` may already hold other routes."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already started")
        app = app if app is not None else web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._queue.closing = False
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._queue.closing = True
        await self._queue.notify()  # lets long polls return at once
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
            raise RuntimeError("the emulator is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    # ---------------------------------------------------------------- inspection

    def messages(self, chat_id: int | str, *, include_deleted: bool = False) -> list[SentMessage]:
        """Messages the bot sent to the chat, current state, in order."""
        return self._chats.messages(chat_id, include_deleted=include_deleted)

    def last_message(self, chat_id: int | str) -> SentMessage | None:
        """The latest (not deleted) message the bot sent to the chat."""
        msgs = self.messages(chat_id)
        return msgs[-1] if msgs else None

    def message(self, chat_id: int | str, message_id: int) -> SentMessage:
        """A bot message by id (also deleted ones); KeyError when unknown."""
        return self._chats.message(chat_id, message_id)

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        """Logged requests (all, or those of one method), including refused ones."""
        if method is None:
            return list(self._log)
        return [r for r in self._log if r.method == method]

    #: Keyboard rows of a message as (text, callback_data) pairs (see keyboard_buttons).
    buttons = staticmethod(keyboard_buttons)

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot (delivered or not)."""
        return [copy.deepcopy(p.update) for p in self._queue.pending]

    @property
    def polling(self) -> bool:
        """True while a getUpdates long poll is waiting."""
        return self._queue.polling

    async def wait_until_polled(self) -> None:
        """Until the bot waits in a getUpdates long poll: it is up and listening."""
        async with self._queue.cond:
            await self._queue.cond.wait_for(lambda: self.polling)

    @property
    def callback_answers(self) -> dict[str, JSON]:
        """Answers to callback queries: query id -> answerCallbackQuery params."""
        return self._methods.callback_answers

    @property
    def toasts(self) -> list[CallbackToast]:
        """answerCallbackQuery texts, in the order the bot sent them."""
        return self._methods.toasts

    def callback_answer(self, update_or_id: Mapping[str, Any] | str) -> JSON | None:
        """answerCallbackQuery params for a press() update (or query id); None if unanswered."""
        if isinstance(update_or_id, str):
            query_id = update_or_id
        else:
            query_id = str(update_or_id["callback_query"]["id"])
        return self.callback_answers.get(query_id)

    @property
    def commands(self) -> dict[tuple[str, str], list[JSON]]:
        """setMyCommands state: (scope as canonical JSON, language_code) -> commands."""
        return self._methods.commands

    @property
    def menu_buttons(self) -> dict[int | str | None, JSON]:
        """setChatMenuButton state: chat_id (None: default) -> menu button."""
        return self._methods.menu_buttons

    @property
    def webhook_url(self) -> str:
        """The setWebhook URL; "" while the bot polls."""
        return self._methods.webhook_url

    @webhook_url.setter
    def webhook_url(self, url: str) -> None:
        self._methods.webhook_url = url

    @property
    def delete_window(self) -> float | None:
        """Seconds after sending when the bot may still delete its message (None: always;
        Telegram allows 48 hours in groups where the bot is not an admin)."""
        return self._methods.delete_window

    @delete_window.setter
    def delete_window(self, seconds: float | None) -> None:
        self._methods.delete_window = seconds

    @property
    def bot_status(self) -> dict[int | str, str]:
        """The bot's status in groups and channels, as getChatMember answers (see
        :attr:`BotApiMethods.bot_status`); a test sets e.g. ``"left"`` for a group."""
        return self._methods.bot_status

    @property
    def callback_timeout(self) -> float | None:
        """Seconds after a press when answering it fails (None: never)."""
        return self._methods.callback_timeout

    @callback_timeout.setter
    def callback_timeout(self, seconds: float | None) -> None:
        self._methods.callback_timeout = seconds

    def my_commands(
        self, *, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSON]:
        return list(self.commands.get((scope_key(scope), language_code), []))

    def file(self, file_id: str) -> UploadedFile | None:
        """A file the bot uploaded, by its file_id."""
        return self._chats.files.get(file_id)

    def user_messages(
        self, chat_id: int | str, *, include_deleted: bool = False
    ) -> list[UserMessage]:
        """What the user wrote in the chat, oldest first."""
        return self._chats.user_messages(chat_id, include_deleted=include_deleted)

    def chat_message(self, chat_id: int | str, message_id: int) -> SentMessage | UserMessage | None:
        """A message of the chat from either side (the bot's or a user's), deleted ones too."""
        written = self._chats.written.get(chat_id, {}).get(message_id)
        if written is not None:
            return written
        try:
            return self._chats.message(chat_id, message_id)
        except KeyError:
            return None

    def chat_changes(self, chat_id: int | str, since: int) -> list[SentMessage | UserMessage]:
        """The chat's messages (both sides) sent, edited or deleted after ``version`` ``since``."""
        return self._chats.changes(chat_id, since)

    # ---------------------------------------------------------------- the users' side

    def push(self, update: Mapping[str, Any]) -> JSON:
        """Queue an arbitrary update (may reuse an update_id to deliver the same update again)."""
        return self._queue.push(update)

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
        self._chats.first_names[user_id] = first_name
        chat = user_id if chat_id is None else chat_id
        message_id = self._chats.new_message_id(chat)
        message: JSON = {
            "message_id": message_id,
            "from": self._user_json(user_id, language_code, first_name),
            "chat": self._chat_json(chat),
            "date": int(time.time()),
            **copy.deepcopy(dict(content)),
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(self.message(chat, reply_to))
        shown = content.get("text") or content.get("caption") or f"[{next(iter(content), '')}]"
        self._chats.written.setdefault(chat, {})[message_id] = UserMessage(
            message_id,
            chat,
            message["date"],
            str(shown),
            version=self._changed(),
            content=copy.deepcopy(dict(content)),
            sender_id=user_id,
            reply_to=reply_to,
        )
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
        return self.send_content(
            user_id,
            text_content(text),
            language_code=language_code,
            first_name=first_name,
            chat_id=chat_id,
            reply_to=reply_to,
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
        query_id = self._methods.open_callback_query(user_id, chat)
        first_name = self._chats.first_names.get(user_id, "Citizen")
        query: JSON = {
            "id": query_id,
            "from": self._user_json(user_id, language_code, first_name),
            "message": self._message_json(msg),
            "chat_instance": str(abs(hash(chat)) * 7919 + 1000),
            "data": callback_data,
        }
        return self.push({"update_id": self._next_update_id, "callback_query": query})

    # ---------------------------------------------------------------- synchronisation

    async def wait_for_change(self, since: int, timeout: float) -> int:  # noqa: ASYNC109
        """The version once it is above ``since``, or the current one after ``timeout`` s."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), self._queue.cond:
                await self._queue.cond.wait_for(lambda: self.version > since or self._queue.closing)
        return self.version

    def _changed(self) -> int:
        self.version += 1
        return self.version

    # ---------------------------------------------------------------- HTTP layer

    async def _not_found(self, request: web.Request) -> web.Response:
        return error_response(ApiError(404, "Not Found"))

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        known = self._methods.lookup(request.match_info["method"])
        method = known[0] if known else request.match_info["method"]
        record = RequestRecord(method=method, params={}, time=time.monotonic(), token=token)
        self._log.append(record)
        try:
            params, files = await read_params(request, self._chats.store_file)
            record.params = params
            if known is None:
                raise ApiError(404, "Not Found: method not found")
            if not re.fullmatch(r"\d+:[\w-]+", token):
                raise ApiError(401, "Unauthorized")
            self._bot_id = int(token.split(":", 1)[0])
        except ApiError as err:
            return await self._refused(record, err)
        except Exception as exc:  # a bug in the emulator: make it visible to the caller
            return await self._refused(record, ApiError(500, f"Internal Server Error: {exc!r}"))
        return await self._carry_out(record, known[1], params, files)

    async def _download(self, request: web.Request) -> web.Response:
        """A file as getFile's ``file_path`` names it (files/<file_id>)."""
        path = request.match_info["path"]
        found = self._chats.files.get(path.removeprefix("files/"))
        if found is None or not path.startswith("files/"):
            raise web.HTTPNotFound()
        return web.Response(
            body=found.data, content_type=found.content_type or "application/octet-stream"
        )

    def store_file(self, filename: str, data: bytes, content_type: str | None = None) -> str:
        """A file a user sends (as Telegram would have it): its file id."""
        return self._chats.store_file(filename, data, content_type).file_id

    def photo_sizes(self, sizes: Iterable[tuple[bytes, int, int]]) -> list[JSON]:
        """The ``photo`` of a message a user sends: Telegram's PhotoSize list, smallest first,
        each size (JPEG bytes, width, height) kept as a file of its own, as Telegram keeps
        them."""
        photo = []
        for data, width, height in sizes:
            kept = self._chats.store_file(f"photo-{width}x{height}.jpg", data, "image/jpeg")
            photo.append(
                {
                    "file_id": kept.file_id,
                    "file_unique_id": kept.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": kept.size,
                }
            )
        return photo

    def document_of(self, filename: str, data: bytes, content_type: str) -> JSON:
        """The ``document`` of a message a user sends, the file kept for download."""
        kept = self._chats.store_file(filename, data, content_type)
        return {
            "file_id": kept.file_id,
            "file_unique_id": kept.file_unique_id,
            "file_name": filename,
            "mime_type": content_type,
            "file_size": kept.size,
        }

    async def take_webhook_reply(self, response: ClientResponse) -> None:
        """Carry out the Bot API method a webhook answered an update with, as Telegram does:
        logged like a request (token ``webhook-reply``); neither its result nor an error
        goes back to the bot."""
        reply = await webhook_reply(response)
        known = self._methods.lookup(reply[0]) if reply else None
        if reply is None or known is None:
            return
        fields = reply[1]
        params = {key: coerce_param(key, value) for key, value in fields.items()}
        record = RequestRecord(known[0], params, time.monotonic(), token="webhook-reply")
        self._log.append(record)
        await self._carry_out(record, known[1], params, {})

    async def _carry_out(
        self, record: RequestRecord, handler: Handler, params: JSON, files: dict[str, UploadedFile]
    ) -> web.Response:
        try:
            result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as err:
            return await self._refused(record, err)
        except Exception as exc:  # a bug in the emulator: make it visible to the caller
            return await self._refused(record, ApiError(500, f"Internal Server Error: {exc!r}"))
        record.status = 200
        record.result = result
        await self._queue.notify()
        return web.json_response({"ok": True, "result": result})

    async def _refused(self, record: RequestRecord, err: ApiError) -> web.Response:
        record.status = err.status
        record.description = err.description
        await self._queue.notify()
        return error_response(err)

    # ---------------------------------------------------------------- Telegram's objects

    def _bot_json(self, token_id: int | None = None) -> JSON:
        bot_id = token_id if token_id is not None else self._bot_id
        return bot_json(bot_id, self.bot_first_name, self.bot_username)

    _user_json = staticmethod(user_json)

    def _chat_json(self, chat_id: int | str) -> JSON:
        return chat_json(chat_id, self._chats.first_names)

    def _message_json(self, m: SentMessage) -> JSON:
        return message_json(m, self._bot_json(), self._chats.first_names)

    # ---------------------------------------------------------------- for the tests' fake

    def _check_limits(self, method: str, chat_id: int | str) -> None:
        """Before a call takes effect: Telegram would refuse here (403, 429); the emulator never.

        The tests' fake (``tests/support/fake_telegram.py``) refuses blocked users and enforces
        rates.
        """

    def _chat_changed(self, chat_id: int | str) -> None:
        """After a bot message in the chat was sent, edited or deleted (where the tests' fake
        wakes those waiting on that chat)."""

    def _record_sent(self, chat_id: int | str) -> None:
        """After a message was sent or edited (where the tests' fake counts towards its rates)."""

    # The tests' fake waits on the queue's condition, takes the queued updates to post them to
    # webhooks and reads the bot's messages: it reaches them under their old names.

    @property
    def _cond(self) -> asyncio.Condition:
        return self._queue.cond

    @property
    def _closing(self) -> bool:
        return self._queue.closing

    @property
    def _updates(self) -> list[PendingUpdate]:
        return self._queue.pending

    @_updates.setter
    def _updates(self, pending: list[PendingUpdate]) -> None:
        self._queue.pending = pending

    @property
    def _next_update_id(self) -> int:
        return self._queue.next_update_id

    @property
    def _messages(self) -> dict[int | str, list[SentMessage]]:
        return self._chats.sent
