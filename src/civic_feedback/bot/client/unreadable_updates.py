"""An update the bot cannot read is skipped, logged once and counted; the others go on.

aiogram reads a ``getUpdates`` answer as one list: a single update its models refuse (a poll
shaped as an older Bot API sent it, a message without a chat) fails the whole answer, the
offset never moves past it, and polling asks for the same answer again and again until
Telegram drops the update a day later. Behind a webhook the same update is a 500, which
Telegram retries, holding back what follows. Here each update is read on its own: a bad one
is written in the log once (``update_skipped update_id=… kind=… reason=…``, never its
content: it may be a citizen's message), counted by kind in the bot's metrics
(``civic_feedback_skipped_updates_total``), and dropped; polling's offset moves past it and
the webhook answers 200.

A skipped update is not recorded in ``processed_update``. That table makes a second delivery
of an update harmless once its effects are committed; a skipped update changed nothing, a
second delivery would be skipped again the same way, and a webhook body that is not JSON has
no update id to record. Nor does this layer, under every Bot API call, write to the database.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update
from pydantic import ValidationError

from civic_feedback.bot.monitoring.metrics import BotMetrics

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

NOT_JSON = "not_json"  # the kind of a webhook body that is not JSON (a form, text...)
NOT_AN_OBJECT = "not_an_object"  # JSON, but not an object (an array, a number...)
UNKNOWN = "unknown"  # an object naming no kind of update aiogram knows
# The kinds of update (message, callback_query, poll...): a counter's label is one of these
# or of the three above, whatever a sender writes.
_KINDS = frozenset(Update.model_fields) - {"update_id"}


def skip_update(update_id: int | None, kind: str, reason: str, metrics: BotMetrics) -> None:
    """Log the skipped update in one line and count it."""
    log.warning("update_skipped update_id=%s kind=%s reason=%s", update_id, kind, reason)
    metrics.update_skipped(kind)


def read_update(data: Any, bot: Bot, metrics: BotMetrics) -> tuple[Update | None, int | None]:
    """The update in ``data`` (a decoded JSON value) and its id; None in place of the update
    when it was skipped (logged and counted), and None for the id when none can be read."""
    update_id = _update_id(data)
    if not isinstance(data, dict):
        skip_update(update_id, NOT_AN_OBJECT, f"a JSON {type(data).__name__}", metrics)
        return None, update_id
    try:
        return Update.model_validate(data, context={"bot": bot}), update_id
    except ValidationError as error:
        skip_update(update_id, update_kind(data), refusal(error), metrics)
        return None, update_id


def read_webhook_body(
    body: bytes, content_type: str, bot: Bot, metrics: BotMetrics
) -> Update | None:
    """The update a webhook request carries; None when it was skipped (logged, counted)."""
    try:
        data = json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        skip_update(None, NOT_JSON, f"the body is not JSON ({content_type})", metrics)
        return None
    return read_update(data, bot, metrics)[0]


def update_kind(data: dict[str, Any]) -> str:
    """The kind of update an object says it is (its first field after update_id)."""
    return next((key for key in data if key in _KINDS), UNKNOWN)


def refusal(error: ValidationError) -> str:
    """Where and why aiogram's models refused an update, without the values it held."""
    problems = error.errors(include_url=False, include_input=False)
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"]) or "update"
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _update_id(data: Any) -> int | None:
    value = data.get("update_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class SkipUnreadableUpdates(BaseRequestMiddleware):
    """Reads a ``getUpdates`` answer that aiogram refused update by update, and drops those
    it cannot read.

    aiogram moves its offset after each update it yields, so a skipped update that ends an
    answer would be asked for again: the next ``getUpdates`` starts past the highest id
    seen here instead, which confirms it to Telegram.
    """

    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics
        self._seen: int | None = None  # the highest update id of an answer read here

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        polling = method if isinstance(method, GetUpdates) else None
        if polling is None:
            return await make_request(bot, method)
        if self._seen is not None and (polling.offset or 0) <= self._seen:
            polling.offset = self._seen + 1  # polling reuses the method: this is its offset
        try:
            return await make_request(bot, method)
        except ClientDecodeError as error:
            answer = error.data
            if not (isinstance(answer, dict) and answer.get("ok") is True):
                raise  # not Telegram's answer at all: aiogram backs off and asks again
            items = answer.get("result")
            if not isinstance(items, list) or all(_update_id(item) is None for item in items):
                raise  # no update id to move the offset past: aiogram backs off, asks again
            return cast(Response[TelegramType], self._readable(items, bot))

    def _readable(self, items: list[Any], bot: Bot) -> list[Update]:
        updates: list[Update] = []
        for item in items:
            update, update_id = read_update(item, bot, self.metrics)
            if update is not None:
                updates.append(update)
            if update_id is not None and (self._seen is None or update_id > self._seen):
                self._seen = update_id
        # What getUpdates returns: aiogram's request middlewares pass results along,
        # whatever their annotation says (see late_presses.py).
        return updates
