"""The console's consultations routes: the list, one consultation with its proposals, and a
decision on one proposal (admins and staff; see consultations.py)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.consultations import (
    DecisionRefusedError,
    consultation_detail,
    consultation_list,
    record_decision,
)
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.CONSULTATIONS


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

    app.router.add_get("/api/consultations", listed)
    app.router.add_get("/api/consultations/{code}", one)
    app.router.add_post("/api/consultations/{code}/proposals/{number:[0-9]{1,6}}/decision", decide)
