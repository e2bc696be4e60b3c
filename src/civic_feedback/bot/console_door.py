"""The staff console in the bot's process: built, and offered to role holders as their
chat's menu button (bot/console_listener.py serves it). Nothing of it runs unless
CONSOLE_URL is set."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.views.command_menus import set_console_buttons
from civic_feedback.services.digests import summary_readers
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.models import utcnow

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)


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
