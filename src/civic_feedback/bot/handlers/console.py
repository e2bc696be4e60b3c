"""/console: the staff console (a Mini App) for people with a role; a citizen is told it is
for staff, and a chat whose role was taken away loses the menu button too."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonDefault,
    Message,
    User,
    WebAppInfo,
)
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.context import Context
from civic_feedback.bot.units import Unit
from civic_feedback.storage.roles import role_of

log = logging.getLogger(__name__)


async def cmd_console(message: Message, ctx: Context) -> None:
    user = message.from_user
    assert isinstance(user, User)
    address = ctx.settings.console_url
    if address is None:
        await message.answer(_("The console is not set up here yet; ask your administrator."))
        return
    admins = ctx.settings.admin_ids

    def has_role(unit: Unit) -> bool:
        return role_of(unit.session, user.id, admins) is not None

    if not await ctx.db(has_role):
        await message.answer(_("The console is for municipal staff and organizers."))
        await ctx.bot.set_chat_menu_button(chat_id=message.chat.id, menu_button=MenuButtonDefault())
        return
    button = InlineKeyboardButton(text=_("Open the console"), web_app=WebAppInfo(url=address))
    await message.answer(
        _("Your municipality's figures, events, forms and consultations:"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="console")
    router.message.register(cmd_console, Command("console"))
    return router
