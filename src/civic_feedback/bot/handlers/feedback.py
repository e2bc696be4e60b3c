"""/feedback: the forms open now, one button each."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import FormCb, database_id
from civic_feedback.bot.context import Context
from civic_feedback.bot.handlers.form_opening import show_form, start_form
from civic_feedback.bot.units import Unit
from civic_feedback.flows.schema import text_in
from civic_feedback.services.form_runs import NotOpen, Prompt, Refusal
from civic_feedback.storage.flow_versions import list_forms
from civic_feedback.storage.models import FlowVersion


def forms_keyboard(unit: Unit, ctx: Context) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for form in list_forms(unit.session, listed_only=True, open_at=ctx.clock()):
        flow = ctx.runs.catalog.flow(unit.db, form.version_id)
        title = text_in(flow.title, ctx.language, flow.languages[0])
        builder.button(text=title, callback_data=FormCb(version=form.version_id))
    builder.adjust(1)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


async def cmd_feedback(message: Message, ctx: Context) -> None:
    keyboard = await ctx.db(lambda unit: forms_keyboard(unit, ctx))
    if keyboard is None:
        await message.answer(_("No forms are open right now. Please come back later."))
        return
    await message.answer(_("Which form would you like to answer?"), reply_markup=keyboard)


async def cb_form(query: CallbackQuery, callback_data: FormCb, ctx: Context) -> None:
    version_id = database_id(callback_data.version)

    def open_chosen(unit: Unit) -> Prompt | Refusal | NotOpen | None:
        version = unit.session.get(FlowVersion, version_id) if version_id else None
        return None if version is None else start_form(unit, ctx, version.flow_id)

    outcome = await ctx.db(open_chosen)
    await query.answer()
    if outcome is None:
        await ctx.bot.send_message(query.from_user.id, _("This button is no longer active."))
        return
    await show_form(ctx, query.from_user.id, outcome, query)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="feedback")
    router.message.register(cmd_feedback, Command("feedback"))
    router.callback_query.register(cb_form, FormCb.filter())
    return router
