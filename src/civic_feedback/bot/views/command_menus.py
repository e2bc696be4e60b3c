"""The command menu, in every interface language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _


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
