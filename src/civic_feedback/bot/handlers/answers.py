"""Answers inside a form: buttons, typed text, and everything else a citizen may send."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.callbacks import AnswerCb, database_id, small_index
from civic_feedback.bot.views.replies import edit_prompt, send_prompt, update_ticks
from civic_feedback.flows.engine import Button, Input, Pick, RefusalReason, Rejected, Skip, Text
from civic_feedback.flows.messages import refusal_text
from civic_feedback.services.form_runs import Expected, FormRuns, Prompt
from civic_feedback.storage.models import Citizen

# Buttons that are simply old: a quiet note is enough. Others need the citizen's attention.
_QUIET = {RefusalReason.STALE, RefusalReason.UNKNOWN_OPTION}


def _button_input(data: AnswerCb) -> Input | None:
    if data.k == "v":
        return Button(data.v)
    if data.k == "o" and (index := small_index(data.v)) is not None:
        return Pick(index)
    if data.k == "s":
        return Skip()
    return None


async def cb_answer(
    query: CallbackQuery,
    callback_data: AnswerCb,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
) -> AnswerCallbackQuery:
    """Store the press and show the next step; the answer to the press is returned, not
    sent: behind a webhook it rides in the HTTP response (one Bot API request fewer per
    press), in polling aiogram sends it after the edit."""
    outcome: Prompt | Rejected = Rejected(RefusalReason.STALE)
    expected = Expected(callback_data.r, callback_data.q)
    given = _button_input(callback_data)
    tick = small_index(callback_data.v) if callback_data.k == "t" else None
    if citizen is None or database_id(callback_data.r) is None:
        pass
    elif tick is not None:
        outcome = runs.toggle(session, citizen, tick, expected)
        if isinstance(outcome, Prompt):
            await update_ticks(query, outcome)
            return query.answer()
    elif callback_data.k == "d":
        outcome = runs.done(session, citizen, expected)
    elif given is not None:
        outcome = runs.answer(session, citizen, given, expected)
    if isinstance(outcome, Rejected):
        return query.answer(refusal_text(outcome, _), show_alert=outcome.reason not in _QUIET)
    await edit_prompt(query, outcome)
    return query.answer()


async def msg_answer(
    message: Message, bot: Bot, session: Session, citizen: Citizen | None, runs: FormRuns
) -> None:
    assert message.text is not None
    outcome = runs.answer(session, citizen, Text(message.text)) if citizen else None
    if (
        citizen is None
        or outcome is None
        or (isinstance(outcome, Rejected) and outcome.reason is RefusalReason.STALE)
    ):
        raise SkipHandler  # not in a form: the routers after this one decide what it is
    if isinstance(outcome, Prompt):
        await send_prompt(bot, message.chat.id, outcome)
    else:
        await _reprompt(bot, session, citizen, runs, refusal_text(outcome, _))


async def msg_unknown_command(message: Message) -> None:
    await message.answer(_("I do not know this command. Send /help to see what I can do."))


async def msg_other(
    message: Message, bot: Bot, session: Session, citizen: Citizen | None, runs: FormRuns
) -> None:
    """Stickers, photos, voice, locations...: nothing is stored; the question is shown again."""
    notice = _("I can only understand text messages and buttons.")
    if citizen is None or not await _reprompt(bot, session, citizen, runs, notice):
        await message.answer(notice + " " + _("To answer a form, send /feedback."))


async def _reprompt(
    bot: Bot, session: Session, citizen: Citizen, runs: FormRuns, notice: str
) -> bool:
    """Show the current question again with a short notice above it; False when no form."""
    prompt = runs.current(session, citizen)
    if prompt is None or prompt.question is None:
        return False
    await send_prompt(bot, citizen.telegram_id, prompt, notice)
    return True


async def cb_stale(query: CallbackQuery) -> AnswerCallbackQuery:
    """Any button we no longer know (or forged data): a quiet note, nothing changes."""
    return query.answer(_("This button is no longer active."))


async def typed_text(message: Message) -> bool:
    """Text that is not a command. A coroutine: aiogram runs a plain function or an F filter
    in a worker thread, a hop that would cost more than the check itself."""
    return message.text is not None and not message.text.startswith("/")


def create_router() -> Router:
    """Answers in a form: first in line, since most updates are exactly that."""
    router = Router(name="answers")
    router.callback_query.register(cb_answer, AnswerCb.filter())
    router.message.register(msg_answer, typed_text)
    return router


async def msg_in_group(message: Message) -> None:
    """Staff talking among themselves in their group: not for the bot."""


def create_fallback_router() -> Router:
    """Whatever no other router wanted: unknown commands, stickers and photos, old buttons."""
    router = Router(name="fallback")
    router.message.register(msg_in_group, F.chat.type != "private")
    router.message.register(msg_unknown_command, F.text.startswith("/"))
    router.message.register(msg_other)
    router.callback_query.register(cb_stale)
    return router
