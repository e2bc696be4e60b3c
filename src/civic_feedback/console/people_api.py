"""The console's People routes (admins): who holds a role, grant, revoke, and the audit log
(see people.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.people import (
    NotFoundError,
    PeopleRefusedError,
    audit_page,
    grant_role,
    people_page,
    revoke_role,
)
from civic_feedback.settings import Settings
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.MANAGE_USERS
Change = Callable[[Session, StaffAccess, Settings, bytes, Any], dict[str, Any]]


def add_routes(door: Door, app: web.Application) -> None:
    settings = door.settings

    async def listed(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        shown = await door.read(lambda session: people_page(session, access, settings))
        return web.json_response(shown)

    def changing(change: Change) -> Callable[[web.Request], Any]:
        async def route(request: web.Request) -> web.Response:
            access = await door.access(request, ALLOWED)
            body = await json_body(request)
            key = settings.require_pseudonym_key()
            try:
                done = await door.write(
                    lambda session: change(session, access, settings, key, body)
                )
            except PeopleRefusedError as refused:
                raise refusal(web.HTTPUnprocessableEntity, refused.code) from None
            except NotFoundError:
                raise refusal(web.HTTPNotFound, "not_found") from None
            return web.json_response(done)

        return route

    async def log(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        query, key, now = request.query, settings.require_pseudonym_key(), door.clock()

        def work(session: Session) -> dict[str, Any]:
            return audit_page(session, access, key, query, settings.zone, now)

        try:
            page = await door.read(work)
        except PeopleRefusedError as refused:
            status = web.HTTPForbidden if refused.code == "whole_log_only" else web.HTTPBadRequest
            raise refusal(status, refused.code) from None
        return web.json_response(page)

    app.router.add_get("/api/people", listed)
    app.router.add_post("/api/people/grant", changing(grant_role))
    app.router.add_post("/api/people/revoke", changing(revoke_role))
    app.router.add_get("/api/people/audit", log)
