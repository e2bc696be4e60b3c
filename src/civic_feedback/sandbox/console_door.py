"""The staff console in the sandbox: served at /console/ of the page's own address, and opened
for a demo staff member or the organizer with init data the sandbox signs for them (a
trainer shows the console without Telegram)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.console.web import Console
from civic_feedback.sandbox.demo import CAST, DemoRole
from civic_feedback.sandbox.init_data import sign_init_data
from civic_feedback.settings import Settings

CONSOLE_PATH = "/console/"


def install_console(
    app: web.Application,
    settings: Settings,
    sessions: sessionmaker[Session],
    token: str,
    clock: Callable[[], datetime],
    bot_username: str | None = None,
) -> None:
    """``/console/`` and ``/open-console?as=ID``, which opens it as that demo person; its
    events' links and posters name ``bot_username``, the emulated bot."""
    console = Console(settings, sessions, token, clock, bot_username=bot_username)
    app.add_subapp(CONSOLE_PATH, console.app())

    async def open_as(request: web.Request) -> web.Response:
        person = next((p for p in CAST if str(p.telegram_id) == request.query.get("as")), None)
        if person is None or person.role is DemoRole.CITIZEN:
            raise web.HTTPBadRequest(text="Choose the staff member or the organizer to open it.")
        signed = sign_init_data(
            token,
            person.telegram_id,
            clock(),
            first_name=person.name,
            language=person.language,
        )
        # Written as is: aiohttp's redirects would re-quote the fragment and undo the encoding.
        address = f"{CONSOLE_PATH}#tgWebAppData={quote(signed, safe='')}"
        return web.Response(status=303, headers={"Location": address})

    app.router.add_get("/open-console", open_as)
