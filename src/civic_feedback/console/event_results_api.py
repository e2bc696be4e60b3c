"""The console's results routes: an event's results (every role: they are figures, never a
person) and **Publish** (admins and organizers), which posts them to a channel with the
bot, as ``feedback-admin publish`` does and through the same service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import BufferedInputFile
from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.event_files import DRAWING
from civic_feedback.console.event_results import PUBLISH, ResultsRead, read_results, with_chart
from civic_feedback.console.events import event_in_scope
from civic_feedback.reports.results_posts import (
    PublishProblem,
    PublishRefusedError,
    ResultsPost,
    publish_results,
)
from civic_feedback.storage import audit
from civic_feedback.storage.roles import Permission

log = logging.getLogger(__name__)
READ = Permission.SUMMARY  # every role
T = TypeVar("T")
_LONGEST_INPUT = 100  # characters of a chat or a language the page sends


class _DrawingUnits:
    """The door's database work for a post, its reads holding the drawing lock: the post's
    chart is drawn in them, and pyplot keeps one registry for the whole process."""

    def __init__(self, door: Door) -> None:
        self.door = door

    async def read(self, work: Callable[[Session], T]) -> T:
        def drawn(session: Session) -> T:
            with DRAWING:
                return work(session)

        return await self.door.read(drawn)

    async def write(self, work: Callable[[Session], T]) -> T:
        return await self.door.write(work)


def add_routes(door: Door, app: web.Application) -> None:
    settings = door.settings

    async def shown(request: web.Request) -> web.Response:
        access = await door.access(request, READ)
        code, now = request.match_info["code"], door.clock()
        language = request.query.get("lang", "")[:_LONGEST_INPUT]

        def work(session: Session) -> ResultsRead | None:
            return read_results(session, access, settings, code, language, now)

        read = await door.read(work)
        if read is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return web.json_response(await asyncio.to_thread(_drawn, read))

    async def published(request: web.Request) -> web.Response:
        access = await door.access(request, PUBLISH)
        body = await json_body(request)
        chat, language = _text(body, "chat"), _text(body, "language")
        bot, code = door.bot, request.match_info["code"]
        if bot is None:
            raise refusal(web.HTTPServiceUnavailable, "no_bot")
        actor = audit.telegram_actor(settings.require_pseudonym_key(), access.telegram_id)
        try:
            done = await publish_results(
                _DrawingUnits(door),
                lambda session: event_in_scope(session, access, code),
                chat,
                language,
                lambda post: _send(bot, post),
                actor,
                door.clock(),
                by="console",
            )
        except PublishRefusedError as refused:
            if refused.problem is PublishProblem.NO_EVENT:
                raise refusal(web.HTTPNotFound, "not_found") from None
            raise refusal(web.HTTPUnprocessableEntity, refused.problem.value) from None
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning("console_publish_failed event=%s error=%s", code, error)
            raise refusal(web.HTTPBadGateway, "telegram_refused") from None
        return web.json_response({"url": done.url, "owed": done.owed})

    app.router.add_get("/api/events/{code}/results", shown)
    app.router.add_post("/api/events/{code}/publish", published)


def _drawn(read: ResultsRead) -> dict[str, Any]:
    with DRAWING:
        return with_chart(read)


def _text(body: Any, name: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or len(value) > _LONGEST_INPUT:
        raise refusal(web.HTTPUnprocessableEntity, "malformed")
    return value


async def _send(bot: Bot, post: ResultsPost) -> int:
    """The figures, then the chart, with the bot's own client (its retries on 429 too)."""
    message_id = (await bot.send_message(post.chat, post.text)).message_id
    if post.chart is not None:
        await bot.send_photo(post.chat, BufferedInputFile(post.chart, filename=post.chart_name))
    return message_id
