"""``feedback-bot sandbox``: the emulator, the real bot pointed at it, and the chat page."""

from __future__ import annotations

import asyncio
import errno
import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr

from civic_feedback.bot.app import run_bot
from civic_feedback.bot.log_setup import configure_logging
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.sandbox.chat_view import ChatView
from civic_feedback.sandbox.console_door import install_console
from civic_feedback.sandbox.demo import (
    DEMO_MUNICIPALITIES,
    DEMO_STAFF_GROUP,
    ORGANIZER,
    seed_demo,
)
from civic_feedback.sandbox.emulator import BotApiEmulator
from civic_feedback.sandbox.web import ChatPage, PageDemo
from civic_feedback.settings import Settings, load_settings
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.processed_updates import last_update_id

#: Any well-formed token does: the emulator is the only server that ever sees it.
SANDBOX_TOKEN = "1000000001:sandbox-local-emulator-token"
BOT_USERNAME = "civic_feedback_sandbox_bot"
HOST = "127.0.0.1"  # loopback only: the page lets anyone act as anyone
#: How often the bot looks for due messages here (15 s in production): a fast-forwarded
#: reminder shows within a second or two.
WAKE_EVERY = timedelta(seconds=1)


class SandboxError(Exception):
    """The sandbox cannot start; the message says what to do."""


def _ready_notice(url: str, database_url: str) -> str:
    """What ``feedback-bot sandbox`` prints, framed, once the bot is up."""
    rule = "=" * 72
    return (
        f"{rule}\n  Sandbox: open {url}/ in a browser (Ctrl+C stops it)\n"
        f"  Database: {database_url}\n{rule}"
    )


def sandbox_settings(scratch: Path) -> Settings:
    """The environment's settings (``.env`` is not read: it may hold the real bot's token and
    database), with the sandbox's token, its organizer as an admin, its staff group unless
    STAFF_CHATS names groups, a scratch SQLite database unless DATABASE_URL is set, and a
    random PSEUDONYM_KEY unless one is set."""
    settings = load_settings(_env_file=None)
    key = settings.pseudonym_key or SecretStr(secrets.token_hex(32))
    update: dict[str, object] = {
        "bot_token": SecretStr(SANDBOX_TOKEN),
        "pseudonym_key": key,
        "admin_ids": [*settings.admin_ids, ORGANIZER.telegram_id],
        "webhook_url": None,
        "municipalities": settings.municipalities or list(DEMO_MUNICIPALITIES),
        "staff_chats": settings.staff_chats or [f"*:{DEMO_STAFF_GROUP}"],
    }
    if not os.environ.get("DATABASE_URL"):
        update["database_url"] = f"sqlite:///{scratch / 'sandbox.db'}"
    return settings.model_copy(update=update)


def staff_groups(settings: Settings) -> dict[int, list[str | None]]:
    """Each staff group the page shows, with the municipalities whose messages it takes (None:
    the default group), in the order of STAFF_CHATS."""
    groups: dict[int, list[str | None]] = {}
    for municipality, chat_id in settings.staff_groups.items():
        groups.setdefault(chat_id, []).append(municipality)
    return groups


async def run_sandbox(port: int, announce: Callable[[str], None], *, history: bool = False) -> None:
    """Serve on ``127.0.0.1:port`` (0: any free port) until stopped (Ctrl+C or SIGTERM);
    ``announce`` the page's address once the bot is up. ``history`` adds the demo's past
    weeks of activity."""
    with tempfile.TemporaryDirectory(prefix="civic-feedback-sandbox-") as scratch:
        settings = sandbox_settings(Path(scratch))
        configure_logging((), settings.log_level, settings.log_format)
        key = settings.require_pseudonym_key()
        upgrade_database(settings.database_url, then=install_library)
        engine = create_db_engine(settings.database_url)
        try:
            sessions = session_factory(engine)
            with sessions.begin() as session:
                event, consultation = seed_demo(
                    session, settings.zone, utcnow(), settings.municipalities, history=history
                )
                first_update_id = last_update_id(session) + 1  # a database kept from before
            emulator = BotApiEmulator(
                bot_username=BOT_USERNAME,
                bot_first_name="Civic feedback",
                host=HOST,
                port=port,
                first_update_id=first_update_id,
            )
            app = web.Application(client_max_size=64 * 1024 * 1024)
            view = ChatView(BOT_USERNAME, settings.zone)
            page_i18n = create_i18n(settings.interface_language)
            demo = PageDemo(event.code, consultation.code, staff_groups(settings))
            ChatPage(emulator, sessions, view, demo, utcnow, page_i18n).install(app)
            install_console(app, settings, sessions, SANDBOX_TOKEN, utcnow, BOT_USERNAME)
            try:
                await emulator.start(app)
            except OSError as error:
                why = "in use" if error.errno == errno.EADDRINUSE else "not allowed"
                raise SandboxError(
                    f"cannot listen on {HOST}:{port} (the port is {why}); "
                    "choose another one with --port"
                ) from None
            bot_settings = settings.model_copy(update={"telegram_api_url": emulator.url})
            bot = asyncio.create_task(
                run_bot(bot_settings, SANDBOX_TOKEN, key, wake_every=WAKE_EVERY)
            )
            try:
                polled = asyncio.create_task(emulator.wait_until_polled())
                await asyncio.wait({bot, polled}, return_when=asyncio.FIRST_COMPLETED)
                polled.cancel()
                if not bot.done():  # the last line of the start-up, where it is seen
                    announce(_ready_notice(emulator.url, settings.database_url))
                await bot
            finally:
                bot.cancel()
                await emulator.stop()
        finally:
            engine.dispose()
