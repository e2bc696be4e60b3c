"""The console's consultations routes: the list, one consultation with its proposals, a
decision on one proposal, and the report as a file, which its route and a download link
make with one function (admins and staff; see consultations.py, consultation_reports.py)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

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
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.CONSULTATIONS
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

    app.router.add_get("/api/consultations", listed)
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
