"""Opening a form for a citizen, from a deep link, the /feedback list or an event card."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.context import Context
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.replies import edit_prompt, not_open_text, send_prompt
from civic_feedback.services.form_runs import NotOpen, Prompt, Refusal
from civic_feedback.storage.models import Event


def start_form(
    unit: Unit, ctx: Context, flow_id: str, event: Event | None = None
) -> Prompt | Refusal | NotOpen:
    """Inside a unit: start or resume the form (the event's feedback form, with ``event``);
    refused while the form is not open."""
    citizen = unit.snapshot_or_new()
    if event is not None:
        return ctx.runs.start(
            unit.db, citizen, event.flow_id, language=ctx.language, event_id=event.id
        )
    return ctx.runs.start(unit.db, citizen, flow_id, language=ctx.language)


async def show_form(
    ctx: Context,
    chat_id: int,
    outcome: Prompt | Refusal | NotOpen,
    query: CallbackQuery | None = None,
) -> None:
    """The form's current question (in place of the pressed message, with ``query``), or
    why it cannot be answered."""
    if isinstance(outcome, NotOpen):
        text = not_open_text(outcome, ctx.settings.zone)
    elif outcome is Refusal.UNKNOWN_FORM:
        text = _(
            "This form is closed or not open yet. Send /feedback to see the forms you can answer."
        )
    elif outcome is Refusal.ALREADY_COMPLETED:
        text = _("You have already answered this form. Thank you for taking part!")
    elif query is not None:
        await edit_prompt(query, outcome)
        return
    else:
        await send_prompt(ctx.bot, chat_id, outcome)
        return
    await ctx.bot.send_message(chat_id, text)
