"""/mydata (everything stored about me, as a file) and /forget (erase me, after a yes)."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import ForgetCb
from civic_feedback.bot.context import Context
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.services.erasure import Erased, erase_citizen
from civic_feedback.services.personal_data import personal_data
from civic_feedback.storage import audit

log = logging.getLogger(__name__)


async def cmd_mydata(message: Message, ctx: Context) -> None:
    def stored(unit: Unit) -> dict[str, Any] | None:
        return personal_data(unit.session, unit.citizen) if unit.citizen else None

    data = await ctx.db(stored)
    if data is None:
        await message.answer(_("I store nothing about you."))
        return
    document = json.dumps(data, ensure_ascii=False, indent=2)
    await ctx.bot.send_document(
        message.chat.id,
        BufferedInputFile(document.encode(), filename="my-data.json"),
        caption=_("Everything this bot stores about you. Send /forget to erase it."),
    )


def _confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, erase my data"), callback_data=ForgetCb(yes=True))
    builder.button(text=_("No, keep it"), callback_data=ForgetCb(yes=False))
    builder.adjust(1)
    return builder.as_markup()


async def cmd_forget(message: Message, ctx: Context) -> None:
    if ctx.citizen is None:
        await message.answer(_("I store nothing about you."))
        return
    answers = (
        _("Your answers to forms stay in the statistics with no link to you.")
        if ctx.settings.erase_answers is AnswersOnErasure.DETACH
        else _("Your answers to forms are deleted too.")
    )
    text = _(
        "Erase everything this bot stores about you: your language and municipality, your "
        "event registrations and reminders. {answers} This cannot be undone."
    ).format(answers=answers)
    await message.answer(text, reply_markup=_confirm_keyboard())


async def cb_forget(query: CallbackQuery, callback_data: ForgetCb, ctx: Context) -> None:
    await query.answer()
    if not callback_data.yes:
        await show_in_place(query, _("Nothing was erased."))
        return
    key = ctx.settings.require_pseudonym_key()

    def erase(unit: Unit) -> Erased | None:
        # Whoever pressed is erased, whatever the button says: a forged button erases no
        # one else.
        citizen = unit.citizen
        if citizen is None:
            return None
        audit.record(unit.session, audit.telegram_actor(key, citizen.telegram_id), "erase", "self")
        return erase_citizen(unit.session, citizen, key, ctx.settings.erase_answers)

    erased = await ctx.db(erase)
    if erased is None:
        await show_in_place(query, _("I store nothing about you."))
        return
    log.info("citizen_erased by=self responses=%s", erased.responses)
    text = _(
        "Done: this bot no longer knows you. If you write again, it starts afresh. "
        "Send /start to begin anew."
    )
    if erased.copies:
        ctx.wake.inbox()  # the courier deletes the copies
        text += "\n\n" + _(
            "Your photos, files and places are erased too; their copies in the "
            "municipality's staff group are being deleted. Where Telegram no longer allows "
            "it, the staff are asked to delete them."
        )
    await show_in_place(query, text)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="privacy")
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(cb_forget, ForgetCb.filter())
    return router
