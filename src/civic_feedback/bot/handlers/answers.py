"""Answers inside a form: buttons, typed text, and everything else a citizen may send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.callbacks import AnswerCb, AnswerKind, database_id, small_index
from civic_feedback.bot.context import Context
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.replies import (
    edit_prompt,
    not_open_text,
    send_prompt,
    show_in_place,
    update_ticks,
)
from civic_feedback.flows.engine import Button, Input, Pick, RefusalReason, Rejected, Skip, Text
from civic_feedback.flows.messages import refusal_text
from civic_feedback.services.form_runs import Expected, NotOpen, Prompt
from civic_feedback.storage.citizens import CitizenSnapshot

# Buttons that are simply old: a quiet note is enough. Others need the citizen's attention.
_QUIET = {RefusalReason.STALE, RefusalReason.UNKNOWN_OPTION}
_STALE = Rejected(RefusalReason.STALE)


def _given(data: AnswerCb) -> Input | None:
    """What a value, pick or skip button gives (None: an option index that is not one)."""
    if data.kind is AnswerKind.VALUE:
        return Button(data.value)
    if data.kind is AnswerKind.PICK:
        index = small_index(data.value)
        return None if index is None else Pick(index)
    return Skip()


def _expected(data: AnswerCb) -> Expected | None:
    """The question the button was under; None for a forged response id."""
    if database_id(data.response) is None:
        return None
    return Expected(data.response, data.question)


# A press's step on the citizen's form; None: the press is stale.
Step = Callable[[Unit, CitizenSnapshot, Expected], Prompt | Rejected | NotOpen | None]
Show = Callable[[CallbackQuery, Prompt], Awaitable[None]]


async def _press(
    query: CallbackQuery, data: AnswerCb, ctx: Context, step: Step, show: Show
) -> AnswerCallbackQuery:
    """Store the press as one unit of work, then show what comes next.

    The answer to the press is returned, not sent: behind a webhook it rides in the HTTP
    response (one Bot API request fewer per press), in polling aiogram sends it after the
    edit."""
    expected = _expected(data)

    def work(unit: Unit) -> Prompt | Rejected | NotOpen:
        citizen = unit.snapshot
        if citizen is None or expected is None:
            return _STALE
        return step(unit, citizen, expected) or _STALE

    outcome = await ctx.db(work)
    if isinstance(outcome, Rejected):
        return query.answer(refusal_text(outcome, _), show_alert=outcome.reason not in _QUIET)
    if isinstance(outcome, NotOpen):  # the form closed: the question turns into the notice
        await show_in_place(query, not_open_text(outcome, ctx.settings.zone))
    else:
        await show(query, outcome)
    return query.answer()


async def cb_answer(
    query: CallbackQuery, callback_data: AnswerCb, ctx: Context
) -> AnswerCallbackQuery:
    """A value, a pick or a skip: stored, and the message turns into the next step."""
    given = _given(callback_data)

    def answer(
        unit: Unit, citizen: CitizenSnapshot, expected: Expected
    ) -> Prompt | Rejected | NotOpen | None:
        return None if given is None else ctx.runs.answer(unit.db, citizen, given, expected)

    return await _press(query, callback_data, ctx, answer, edit_prompt)


async def cb_done(
    query: CallbackQuery, callback_data: AnswerCb, ctx: Context
) -> AnswerCallbackQuery:
    """Done under a multiple choice: the ticks are the answer."""

    def done(
        unit: Unit, citizen: CitizenSnapshot, expected: Expected
    ) -> Prompt | Rejected | NotOpen:
        return ctx.runs.done(unit.db, citizen, expected)

    return await _press(query, callback_data, ctx, done, edit_prompt)


async def cb_tick(
    query: CallbackQuery, callback_data: AnswerCb, ctx: Context
) -> AnswerCallbackQuery:
    """An option of a multiple choice ticked or unticked: only the keyboard changes."""
    index = small_index(callback_data.value)

    def tick(
        unit: Unit, citizen: CitizenSnapshot, expected: Expected
    ) -> Prompt | Rejected | NotOpen | None:
        return None if index is None else ctx.runs.toggle(unit.db, citizen, index, expected)

    return await _press(query, callback_data, ctx, tick, update_ticks)


async def msg_answer(message: Message, ctx: Context) -> None:
    """Typed text while a form waits for it; anything else goes on to the next routers."""
    assert message.text is not None
    given = Text(message.text)

    def answer(unit: Unit) -> tuple[Prompt | Rejected | NotOpen | None, Prompt | None]:
        """The outcome and, after a refusal, the question to show again."""
        citizen = unit.snapshot
        if citizen is None:
            return None, None
        outcome = ctx.runs.answer(unit.db, citizen, given)
        again = ctx.runs.current(unit.db, citizen) if isinstance(outcome, Rejected) else None
        return outcome, again

    outcome, again = await ctx.db(answer)
    if outcome is None or (isinstance(outcome, Rejected) and outcome.reason is RefusalReason.STALE):
        raise SkipHandler  # not in a form: the routers after this one decide what it is
    if isinstance(outcome, Prompt):
        await send_prompt(ctx.bot, message.chat.id, outcome)
    elif isinstance(outcome, NotOpen):
        await message.answer(not_open_text(outcome, ctx.settings.zone))
    elif again is not None and again.question is not None:
        await send_prompt(ctx.bot, message.chat.id, again, refusal_text(outcome, _))


async def msg_unknown_command(message: Message) -> None:
    await message.answer(_("I do not know this command. Send /help to see what I can do."))


async def msg_other(message: Message, ctx: Context) -> None:
    """Stickers, photos, voice, locations...: nothing is stored; the question is shown again."""
    notice = _("I can only understand text messages and buttons.")

    def current(unit: Unit) -> Prompt | None:
        citizen = unit.snapshot
        return ctx.runs.current(unit.db, citizen) if citizen else None

    prompt = await ctx.db(current)
    if prompt is not None and prompt.question is not None:
        await send_prompt(ctx.bot, message.chat.id, prompt, notice)
    else:
        await message.answer(notice + " " + _("To answer a form, send /feedback."))


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
    kind = F.kind
    given = (AnswerKind.VALUE, AnswerKind.PICK, AnswerKind.SKIP)
    router.callback_query.register(cb_answer, AnswerCb.filter(kind.in_(given)))
    router.callback_query.register(cb_tick, AnswerCb.filter(kind == AnswerKind.TOGGLE))
    router.callback_query.register(cb_done, AnswerCb.filter(kind == AnswerKind.DONE))
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
