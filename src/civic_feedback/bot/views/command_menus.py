"""The command menu, in every interface language, and the console's menu button for the
people with a role."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


def command_menu() -> list[BotCommand]:
    return [
        BotCommand(command="events", description=_("Upcoming public events")),
        BotCommand(command="myevents", description=_("My registrations")),
        BotCommand(command="feedback", description=_("Forms you can answer now")),
        BotCommand(command="consultations", description=_("Drafts open for your proposals")),
        BotCommand(command="language", description=_("Change the language")),
        BotCommand(command="settings", description=_("My municipality")),
        BotCommand(command="myrequests", description=_("My messages to the municipality")),
        BotCommand(command="stop", description=_("No more announcements")),
        BotCommand(command="mydata", description=_("What this bot stores about me")),
        BotCommand(command="forget", description=_("Erase my data")),
        BotCommand(command="help", description=_("How this bot works")),
        BotCommand(command="start", description=_("Welcome message")),
    ]


async def set_command_menus(bot: Bot, i18n: I18n, languages: list[str], default: str) -> None:
    """One menu per language, and the default language's for every other app language."""
    for language in languages:
        with i18n.use_locale(language):
            await bot.set_my_commands(command_menu(), language_code=language)
    with i18n.use_locale(default):
        await bot.set_my_commands(command_menu())


async def set_console_buttons(bot: Bot, i18n: I18n, holders: dict[int, str], address: str) -> int:
    """The menu button that opens the console, in each role holder's language; returns how
    many chats have it (one Telegram has never seen is skipped and logged)."""
    done = 0
    for chat_id, language in holders.items():
        with i18n.context(), i18n.use_locale(language):
            button = MenuButtonWebApp(text=_("Console"), web_app=WebAppInfo(url=address))
        try:
            await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
        except TelegramAPIError as error:  # never started the bot, or blocked it
            log.info("console_button_skipped chat=%s error=%s", chat_id, type(error).__name__)
            continue
        done += 1
    return done
