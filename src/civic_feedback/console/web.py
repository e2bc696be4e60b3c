"""The console's HTTP side: the page, its static files, and a JSON API under ``api/``.

Every API request carries Telegram's init data (``Authorization: tma <init data>``), checked
on each request together with the user's role (door.py); the page holds no session and no
cookie, so no other site can ride one. Each page's routes live in its ``*_api`` module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib.resources import files

from aiogram import Bot
from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.console import (
    announcements_api,
    consultations_api,
    event_results_api,
    events_api,
    exports_api,
    form_editor_api,
    forms_api,
    links_api,
    people_api,
)
from civic_feedback.console.door import Door
from civic_feedback.console.guards import RequestBudget, strict_headers
from civic_feedback.console.home import home_page
from civic_feedback.settings import Settings

BODY_LIMIT = 64 * 1024  # bytes a request may carry
STATIC = {  # the only files served, with their types
    "console.js": "text/javascript",
    "home.js": "text/javascript",
    "consultations.js": "text/javascript",
    "events.js": "text/javascript",
    "event_results.js": "text/javascript",
    "exports.js": "text/javascript",
    "loader_texts.js": "text/javascript",
    "people.js": "text/javascript",
    "announcements.js": "text/javascript",
    "forms.js": "text/javascript",
    "form_editor.js": "text/javascript",
    "console.css": "text/css",
}
PAGES = (
    consultations_api.add_routes,
    events_api.add_routes,
    event_results_api.add_routes,
    exports_api.add_routes,
    people_api.add_routes,
    announcements_api.add_routes,
    forms_api.add_routes,
    form_editor_api.add_routes,
    links_api.add_routes,
)


class Console:
    """The console of one bot, as an aiohttp application."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        token: str,
        clock: Callable[[], datetime],
        budget: RequestBudget | None = None,
        bot_username: str | None = None,
        bot: Bot | None = None,
    ) -> None:
        self.door = Door(settings, sessions, token, clock, budget, bot_username, bot)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=BODY_LIMIT, middlewares=[strict_headers])
        app.router.add_get("/", self.page)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/home", self.home)
        for add_routes in PAGES:
            add_routes(self.door, app)
        return app

    async def page(self, _request: web.Request) -> web.Response:
        return web.Response(text=_resource("index.html"), content_type="text/html")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound
        return web.Response(text=_resource(name), content_type=STATIC[name])

    async def home(self, request: web.Request) -> web.Response:
        door = self.door
        access = await door.access(request)
        now = door.clock()
        page = await door.read(lambda session: home_page(session, access, door.settings, now))
        return web.json_response(page)


def _resource(name: str) -> str:
    return (files("civic_feedback.console") / "static" / name).read_text(encoding="utf-8")
