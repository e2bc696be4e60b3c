"""/feedback: the open forms, one button each."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel import Session

from civic_feedback.bot.callbacks import FormCb, database_id
from civic_feedback.bot.handlers.form_opening import open_form
from civic_feedback.bot.middlewares.newcomers import ensure_citizen
from civic_feedback.flows.schema import text_in
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.flow_versions import list_forms
from civic_feedback.storage.models import Citizen, FlowVersion


def forms_keyboard(session: Session, runs: FormRuns, language: str) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for form in list_forms(session, listed_only=True):
        flow = runs.catalog.flow(session, form.version_id)
        title = text_in(flow.title, language, flow.languages[0])
        builder.button(text=title, callback_data=FormCb(v=form.version_id))
    builder.adjust(1)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


async def cmd_feedback(message: Message, session: Session, runs: FormRuns, i18n: I18n) -> None:
    keyboard = forms_keyboard(session, runs, i18n.current_locale)
    if keyboard is None:
        await message.answer(_("No forms are open right now. Please come back later."))
        return
    await message.answer(_("Which form would you like to answer?"), reply_markup=keyboard)


async def cb_form(
    query: CallbackQuery,
    callback_data: FormCb,
    bot: Bot,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
    settings: Settings,
    i18n: I18n,
) -> None:
    citizen = ensure_citizen(session, citizen, query.from_user, settings.languages)
    version_id = database_id(callback_data.v)
    version = session.get(FlowVersion, version_id) if version_id else None
    await query.answer()
    if version is None:
        await bot.send_message(query.from_user.id, _("This button is no longer active."))
        return
    await open_form(
        bot=bot,
        session=session,
        citizen=citizen,
        flow_id=version.flow_id,
        runs=runs,
        language=i18n.current_locale,
        query=query,
    )


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="feedback")
    router.message.register(cmd_feedback, Command("feedback"))
    router.callback_query.register(cb_form, FormCb.filter())
    return router
