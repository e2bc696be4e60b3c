"""/mydata (everything stored about me, as a file) and /forget (erase me, after a yes)."""

from __future__ import annotations

import json
import logging

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel import Session

from civic_feedback.bot.callbacks import ForgetCb
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.services.erasure import erase_citizen
from civic_feedback.services.personal_data import personal_data
from civic_feedback.settings import Settings
from civic_feedback.storage import audit
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.models import Citizen

log = logging.getLogger(__name__)


async def cmd_mydata(message: Message, bot: Bot, session: Session, citizen: Citizen | None) -> None:
    if citizen is None:
        await message.answer(_("I store nothing about you."))
        return
    document = json.dumps(personal_data(session, citizen), ensure_ascii=False, indent=2)
    await bot.send_document(
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


async def cmd_forget(message: Message, citizen: Citizen | None, settings: Settings) -> None:
    if citizen is None:
        await message.answer(_("I store nothing about you."))
        return
    answers = (
        _("Your answers to forms stay in the statistics with no link to you.")
        if settings.erase_answers is AnswersOnErasure.DETACH
        else _("Your answers to forms are deleted too.")
    )
    text = _(
        "Erase everything this bot stores about you: your language and municipality, your "
        "event registrations and reminders. {answers} This cannot be undone."
    ).format(answers=answers)
    await message.answer(text, reply_markup=_confirm_keyboard())


async def cb_forget(
    query: CallbackQuery, callback_data: ForgetCb, session: Session, settings: Settings
) -> None:
    await query.answer()
    if not callback_data.yes:
        await show_in_place(query, _("Nothing was erased."))
        return
    # Whoever pressed is erased, whatever the button says: a forged button erases no one else.
    citizen = find_citizen(session, query.from_user.id)
    if citizen is None:
        await show_in_place(query, _("I store nothing about you."))
        return
    key = settings.require_pseudonym_key()
    audit.record(session, audit.telegram_actor(key, citizen.telegram_id), "erase", "self")
    erased = erase_citizen(session, citizen, key, settings.erase_answers)
    log.info("citizen_erased by=self responses=%s", erased.responses)
    await show_in_place(
        query,
        _(
            "Done: this bot no longer knows you. If you write again, it starts afresh. "
            "Send /start to begin anew."
        ),
    )


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="privacy")
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(cb_forget, ForgetCb.filter())
    return router
