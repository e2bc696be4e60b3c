"""The Bot API methods the emulator serves, from getMe to answerCallbackQuery."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from civic_feedback.sandbox.bot_api import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    ApiError,
    bad_request,
    chat_id_param,
)
from civic_feedback.sandbox.chat_records import (
    JSON,
    CallbackToast,
    SentMessage,
    UploadedFile,
    UserMessage,
)
from civic_feedback.sandbox.chat_store import ChatStore
from civic_feedback.sandbox.message_content import render_text, reply_markup
from civic_feedback.sandbox.telegram_objects import chat_json, message_json, user_json
from civic_feedback.sandbox.update_queue import UpdateQueue

#: A method: the request's params and uploaded files in, its result (or an awaitable of it) out.
Handler = Callable[[JSON, dict[str, UploadedFile]], Any]

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


# What a copy carries over from the original message.
_COPIED = frozenset({"photo", "document", "voice", "location", "venue", "sticker"})


def scope_key(scope: Mapping[str, Any] | None) -> str:
    """A BotCommandScope as canonical JSON (no scope: the default one)."""
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)


class BotApiMethods:
    """The methods by name, and the state only they change: command menus, the webhook,
    callback queries and their answers.

    Each method takes the request's params and files and returns its result, or raises
    :class:`~civic_feedback.sandbox.bot_api.ApiError` with Telegram's error.  The emulator
    passes in what it keeps itself: the bot's identity, its change counter and the points where
    the tests' fake refuses calls and counts them (``check_limits``, ``chat_changed``,
    ``record_sent``).
    """

    def __init__(
        self,
        chats: ChatStore,
        updates: UpdateQueue,
        *,
        bot: Callable[[], JSON],
        changed: Callable[[], int],
        check_limits: Callable[[str, int | str], None],
        chat_changed: Callable[[int | str], None],
        record_sent: Callable[[int | str], None],
        callback_timeout: float | None = None,
    ) -> None:
        self._chats = chats
        self._updates = updates
        self._bot = bot
        self._changed = changed
        self._check_limits = check_limits
        self._chat_changed = chat_changed
        self._record_sent = record_sent

        self._callback_counter = 0
        #: Open callback queries: query id -> the user who pressed, in which chat, and when.
        self._open_callbacks: dict[str, tuple[int, int | str, float]] = {}
        #: Seconds after a press when answering it fails, as on Telegram (None: never).
        self.callback_timeout = callback_timeout
        #: Answers to callback queries: query id -> answerCallbackQuery params.
        self.callback_answers: dict[str, JSON] = {}
        self.toasts: list[CallbackToast] = []
        #: setMyCommands state: (scope as canonical JSON, language_code) -> commands.
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        #: setChatMenuButton state: chat_id (None: default) -> menu button.
        self.menu_buttons: dict[int | str | None, JSON] = {}
        self.webhook_url = ""
        #: Seconds after sending when the bot may still delete its message (None: always).
        self.delete_window: float | None = None
        #: The bot's status in a group or channel (member, administrator, left, kicked...) as
        #: getChatMember gives it; unset: a member of a group, an administrator of a channel.
        self.bot_status: dict[int | str, str] = {}

        self._handlers: dict[str, tuple[str, Handler]] = {}
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
            ("copyMessage", self._copy_message),
            ("copyMessages", self._copy_messages),
            ("sendLocation", self._send_location),
            ("getFile", self._get_file),
            ("getChat", self._get_chat),
            ("getChatMember", self._get_chat_member),
        ):
            self._handlers[name.lower()] = (name, handler)

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        """The method's proper name and handler; method names are case-insensitive."""
        return self._handlers.get(method.lower())

    def open_callback_query(self, user_id: int, chat_id: int | str) -> str:
        """A new callback query id for a user's press in a chat, to be answered once."""
        self._callback_counter += 1
        query_id = f"{abs(user_id)}{self._callback_counter:06d}"
        self._open_callbacks[query_id] = (user_id, chat_id, time.monotonic())
        return query_id

    # ---------------------------------------------------------------- the bot and its updates

    def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        me = self._bot()
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
        return await self._updates.take(offset, limit, timeout)

    def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates") is True:
            self._updates.pending.clear()
        return True

    def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates") is True:
            self._updates.pending.clear()
        return True

    def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates.pending),
        }

    # ---------------------------------------------------------------- commands and menus

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        return (
            scope_key(scope if isinstance(scope, dict) else None),
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
        if isinstance(chat_id, int | str):
            self._check_limits("setChatMenuButton", chat_id)
        self.menu_buttons[chat_id if isinstance(chat_id, int | str) else None] = (
            copy.deepcopy(button) if isinstance(button, dict) else {"type": "default"}
        )
        return True

    # ---------------------------------------------------------------- chats and messages

    def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = chat_id_param(params)
        self._check_limits("getChat", chat_id)
        gifts = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        return {
            **chat_json(chat_id, self._chats.first_names),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _get_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = chat_id_param(params)
        self._check_limits("getChatMember", chat_id)
        bot = self._bot()
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        if user_id != bot["id"]:
            first_name = self._chats.first_names.get(user_id, "Citizen")
            return {"status": "member", "user": user_json(user_id, None, first_name)}
        channel = chat_json(chat_id, self._chats.first_names)["type"] == "channel"
        status = self.bot_status.get(chat_id, "administrator" if channel else "member")
        member: JSON = {"status": status, "user": bot}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": False,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_send_welcome_messages": False,
                    "can_post_messages": True,
                    "can_edit_messages": True,
                }
            )
        return member

    def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = chat_id_param(params)
        if not params.get("action"):
            raise bad_request("wrong parameter action in request")
        self._check_limits("sendChatAction", chat_id)
        return True

    def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = chat_id_param(params)
        self._check_limits("sendMessage", chat_id)
        raw = params.get("text")
        text, entities = render_text(
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
            reply_markup=reply_markup(params),
            reply_to=(params.get("reply_parameters") or {}).get("message_id"),
        )
        return self._store_message(msg)

    def _send_media(
        self, method: str, field_name: str, params: JSON, files: dict[str, UploadedFile]
    ) -> JSON:
        chat_id = chat_id_param(params)
        self._check_limits(method, chat_id)
        uploaded = self._chats.resolve_file(
            params.get(field_name, files.get(field_name)), files, field_name
        )
        if not isinstance(uploaded, UploadedFile):
            raise bad_request("wrong file identifier/HTTP URL specified")
        params[field_name] = uploaded
        raw_caption = params.get("caption")
        caption: str | None = None
        entities: list[JSON] = []
        if raw_caption is not None:
            caption, entities = render_text(
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
            reply_markup=reply_markup(params),
            document=uploaded if field_name == "document" else None,
            photo=uploaded if field_name == "photo" else None,
        )
        return self._store_message(msg)

    def _send_document(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self._send_media("sendDocument", "document", params, files)

    def _send_photo(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self._send_media("sendPhoto", "photo", params, files)

    def _copy_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        """A copy of a user's or the bot's message (no link to the original): a MessageId."""
        chat_id = chat_id_param(params)
        self._check_limits("copyMessage", chat_id)
        reply_to = (params.get("reply_parameters") or {}).get("message_id")
        source = chat_id_param({"chat_id": params.get("from_chat_id")})
        return {"message_id": self._copy(source, params.get("message_id"), chat_id, reply_to)}

    def _copy_messages(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        """copyMessages: several (an album stays together); a list of MessageId."""
        chat_id = chat_id_param(params)
        self._check_limits("copyMessages", chat_id)
        source = chat_id_param({"chat_id": params.get("from_chat_id")})
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids or len(ids) > 100:
            raise bad_request("message_ids must be a list of 1-100 message identifiers")
        return [{"message_id": self._copy(source, one, chat_id, None)} for one in ids]

    def _copy(self, source: int | str, message_id: Any, chat_id: int | str, reply_to: Any) -> int:
        written = self._chats.written.get(source, {}).get(message_id)
        if written is not None and not written.deleted:
            content = copy.deepcopy(written.content)
        else:
            original = self._chats.find_message(source, message_id, "copy")
            content = {k: v for k, v in self._message_json(original).items() if k in _COPIED}
        text = content.pop("text", None)
        caption = content.pop("caption", None)
        msg = SentMessage(
            message_id=0,
            chat_id=chat_id,
            date=int(time.time()),
            method="copyMessage",
            text=text,
            raw_text=text if text is not None else caption,
            caption=caption,
            reply_to=reply_to if isinstance(reply_to, int) else None,
            extra={k: v for k, v in content.items() if k in _COPIED},
            copied_from=(source, message_id),
        )
        stored = self._store_message(msg)
        return int(stored["message_id"])

    def _get_file(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        found = self._chats.files.get(str(params.get("file_id")))
        if found is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": found.file_id,
            "file_unique_id": found.file_unique_id,
            "file_size": found.size,
            "file_path": f"files/{found.file_id}",
        }

    def _send_location(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = chat_id_param(params)
        self._check_limits("sendLocation", chat_id)
        try:  # form fields arrive as text
            latitude, longitude = float(params["latitude"]), float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("latitude and longitude must be numbers") from None
        msg = SentMessage(
            message_id=0,
            chat_id=chat_id,
            date=int(time.time()),
            method="sendLocation",
            extra={"location": {"latitude": latitude, "longitude": longitude}},
            reply_to=(params.get("reply_parameters") or {}).get("message_id"),
        )
        return self._store_message(msg)

    def _store_message(self, msg: SentMessage) -> JSON:
        msg.message_id = self._chats.new_message_id(msg.chat_id)
        msg.sent_at = time.monotonic()
        self._chats.sent.setdefault(msg.chat_id, []).append(msg)
        msg.version = self._changed()
        self._chat_changed(msg.chat_id)
        self._record_sent(msg.chat_id)
        return self._message_json(msg)

    def _message_json(self, msg: SentMessage) -> JSON:
        return message_json(msg, self._bot(), self._chats.first_names)

    def _edit_target(self, params: JSON, method: str) -> tuple[int | str, SentMessage]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        chat_id = chat_id_param(params)
        self._check_limits(method, chat_id)
        return chat_id, self._chats.find_message(chat_id, params.get("message_id"), "edit")

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
        text, entities = render_text(
            raw, params.get("parse_mode"), params.get("entities"), limit=TEXT_LIMIT, caption=False
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = reply_markup(params)
        if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        msg.parse_mode = params.get("parse_mode")
        return self._apply_edit(msg, str(raw), text, entities, markup)

    def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        _, msg = self._edit_target(params, "editMessageReplyMarkup")
        markup = reply_markup(params)
        if markup == msg.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(msg, None, None, [], markup)

    def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = chat_id_param(params)
        message_id = params.get("message_id")
        written = self._chats.written.get(chat_id, {}).get(message_id)  # type: ignore[arg-type]
        target: UserMessage | SentMessage
        if written is not None and not written.deleted:
            target = written
        else:
            target = self._chats.find_message(chat_id, message_id, "delete")
            age = time.monotonic() - target.sent_at
            if self.delete_window is not None and age > self.delete_window:
                raise bad_request("message can't be deleted")
        target.deleted = True
        target.version = self._changed()
        if isinstance(target, SentMessage):
            self._chat_changed(chat_id)
        return True

    # ---------------------------------------------------------------- callback queries

    def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        user_id, chat_id, pressed = self._open_callbacks.get(query_id, (None, 0, 0.0))
        timeout = self.callback_timeout
        if user_id is None or (timeout is not None and time.monotonic() - pressed > timeout):
            self._open_callbacks.pop(query_id, None)
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._open_callbacks[query_id]
        self.callback_answers[query_id] = dict(params)
        if isinstance(text, str) and text:
            self.toasts.append(
                CallbackToast(
                    user_id, chat_id, text, params.get("show_alert") is True, self._changed()
                )
            )
        return True
