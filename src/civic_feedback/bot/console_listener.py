"""Where the staff console is served: mounted at CONSOLE_URL's path on the webhook's
listener, or in polling mode on a listener of its own at WEBHOOK_HOST:WEBHOOK_PORT. Loaded
only when CONSOLE_URL is set (bot/console_door.py builds the console)."""

from __future__ import annotations

import logging

from aiohttp import web

from civic_feedback.bot.listening import listen
from civic_feedback.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"  # behind a reverse proxy on the same machine
DEFAULT_PORT = 8080


def mount_console(app: web.Application, console: web.Application, settings: Settings) -> None:
    """The console at CONSOLE_URL's path of ``app`` (its address without the last / too)."""
    path = settings.console_path
    if path != "/":  # before the console, whose prefix would take it

        async def with_slash(_request: web.Request) -> web.Response:
            raise web.HTTPPermanentRedirect(path)

        app.router.add_get(path.rstrip("/"), with_slash)
    app.add_subapp(path, console)


async def start_console_listener(
    settings: Settings, console: web.Application | None
) -> web.AppRunner | None:
    """Polling mode: serve the console on WEBHOOK_HOST:WEBHOOK_PORT, where the reverse proxy
    sends CONSOLE_URL; nothing without CONSOLE_URL."""
    if console is None:
        return None
    app = web.Application()
    mount_console(app, console, settings)
    host = settings.webhook_host or DEFAULT_HOST
    port = settings.webhook_port or DEFAULT_PORT
    refusal = (
        "WEBHOOK_PORT: cannot serve the console on {address} ({why}); choose another port "
        "(the reverse proxy sends CONSOLE_URL there), or leave CONSOLE_URL empty"
    )
    runner = await listen(app, host, port, refusal)
    log.info("console_listening listen=%s:%s path=%s", host, port, settings.console_path)
    return runner
