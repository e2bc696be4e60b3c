"""The console's exports routes: what can be exported, and the file (admins and staff; see
exports.py). The file is written in a worker thread, with its audit entry, as one
transaction."""

from __future__ import annotations

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.exports import (
    ExportFile,
    ExportFormError,
    export_choices,
    export_file,
)
from civic_feedback.reports.export_request import ExportRefusal, ExportRefusedError
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.EXPORT
# A missing form or event, and an event of another municipality, are all "not found".
NOT_FOUND = {ExportRefusal.NO_EVENT, ExportRefusal.NO_FORM}


def add_routes(door: Door, app: web.Application) -> None:
    settings = door.settings

    async def choices(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        now = door.clock()
        shown = await door.read(lambda session: export_choices(session, access, settings.zone, now))
        return web.json_response(shown)

    async def download(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        body = await json_body(request)
        key, now = settings.require_pseudonym_key(), door.clock()

        def work(session: Session) -> ExportFile:
            return export_file(session, access, key, body, settings.zone, now)

        try:
            made = await door.write(work)
        except ExportFormError as refused:
            raise refusal(web.HTTPUnprocessableEntity, refused.code) from None
        except ExportRefusedError as refused:
            if refused.refusal in NOT_FOUND:
                raise refusal(web.HTTPNotFound, "not_found") from None
            raise refusal(web.HTTPUnprocessableEntity, refused.refusal.value) from None
        return web.Response(
            body=made.content,
            content_type=made.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{made.name}"',
                "X-Responses": str(made.responses),
            },
        )

    app.router.add_get("/api/exports", choices)
    app.router.add_post("/api/exports/file", download)
