"""The Bot API's wire format: how parameters arrive and how errors are answered."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp import BodyPartReader, ClientResponse, MultipartReader, web

from civic_feedback.core.telegram_html import MAX_MESSAGE_LENGTH
from civic_feedback.sandbox.chat_records import JSON, UploadedFile

TEXT_LIMIT = MAX_MESSAGE_LENGTH  # UTF-16 code units, like Telegram
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes

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
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
    }
)
_INT_RE = re.compile(r"-?\d+")


class ApiError(Exception):
    """Raised inside handlers; turned into Telegram's error response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def coerce_param(key: str, value: Any) -> Any:
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
            raise bad_request(f"can't parse {key} JSON object") from None
    return value


async def read_params(
    request: web.Request, store_file: Callable[[str, bytes, str | None], UploadedFile]
) -> tuple[JSON, dict[str, UploadedFile]]:
    """A request's parameters from its query and its JSON or form body, typed; the files it
    uploads are kept with ``store_file``."""
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
                    files[key] = store_file(value.filename, value.file.read(), value.content_type)
                elif isinstance(value, bytes | bytearray):
                    params[key] = bytes(value).decode()
                else:
                    params[key] = value
    for key, value in list(params.items()):
        params[key] = coerce_param(key, value)
    return params, files


async def webhook_reply(response: ClientResponse) -> tuple[str, dict[str, str]] | None:
    """The Bot API method a webhook answered an update with, and its form fields as aiogram
    writes them; None for the empty answer ``{}``."""
    if response.content_type != "multipart/form-data":
        await response.read()
        return None
    fields: dict[str, str] = {}
    reader = MultipartReader.from_response(response)
    while (part := await reader.next()) is not None:
        assert isinstance(part, BodyPartReader)  # flat form fields, no nested multipart
        fields[part.name or ""] = await part.text()
    return fields.pop("method", ""), fields


def chat_id_param(params: JSON) -> int | str:
    """The chat_id parameter: a chat's id, or a channel's @username."""
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
        raise bad_request("chat not found")
    return chat_id


def error_response(err: ApiError) -> web.Response:
    body: JSON = {"ok": False, "error_code": err.status, "description": err.description}
    if err.retry_after is not None:
        body["parameters"] = {"retry_after": err.retry_after}
    return web.json_response(body, status=err.status)
