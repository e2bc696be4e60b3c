"""The console's announcements routes (admins and organizers): what composing needs, the
count of a choice of recipients, sending, following and stopping (see announcements.py)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.announcements import (
    AnnouncementRefusedError,
    NotFoundError,
    announcement_progress,
    announcements_page,
    reach,
    send_announcement,
    stop_announcement,
)
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.BROADCAST


def add_routes(door: Door, app: web.Application) -> None:
    settings = door.settings

    async def run(step: Callable[[], Awaitable[dict[str, Any]]]) -> web.Response:
        """The answer of a read or a change; a refusal as the page shows it."""
        try:
            return web.json_response(await step())
        except NotFoundError:
            raise refusal(web.HTTPNotFound, "not_found") from None
        except AnnouncementRefusedError as refused:
            answer = {"error": refused.code, **refused.details}
            raise web.HTTPUnprocessableEntity(
                text=json.dumps(answer), content_type="application/json"
            ) from None

    async def page(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        now = door.clock()
        return await run(
            lambda: door.read(lambda session: announcements_page(session, access, settings, now))
        )

    async def count(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        code, now = request.query.get("choice", ""), door.clock()
        return await run(
            lambda: door.read(lambda session: reach(session, access, settings, now, code))
        )

    async def send(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        body = await json_body(request)
        key, now = settings.require_pseudonym_key(), door.clock()

        def work(session: Session) -> dict[str, Any]:
            return send_announcement(session, access, settings, key, body, now)

        return await run(lambda: door.write(work))

    async def one(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        broadcast_id = int(request.match_info["id"])
        return await run(
            lambda: door.read(
                lambda session: announcement_progress(session, access, settings, broadcast_id)
            )
        )

    async def stop(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        await json_body(request)  # a change is JSON, like every other (nothing to read in it)
        broadcast_id, key = int(request.match_info["id"]), settings.require_pseudonym_key()
        return await run(
            lambda: door.write(
                lambda session: stop_announcement(session, access, settings, key, broadcast_id)
            )
        )

    app.router.add_get("/api/announcements", page)
    app.router.add_get("/api/announcements/audience", count)
    app.router.add_post("/api/announcements", send)
    app.router.add_get("/api/announcements/{id:[0-9]{1,9}}", one)
    app.router.add_post("/api/announcements/{id:[0-9]{1,9}}/stop", stop)
