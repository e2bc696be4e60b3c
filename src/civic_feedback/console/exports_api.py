"""The console's exports routes: what can be exported, and the file (admins and staff; see
exports.py), from the page or through a download link. The file is written in a worker
thread, with its audit entry, as one transaction."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.exports import (
    ExportFile,
    ExportFormError,
    export_choices,
    export_file,
    plan_file,
)
from civic_feedback.console.files import DownloadFile, FileKind, FileParams
from civic_feedback.reports.export_request import ExportRefusal, ExportRefusedError
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.EXPORT
# A missing form or event, and an event of another municipality, are all "not found".
NOT_FOUND = {ExportRefusal.NO_EVENT, ExportRefusal.NO_FORM}
T = TypeVar("T")


def add_routes(door: Door, app: web.Application) -> None:
    settings = door.settings

    async def choices(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        now = door.clock()
        shown = await door.read(lambda session: export_choices(session, access, settings.zone, now))
        return web.json_response(shown)

    async def name(access: StaffAccess, params: FileParams) -> str:
        zone, now = settings.zone, door.clock()
        planned = await _refused(door.read(lambda s: plan_file(s, access, params, zone, now)))
        return planned.name

    async def make(access: StaffAccess, params: FileParams) -> DownloadFile:
        key, now = settings.require_pseudonym_key(), door.clock()

        def work(session: Session) -> ExportFile:
            return export_file(session, access, key, params, settings.zone, now)

        made = await _refused(door.write(work))
        headers = {"X-Responses": str(made.responses)}
        return DownloadFile(made.name, made.media_type, made.content, headers)

    door.files["export"] = FileKind(ALLOWED, name, make)

    async def download(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        return (await make(access, await json_body(request))).response()

    app.router.add_get("/api/exports", choices)
    app.router.add_post("/api/exports/file", download)


async def _refused(work: Awaitable[T]) -> T:
    """What the export refuses, as the page's error codes."""
    try:
        return await work
    except ExportFormError as refused:
        raise refusal(web.HTTPUnprocessableEntity, refused.code) from None
    except ExportRefusedError as refused:
        if refused.refusal in NOT_FOUND:
            raise refusal(web.HTTPNotFound, "not_found") from None
        raise refusal(web.HTTPUnprocessableEntity, refused.refusal.value) from None
