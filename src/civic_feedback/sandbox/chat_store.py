"""What the emulator's chats hold: the bot's messages, what users wrote, the files uploaded."""

from __future__ import annotations

from typing import Any

from civic_feedback.sandbox.bot_api import bad_request
from civic_feedback.sandbox.chat_records import SentMessage, UploadedFile, UserMessage


class ChatStore:
    """Every chat's messages from both sides, numbered per chat, and the bot's uploaded files.

    The lookups a Bot API method makes (:meth:`find_message`, :meth:`resolve_file`) fail with
    Telegram's errors.
    """

    def __init__(self) -> None:
        #: The bot's messages per chat, in order, deleted ones included.
        self.sent: dict[int | str, list[SentMessage]] = {}
        #: What users wrote per chat, by message_id.
        self.written: dict[int | str, dict[int, UserMessage]] = {}
        #: The first name each user last wrote with (their private chat's title).
        self.first_names: dict[int, str] = {}
        self.files: dict[str, UploadedFile] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._file_counter = 0

    def new_message_id(self, chat_id: int | str) -> int:
        """The next message_id of the chat: bot and users share one sequence, as in Telegram."""
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def store_file(self, filename: str, data: bytes, content_type: str | None) -> UploadedFile:
        self._file_counter += 1
        uploaded = UploadedFile(
            filename=filename,
            data=data,
            content_type=content_type,
            file_id=f"file-{self._file_counter}",
            file_unique_id=f"unique{self._file_counter}",
        )
        self.files[uploaded.file_id] = uploaded
        return uploaded

    def messages(self, chat_id: int | str, *, include_deleted: bool = False) -> list[SentMessage]:
        return [m for m in self.sent.get(chat_id, []) if include_deleted or not m.deleted]

    def message(self, chat_id: int | str, message_id: int) -> SentMessage:
        for m in self.sent.get(chat_id, []):
            if m.message_id == message_id:
                return m
        raise KeyError(f"bot sent no message {message_id} to chat {chat_id}")

    def user_messages(
        self, chat_id: int | str, *, include_deleted: bool = False
    ) -> list[UserMessage]:
        written = self.written.get(chat_id, {}).values()
        return sorted(
            (m for m in written if include_deleted or not m.deleted), key=lambda m: m.message_id
        )

    def changes(self, chat_id: int | str, since: int) -> list[SentMessage | UserMessage]:
        changed: list[SentMessage | UserMessage] = [
            m for m in self.sent.get(chat_id, []) if m.version > since
        ]
        written = self.user_messages(chat_id, include_deleted=True)
        changed += [m for m in written if m.version > since]
        return sorted(changed, key=lambda m: m.message_id)

    def find_message(self, chat_id: int | str, message_id: Any, action: str) -> SentMessage:
        """The bot message to ``action`` ("edit", "delete"); deleted ones are not found."""
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise bad_request("message identifier is not specified")
        for m in self.sent.get(chat_id, []):
            if m.message_id == message_id and not m.deleted:
                return m
        if message_id in self.written.get(chat_id, {}) and action == "edit":
            raise bad_request("message can't be edited")
        raise bad_request(f"message to {action} not found")

    def resolve_file(self, value: Any, files: dict[str, UploadedFile], field_name: str) -> Any:
        """The file a send method names: attached to the request, or uploaded before."""
        if isinstance(value, UploadedFile):
            return value
        if value is None:
            raise bad_request(f"there is no {field_name} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            key = value.removeprefix("attach://")
            if key not in files:
                raise bad_request(f"file {key!r} is not attached")
            return files[key]
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise bad_request("wrong file identifier/HTTP URL specified")
