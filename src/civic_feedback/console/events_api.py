"""The console's events routes. Every role reads the list, an event, its posters and the
attendance list (staff answer citizens' questions about events and prepare the reports
funders ask for); admins and organizers add, edit, reschedule and cancel (events.py,
event_edits.py, event_files.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.event_edits import (
    EventInputError,
    add_event_from,
    cancel_event,
    edit_event,
    reschedule_event,
)
from civic_feedback.console.event_files import (
    POSTER_TYPES,
    XLSX_TYPE,
    attendance_export,
    poster_file,
    workbook_file,
)
from civic_feedback.console.events import event_detail, event_in_scope, event_list
from civic_feedback.reports.event_posters import EventLink
from civic_feedback.services.event_rules import EventRefusedError
from civic_feedback.settings import Settings
from civic_feedback.storage.roles import Permission

READ = Permission.SUMMARY  # every role
CHANGE = Permission.EVENTS  # admins and organizers
T = TypeVar("T")
# One change to one event, as event_edits.py makes it.
Change = Callable[
    [Session, StaffAccess, Settings, bytes, str, Any, datetime], dict[str, Any] | None
]


def add_routes(door: Door, app: web.Application) -> None:
    settings = door.settings

    async def listed(request: web.Request) -> web.Response:
        access = await door.access(request, READ)
        search, now = request.query.get("q", ""), door.clock()
        past = request.query.get("when") == "past"

        def work(session: Session) -> dict[str, Any]:
            return event_list(session, access, settings, now, search=search, past=past)

        return web.json_response(await door.read(work))

    async def one(request: web.Request) -> web.Response:
        access = await door.access(request, READ)
        code, now, username = request.match_info["code"], door.clock(), door.bot_username

        def work(session: Session) -> dict[str, Any] | None:
            return event_detail(session, access, settings, code, now, username)

        return web.json_response(_found(await door.read(work)))

    async def added(request: web.Request) -> web.Response:
        access = await door.access(request, CHANGE)
        body = await json_body(request)
        key = settings.require_pseudonym_key()

        def work(session: Session) -> dict[str, Any]:
            return add_event_from(session, access, settings, key, body)

        return web.json_response(await _write(door, work), status=201)

    def changing(change: Change) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            access = await door.access(request, CHANGE)
            body = await json_body(request)
            code, now = request.match_info["code"], door.clock()
            key = settings.require_pseudonym_key()

            def work(session: Session) -> dict[str, Any] | None:
                return change(session, access, settings, key, code, body, now)

            return web.json_response(_found(await _write(door, work)))

        return handle

    async def poster(request: web.Request) -> web.Response:
        access = await door.access(request, READ)
        code, query = request.match_info["code"], request.query
        link, file_type = query.get("link", EventLink.CARD), query.get("format", "png")
        if link not in set(EventLink) or file_type not in POSTER_TYPES:
            raise refusal(web.HTTPBadRequest, "malformed")
        username = door.bot_username
        if username is None:
            raise refusal(web.HTTPServiceUnavailable, "no_bot_username")
        event = _found(await door.read(lambda session: event_in_scope(session, access, code)))
        drawn = await asyncio.to_thread(
            poster_file, event, EventLink(link), file_type, username, settings
        )
        name = f"poster-{event.code}-{link}.{file_type}"
        return _download(drawn, POSTER_TYPES[file_type], name)

    async def attendance(request: web.Request) -> web.Response:
        access = await door.access(request, READ)
        query, key = dict(request.query), settings.require_pseudonym_key()

        def work(session: Session) -> Any:
            return attendance_export(session, access, settings, key, query)

        name, sheets = _found(await _write(door, work))
        return _download(await asyncio.to_thread(workbook_file, sheets), XLSX_TYPE, name)

    app.router.add_get("/api/events", listed)
    app.router.add_post("/api/events", added)
    app.router.add_get("/api/events/attendance", attendance)  # before {code}, which it is not
    app.router.add_get("/api/events/{code}", one)
    app.router.add_post("/api/events/{code}/edit", changing(edit_event))
    app.router.add_post("/api/events/{code}/reschedule", changing(reschedule_event))
    app.router.add_post("/api/events/{code}/cancel", changing(cancel_event))
    app.router.add_get("/api/events/{code}/poster", poster)


async def _write(door: Door, work: Callable[[Session], T]) -> T:
    """``work`` committed as one transaction; what it refuses is the page's error code."""
    try:
        return await door.write(work)
    except EventInputError as refused:
        kind = web.HTTPForbidden if refused.forbidden else web.HTTPUnprocessableEntity
        raise refusal(kind, refused.code) from None
    except EventRefusedError as refused:
        raise refusal(web.HTTPUnprocessableEntity, refused.problem.value) from None


def _found(found: T | None) -> T:
    if found is None:
        raise refusal(web.HTTPNotFound, "not_found")
    return found


def _download(body: bytes, content_type: str, name: str) -> web.Response:
    disposition = f'attachment; filename="{name}"'
    return web.Response(
        body=body, content_type=content_type, headers={"Content-Disposition": disposition}
    )
