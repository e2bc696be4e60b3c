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
* A callback query can be answered once; answering an unknown or already answered query fails.
* Two overlapping ``getUpdates`` calls: the older one gets ``409 Conflict: terminated by other
  getUpdates request``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from civic_feedback.sandbox.bot_api import (
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    TEXT_LIMIT,
    ApiError,
    bad_request,
    coerce_param,
    error_response,
)
from civic_feedback.sandbox.chat_records import (
    CallbackToast,
    RequestRecord,
    SentMessage,
    UploadedFile,
    UserMessage,
    image_size,
)
from civic_feedback.sandbox.telegram_html import parse_html, utf16_len

JSON = dict[str, Any]

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass
class _PendingUpdate:
    update: JSON
    delivered: bool = False
    #: update_id of the last update of the getUpdates answer this one was last delivered in.
    batch_end: int | None = None


_Handler = Callable[[JSON, dict[str, UploadedFile]], Any]


class BotApiEmulator:
    """The Bot API subset the bot uses, served by aiohttp on loopback."""

    def __init__(
        self,
        *,
        bot_username: str = "civic_feedback_test_bot",
        bot_first_name: str = "Civic feedback",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._bot_id = 1  # from the token of the latest request
        self._background: set[asyncio.Task[None]] = set()
        self._closing = False

        self._cond = asyncio.Condition()
        #: Raised by every change a chat page shows.
        self.version = 0
        self._log: list[RequestRecord] = []
        self._messages: dict[int | str, list[SentMessage]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._user_messages: dict[int | str, dict[int, UserMessage]] = {}
        self._user_first_names: dict[int, str] = {}
        self._files: dict[str, UploadedFile] = {}
        self._file_counter = 0
        self._updates: list[_PendingUpdate] = []
        self._next_update_id = 1
        self._poll_generation = 0
        self._waiting_polls = 0
        self._callback_counter = 0
        #: Open callback queries: query id -> the user who pressed.
        self._open_callbacks: dict[str, int] = {}
        #: Answers to callback queries: query id -> answerCallbackQuery params.
        self.callback_answers: dict[str, JSON] = {}
        self.toasts: list[CallbackToast] = []
        #: setMyCommands state: (scope as canonical JSON, language_code) -> commands.
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        #: setChatMenuButton state: chat_id (None: default) -> menu button.
        self.menu_buttons: dict[int | str | None, JSON] = {}
        self.webhook_url = ""

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

    async def start(self, app: web.Application | None = None) -> None:
        """Serve on ``host:port`` (port 0: a free one); ``app`` may already hold other routes."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already started")
        app = app if app is not None else web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._closing = False
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner
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
            raise RuntimeError("the emulator is not started")
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

    def file(self, file_id: str) -> UploadedFile | None:
        """A file the bot uploaded, by its file_id."""
        return self._files.get(file_id)

    def user_messages(
        self, chat_id: int | str, *, include_deleted: bool = False
    ) -> list[UserMessage]:
        """What the user wrote in the chat, oldest first."""
        written = self._user_messages.get(chat_id, {}).values()
        return sorted(
            (m for m in written if include_deleted or not m.deleted), key=lambda m: m.message_id
        )

    def chat_changes(self, chat_id: int | str, since: int) -> list[SentMessage | UserMessage]:
        """The chat's messages (both sides) sent, edited or deleted after ``version`` ``since``."""
        changed: list[SentMessage | UserMessage] = [
            m for m in self._messages.get(chat_id, []) if m.version > since
        ]
        written = self.user_messages(chat_id, include_deleted=True)
        changed += [m for m in written if m.version > since]
        return sorted(changed, key=lambda m: m.message_id)

    # ---------------------------------------------------------------- the users' side

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
        self._user_messages.setdefault(chat, {})[message_id] = UserMessage(
            message_id, chat, message["date"], str(shown), version=self._changed()
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
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self.send_content(
            user_id,
            content,
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
        self._callback_counter += 1
        query_id = f"{abs(user_id)}{self._callback_counter:06d}"
        self._open_callbacks[query_id] = user_id
        first_name = self._user_first_names.get(user_id, "Citizen")
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
            async with asyncio.timeout(timeout), self._cond:
                await self._cond.wait_for(lambda: self.version > since or self._closing)
        return self.version

    def _changed(self) -> int:
        self.version += 1
        return self.version

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
        return error_response(ApiError(404, "Not Found"))

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
                raise ApiError(404, "Not Found: method not found")
            if not re.fullmatch(r"\d+:[\w-]+", token):
                raise ApiError(401, "Unauthorized")
            self._bot_id = int(token.split(":", 1)[0])
            result = known[1](params, files)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as err:
            record.status = err.status
            record.description = err.description
            await self._notify()
            return error_response(err)
        except Exception as exc:  # a bug in the emulator: make it visible to the caller
            record.status = 500
            record.description = f"Internal Server Error: {exc!r}"
            await self._notify()
            return error_response(ApiError(500, record.description))
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
                    raise bad_request("can't parse JSON body") from exc
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
            params[key] = coerce_param(key, value)
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
            file_id=f"file-{self._file_counter}",
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
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
            raise bad_request("chat not found")
        return chat_id

    def _find_message(self, chat_id: int | str, message_id: Any, action: str) -> SentMessage:
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise bad_request("message identifier is not specified")
        for m in self._messages.get(chat_id, []):
            if m.message_id == message_id and not m.deleted:
                return m
        if message_id in self._user_messages.get(chat_id, {}) and action == "edit":
            raise bad_request("message can't be edited")
        raise bad_request(f"message to {action} not found")

    def _check_limits(self, method: str, chat_id: int | str) -> None:
        """Before a call takes effect: Telegram would refuse here (403, 429); the emulator never.

        The tests' fake (``tests/fake_telegram.py``) refuses blocked users and enforces rates.
        """

    def _chat_changed(self, chat_id: int | str) -> None:
        """After a bot message in the chat was sent, edited or deleted (where the tests' fake
        wakes those waiting on that chat)."""

    def _record_sent(self, chat_id: int | str) -> None:
        """After a message was sent or edited (where the tests' fake counts towards its rates)."""

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
            raise bad_request("message text is empty")
        if utf16_len(plain) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return plain, parsed

    @staticmethod
    def _markup(params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup '
                    "should be an Array of Arrays"
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

    def _resolve_file(self, value: Any, files: dict[str, UploadedFile], field_name: str) -> Any:
        if isinstance(value, UploadedFile):
            return value
        if value is None:
            raise bad_request(f"there is no {field_name} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            key = value.removeprefix("attach://")
            if key not in files:
                raise bad_request(f"file {key!r} is not attached")
            return files[key]
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        raise bad_request("wrong file identifier/HTTP URL specified")

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
            raise ApiError(
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
                raise ApiError(
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
            raise bad_request('parameter "commands" is required')
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description", "")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = copy.deepcopy(commands)
        self._changed()
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
        self._check_limits("getChat", chat_id)
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
            raise bad_request("wrong parameter action in request")
        self._check_limits("sendChatAction", chat_id)
        return True

    def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = self._chat_id(params)
        self._check_limits("sendMessage", chat_id)
        raw = params.get("text")
        text, entities = self._render(
            raw, params.get("parse_mode"), params.get("entities"), limit=TEXT_LIMIT, caption=False
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
            raise bad_request("wrong file identifier/HTTP URL specified")
        params[field_name] = uploaded
        raw_caption = params.get("caption")
        caption: str | None = None
        entities: list[JSON] = []
        if raw_caption is not None:
            caption, entities = self._render(
                raw_caption,
                params.get("parse_mode"),
                params.get("caption_entities"),
                limit=CAPTION_LIMIT,
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
        msg.version = self._changed()
        self._chat_changed(msg.chat_id)
        self._record_sent(msg.chat_id)
        return self._message_json(msg)

    def _edit_target(self, params: JSON, method: str) -> tuple[int | str, SentMessage]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
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
        msg.version = self._changed()
        self._chat_changed(msg.chat_id)
        self._record_sent(msg.chat_id)
        return self._message_json(msg)

    def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        _, msg = self._edit_target(params, "editMessageText")
        if msg.text is None:
            raise bad_request("there is no text in the message to edit")
        raw = params.get("text")
        text, entities = self._render(
            raw, params.get("parse_mode"), params.get("entities"), limit=TEXT_LIMIT, caption=False
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self._markup(params)
        if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        msg.parse_mode = params.get("parse_mode")
        return self._apply_edit(msg, str(raw), text, entities, markup)

    def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        _, msg = self._edit_target(params, "editMessageReplyMarkup")
        markup = self._markup(params)
        if markup == msg.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(msg, None, None, [], markup)

    def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        written = self._user_messages.get(chat_id, {}).get(message_id)  # type: ignore[arg-type]
        target: UserMessage | SentMessage
        if written is not None and not written.deleted:
            target = written
        else:
            target = self._find_message(chat_id, message_id, "delete")
        target.deleted = True
        target.version = self._changed()
        if isinstance(target, SentMessage):
            self._chat_changed(chat_id)
        return True

    def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        user_id = self._open_callbacks.pop(query_id)
        self.callback_answers[query_id] = dict(params)
        if isinstance(text, str) and text:
            self.toasts.append(
                CallbackToast(user_id, text, params.get("show_alert") is True, self._changed())
            )
        return True
