"""/language: the citizen picks the interface language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import LanguageCb
from civic_feedback.bot.context import Context
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.storage.citizens import set_language

# Each language names itself, so a citizen finds theirs whatever language is shown now.
LANGUAGE_NAMES = {"bg": "🇧🇬 Български", "en": "🇬🇧 English", "tr": "🇹🇷 Türkçe"}


def language_keyboard(offered: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in offered:
        builder.button(text=LANGUAGE_NAMES.get(code, code), callback_data=LanguageCb(code=code))
    builder.adjust(1)
    return builder.as_markup()


async def cmd_language(message: Message, ctx: Context) -> None:
    keyboard = language_keyboard(ctx.settings.languages)
    await message.answer(_("Please choose your language:"), reply_markup=keyboard)


async def cb_language(query: CallbackQuery, callback_data: LanguageCb, ctx: Context) -> None:
    code = callback_data.code
    if code not in ctx.settings.languages:
        await query.answer(_("This button is no longer active."))
        return
    await ctx.db(lambda unit: set_language(unit.session, unit.citizen_or_new(), code))
    with get_i18n().use_locale(code):
        text = _("Done! Language: {language}. Send /feedback to see the forms.")
        await query.answer()
        await show_in_place(query, text.format(language=LANGUAGE_NAMES.get(code, code)))


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="language")
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(cb_language, LanguageCb.filter())
    return router
