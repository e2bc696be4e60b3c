"""/settings: the citizen's municipality, which filters /events."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel import Session

from civic_feedback.bot.callbacks import MunicipalityCb
from civic_feedback.bot.middlewares.newcomers import ensure_citizen
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import set_municipality
from civic_feedback.storage.models import Citizen


def municipality_keyboard(municipalities: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, name in enumerate(municipalities):
        builder.button(text=name, callback_data=MunicipalityCb(index=index))
    builder.button(text=_("All municipalities"), callback_data=MunicipalityCb(index=-1))
    builder.adjust(2)
    return builder.as_markup()


async def cmd_settings(message: Message, citizen: Citizen | None, settings: Settings) -> None:
    if not settings.municipalities:
        await message.answer(
            _("There is nothing to set up here yet. Send /language to change the language.")
        )
        return
    current = citizen.municipality if citizen and citizen.municipality else _("all municipalities")
    text = _(
        "Your municipality: {name}. /events shows the events of your municipality. Choose another:"
    )
    await message.answer(
        text.format(name=current), reply_markup=municipality_keyboard(settings.municipalities)
    )


async def cb_municipality(
    query: CallbackQuery,
    callback_data: MunicipalityCb,
    session: Session,
    citizen: Citizen | None,
    settings: Settings,
) -> None:
    index = callback_data.index
    if not -1 <= index < len(settings.municipalities):
        await query.answer(_("This button is no longer active."))
        return
    name = settings.municipalities[index] if index >= 0 else None
    citizen = ensure_citizen(session, citizen, query.from_user, settings.languages)
    set_municipality(session, citizen, name)
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
