"""The console's events routes. Every role reads the list, an event, its posters and the
attendance list (staff answer citizens' questions about events and prepare the reports
funders ask for); admins and organizers add, edit, reschedule and cancel (events.py,
event_edits.py, event_files.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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
    AttendancePlan,
    attendance_export,
    plan_attendance,
    poster_file,
    workbook_file,
)
from civic_feedback.console.events import event_detail, event_in_scope, event_list
from civic_feedback.console.files import DownloadFile, FileKind, FileParams
from civic_feedback.reports.event_posters import EventLink
from civic_feedback.services.event_rules import EventRefusedError
from civic_feedback.settings import Settings
from civic_feedback.storage.models import Event
from civic_feedback.storage.roles import Permission

READ = Permission.SUMMARY  # every role
ATTENDANCE_QUERY = ("code", "from", "to")  # one event, or the events of the days chosen
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

    async def checked_poster(
        access: StaffAccess, params: FileParams
    ) -> tuple[Event, EventLink, str, str]:
        """The event, link, file type and the bot's username of a poster request."""
        code, link, file_type = _texts(params, "code", "link", "format")
        if link not in set(EventLink) or file_type not in POSTER_TYPES:
            raise refusal(web.HTTPBadRequest, "malformed")
        username = door.bot_username
        if username is None:
            raise refusal(web.HTTPServiceUnavailable, "no_bot_username")
        event = _found(await door.read(lambda session: event_in_scope(session, access, code)))
        return event, EventLink(link), file_type, username

    async def poster_name(access: StaffAccess, params: FileParams) -> str:
        event, link, file_type, _username = await checked_poster(access, params)
        return _poster_name(event, link, file_type)

    async def poster_file_of(access: StaffAccess, params: FileParams) -> DownloadFile:
        event, link, file_type, username = await checked_poster(access, params)
        drawn = await asyncio.to_thread(poster_file, event, link, file_type, username, settings)
        return DownloadFile(_poster_name(event, link, file_type), POSTER_TYPES[file_type], drawn)

    async def attendance_name(access: StaffAccess, params: FileParams) -> str:
        query = _query(params)

        def work(session: Session) -> AttendancePlan | None:
            return plan_attendance(session, access, settings, query)

        return _found(await _read(door, work)).name

    async def attendance_file(access: StaffAccess, params: FileParams) -> DownloadFile:
        query, key = _query(params), settings.require_pseudonym_key()

        def work(session: Session) -> Any:
            return attendance_export(session, access, settings, key, query)

        name, sheets = _found(await _write(door, work))
        return DownloadFile(name, XLSX_TYPE, await asyncio.to_thread(workbook_file, sheets))

    door.files["poster"] = FileKind(READ, poster_name, poster_file_of)
    door.files["attendance"] = FileKind(READ, attendance_name, attendance_file)

    async def poster(request: web.Request) -> web.Response:
        access = await door.access(request, READ)
        query = request.query
        params = {
            "code": request.match_info["code"],
            "link": query.get("link", EventLink.CARD.value),
            "format": query.get("format", "png"),
        }
        return (await poster_file_of(access, params)).response()

    async def attendance(request: web.Request) -> web.Response:
        access = await door.access(request, READ)
        params = {name: request.query[name] for name in ATTENDANCE_QUERY if name in request.query}
        return (await attendance_file(access, params)).response()

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
    return await _refused(door.write(work))


async def _read(door: Door, work: Callable[[Session], T]) -> T:
    return await _refused(door.read(work))


async def _refused(work: Awaitable[T]) -> T:
    try:
        return await work
    except EventInputError as refused:
        kind = web.HTTPForbidden if refused.forbidden else web.HTTPUnprocessableEntity
        raise refusal(kind, refused.code) from None
    except EventRefusedError as refused:
        raise refusal(web.HTTPUnprocessableEntity, refused.problem.value) from None


def _found(found: T | None) -> T:
    if found is None:
        raise refusal(web.HTTPNotFound, "not_found")
    return found


def _texts(params: FileParams, *names: str) -> list[str]:
    """The named parameters, each a string (else the request is malformed)."""
    values = [params.get(name) for name in names]
    if not all(isinstance(value, str) for value in values):
        raise refusal(web.HTTPBadRequest, "malformed")
    return [str(value) for value in values]


def _query(params: FileParams) -> dict[str, str]:
    """An attendance list's ``code``, ``from`` and ``to``, those given."""
    given = [name for name in ATTENDANCE_QUERY if params.get(name) is not None]
    return dict(zip(given, _texts(params, *given), strict=True))


def _poster_name(event: Event, link: EventLink, file_type: str) -> str:
    return f"poster-{event.code}-{link.value}.{file_type}"
