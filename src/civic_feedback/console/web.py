"""The console's HTTP side: the page, its static files, and a JSON API under ``api/``.

Every API request carries Telegram's init data (``Authorization: tma <init data>``), checked
on each request together with the user's role; the page holds no session and no cookie, so
no other site can ride one. Database work runs in a worker thread, in a session of its own
that is closed before the answer goes out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from importlib.resources import files
from typing import TypeVar

from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess, staff_access
from civic_feedback.console.guards import RequestBudget, strict_headers
from civic_feedback.console.home import home_page
from civic_feedback.console.init_data import InitDataRefusedError, Opener, verify_init_data
from civic_feedback.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

BODY_LIMIT = 64 * 1024  # bytes a request may carry
STATIC = {  # the only files served, with their types
    "console.js": "text/javascript",
    "console.css": "text/css",
}


class Console:
    """The console of one bot: its token checks the init data, its database answers."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        token: str,
        clock: Callable[[], datetime],
        budget: RequestBudget | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.token = token
        self.clock = clock
        self.budget = budget or RequestBudget()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=BODY_LIMIT, middlewares=[strict_headers])
        app.router.add_get("/", self.page)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/home", self.home)
        return app

    async def page(self, _request: web.Request) -> web.Response:
        return web.Response(text=_resource("index.html"), content_type="text/html")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound
        return web.Response(text=_resource(name), content_type=STATIC[name])

    async def home(self, request: web.Request) -> web.Response:
        access = await self._access(request)
        now = self.clock()
        page = await self._read(lambda session: home_page(session, access, self.settings, now))
        return web.json_response(page)

    async def _read(self, work: Callable[[Session], T]) -> T:
        """``work`` in a worker thread, in a session closed before the answer is built."""

        def run() -> T:
            with self.sessions() as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def _access(self, request: web.Request) -> StaffAccess:
        """The staff member behind the request, or the refusal the page shows."""
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "tma":
                raise InitDataRefusedError("missing")
            max_age = self.settings.console_auth_max_age
            opener = verify_init_data(self.token, raw.strip(), self.clock(), max_age)
        except InitDataRefusedError as refused:
            log.warning("console_refused reason=%s", refused.reason)
            raise _refusal(web.HTTPUnauthorized, "unauthorized") from None
        if not self.budget.allows(opener.telegram_id):
            raise _refusal(web.HTTPTooManyRequests, "too_many_requests")
        access = await self._read(lambda session: self._lookup(session, opener))
        if access is None:
            log.warning("console_refused reason=no_role")
            raise _refusal(web.HTTPForbidden, "no_role")
        return access

    def _lookup(self, session: Session, opener: Opener) -> StaffAccess | None:
        settings = self.settings
        return staff_access(
            session,
            opener.telegram_id,
            settings.admin_ids,
            opener.language,
            settings.languages,
            settings.interface_language,
        )


def _refusal(kind: type[web.HTTPError], code: str) -> web.HTTPError:
    return kind(text=f'{{"error": "{code}"}}', content_type="application/json")


def _resource(name: str) -> str:
    return (files("civic_feedback.console") / "static" / name).read_text(encoding="utf-8")
