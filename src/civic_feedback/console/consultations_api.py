"""The console's consultations routes: the list, one consultation with its proposals, a
decision on one proposal, the report as a file, which its route and a download link make
with one function, and publishing the report, as ``feedback-admin consultations publish``
does and through the same function (admins and staff; see consultations.py,
consultation_reports.py, reports/consultation_posts.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import BufferedInputFile
from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.consultation_reports import (
    ReportFile,
    ReportRefusedError,
    report_file,
    report_name,
)
from civic_feedback.console.consultations import (
    DecisionRefusedError,
    consultation_detail,
    consultation_list,
    record_decision,
)
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.files import DownloadFile, FileKind, FileParams
from civic_feedback.reports.consultation_posts import (
    ReportPost,
    ReportPublishRefusedError,
    publish_report,
)
from civic_feedback.reports.results_posts import PublishRefusedError, channel_target
from civic_feedback.services.consultations import consultation_for
from civic_feedback.storage import audit
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.CONSULTATIONS
log = logging.getLogger(__name__)
_LONGEST_INPUT = 100  # characters of a chat or a language the page sends
T = TypeVar("T")


def add_routes(door: Door, app: web.Application) -> None:
    async def listed(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        now = door.clock()
        shown = await door.read(lambda session: consultation_list(session, access, now))
        return web.json_response({"consultations": shown})

    async def one(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        code, now = request.match_info["code"], door.clock()
        detail = await door.read(lambda session: consultation_detail(session, access, code, now))
        if detail is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return web.json_response(detail)

    async def decide(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        body = await json_body(request)
        code, number = request.match_info["code"], int(request.match_info["number"])
        key, now = door.settings.require_pseudonym_key(), door.clock()

        def work(session: Session) -> dict[str, Any] | None:
            return record_decision(session, access, key, code, number, body, now)

        try:
            decided = await door.write(work)
        except DecisionRefusedError as refused:
            raise refusal(web.HTTPUnprocessableEntity, refused.code) from None
        if decided is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return web.json_response(decided)

    async def reported_name(access: StaffAccess, params: FileParams) -> str:
        settings = door.settings
        name = await _report(door.read(lambda s: report_name(s, access, settings, params)))
        return _found(name)

    async def reported(access: StaffAccess, params: FileParams) -> DownloadFile:
        settings, key = door.settings, door.settings.require_pseudonym_key()

        def work(session: Session) -> ReportFile | None:
            return report_file(session, access, settings, key, params)

        made = _found(await _report(door.write(work)))
        return DownloadFile(made.name, made.media_type, made.body)

    door.files["consultation-report"] = FileKind(ALLOWED, reported_name, reported)

    async def report(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        params = await json_body(request)
        if not isinstance(params, dict):
            raise refusal(web.HTTPUnprocessableEntity, "malformed")
        return (await reported(access, params)).response()

    async def published(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        body = await json_body(request)
        chat, language = _text(body, "chat"), _text(body, "language")
        code, bot = request.match_info["code"], door.bot
        try:
            target = channel_target(chat) if chat.strip() else None
        except PublishRefusedError:
            raise refusal(web.HTTPUnprocessableEntity, "bad_chat") from None
        if target is not None and bot is None:
            raise refusal(web.HTTPServiceUnavailable, "no_bot")
        settings = door.settings
        actor = audit.telegram_actor(settings.require_pseudonym_key(), access.telegram_id)

        async def send(post: ReportPost) -> int:
            assert bot is not None  # a post is sent only to a channel, which needs the bot
            return await _send(bot, post)

        try:
            done = await publish_report(
                door,
                lambda session: consultation_for(session, code, access.municipality),
                target,
                language,
                settings.zone,
                send,
                actor,
                door.clock(),
                by="console",
            )
        except ReportPublishRefusedError as refused:
            kind = web.HTTPNotFound if refused.problem == "not_found" else None
            raise refusal(kind or web.HTTPUnprocessableEntity, refused.problem) from None
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning("console_publish_failed consultation=%s error=%s", code, error)
            raise refusal(web.HTTPBadGateway, "telegram_refused") from None
        return web.json_response({"url": done.url, "owed": done.owed})

    app.router.add_get("/api/consultations", listed)
    app.router.add_post("/api/consultations/{code}/publish", published)
    app.router.add_post("/api/consultations/report", report)
    app.router.add_get("/api/consultations/{code}", one)
    app.router.add_post("/api/consultations/{code}/proposals/{number:[0-9]{1,6}}/decision", decide)


async def _report(work: Awaitable[T]) -> T:
    try:
        return await work
    except ReportRefusedError as refused:
        raise refusal(web.HTTPUnprocessableEntity, refused.code) from None


def _found(made: T | None) -> T:
    if made is None:
        raise refusal(web.HTTPNotFound, "not_found")
    return made


def _text(body: Any, name: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or len(value) > _LONGEST_INPUT:
        raise refusal(web.HTTPUnprocessableEntity, "malformed")
    return value


async def _send(bot: Bot, post: ReportPost) -> int:
    """The summary, then the report as DOCX, with the bot's own client (its retries on 429
    too); the summary's message id."""
    assert post.chat is not None
    message_id = (await bot.send_message(post.chat, post.text)).message_id
    await bot.send_document(post.chat, BufferedInputFile(post.document, post.document_name))
    return message_id
