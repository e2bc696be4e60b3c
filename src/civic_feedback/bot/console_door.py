"""The staff console in the bot's process: served on the webhook's listener, or in polling
mode on WEBHOOK_HOST:WEBHOOK_PORT, and offered to role holders as their chat's menu button.
Nothing of it runs unless CONSOLE_URL is set."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.utils.i18n import I18n
from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.listening import listen
from civic_feedback.bot.views.command_menus import set_console_buttons
from civic_feedback.services.digests import summary_readers
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.models import utcnow

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"  # behind a reverse proxy on the same machine
DEFAULT_PORT = 8080


async def console_app(
    settings: Settings, sessions: sessionmaker[Session], bot: Bot
) -> web.Application | None:
    """The console, or None without CONSOLE_URL. The links its events page gives need the
    bot's username: BOT_USERNAME, else asked of Telegram once here, never per request."""
    if settings.console_url is None:
        return None
    # Loaded only here: a bot without a console spares the memory of its pages' modules.
    from civic_feedback.console.web import Console

    username = settings.bot_username or (await bot.me()).username
    return Console(settings, sessions, bot.token, utcnow, bot_username=username, bot=bot).app()


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


def role_holders(session: Session, settings: Settings) -> dict[int, str]:
    """Everyone with a role, and the language the bot speaks to them."""
    holders = {}
    for telegram_id in summary_readers(session, settings.admin_ids):
        citizen = find_citizen(session, telegram_id)
        chosen = citizen.language if citizen else None
        holders[telegram_id] = (
            chosen if chosen in settings.languages else settings.interface_language
        )
    return holders


async def offer_console(
    bot: Bot, i18n: I18n, sessions: sessionmaker[Session], settings: Settings
) -> None:
    """Give every role holder the console's menu button (at start-up: roles granted since
    get it with /console or at the next start)."""
    if settings.console_url is None:
        return
    with sessions() as session:
        holders = role_holders(session, settings)
    done = await set_console_buttons(bot, i18n, holders, settings.console_url)
    log.info("console_offered chats=%s of=%s", done, len(holders))
