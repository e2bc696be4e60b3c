"""/settings: the citizen's municipality, which filters /events."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import MunicipalityCb
from civic_feedback.bot.context import Context
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.storage.citizens import set_municipality


def municipality_keyboard(municipalities: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, name in enumerate(municipalities):
        builder.button(text=name, callback_data=MunicipalityCb(index=index))
    builder.button(text=_("All municipalities"), callback_data=MunicipalityCb(index=-1))
    builder.adjust(2)
    return builder.as_markup()


async def cmd_settings(message: Message, ctx: Context) -> None:
    citizen, municipalities = ctx.citizen, ctx.settings.municipalities
    if not municipalities:
        await message.answer(
            _("There is nothing to set up here yet. Send /language to change the language.")
        )
        return
    current = citizen.municipality if citizen and citizen.municipality else _("all municipalities")
    text = _(
        "Your municipality: {name}. /events shows the events of your municipality. Choose another:"
    )
    await message.answer(
        text.format(name=current), reply_markup=municipality_keyboard(municipalities)
    )


async def cb_municipality(
    query: CallbackQuery, callback_data: MunicipalityCb, ctx: Context
) -> None:
    index, municipalities = callback_data.index, ctx.settings.municipalities
    if not -1 <= index < len(municipalities):
        await query.answer(_("This button is no longer active."))
        return
    name = municipalities[index] if index >= 0 else None
    await ctx.db(lambda unit: set_municipality(unit.session, unit.citizen_or_new(), name))
    await query.answer()
    chosen = name or _("all municipalities")
    await show_in_place(
        query, _("Saved: {name}. Send /events to see the events.").format(name=chosen)
    )


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="settings")
    router.message.register(cmd_settings, Command("settings"))
    router.callback_query.register(cb_municipality, MunicipalityCb.filter())
    return router
