"""Opening a form for a citizen, from a deep link or the /feedback list."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.views.replies import edit_prompt, send_prompt
from civic_feedback.services.form_runs import FormRuns, Refusal
from civic_feedback.storage.models import Citizen, Event


async def open_form(
    *,
    bot: Bot,
    session: Session,
    citizen: Citizen,
    runs: FormRuns,
    language: str,
    flow_id: str = "",
    event: Event | None = None,
    query: CallbackQuery | None = None,
) -> None:
    """Show the form's current question, or say politely why it cannot be answered.

    With ``event``, the event's feedback form, its answers stored with the event.
    """
    if event is not None:
        flow_id = event.flow_id
    event_id = event.id if event is not None else None
    outcome = runs.start(session, citizen, flow_id, language=language, event_id=event_id)
    if outcome is Refusal.UNKNOWN_FORM:
        text = _(
            "This form is closed or not open yet. Send /feedback to see the forms you can answer."
        )
    elif outcome is Refusal.ALREADY_COMPLETED:
        text = _("You have already answered this form. Thank you for taking part!")
    elif query is not None:
        await edit_prompt(query, outcome)
        return
    else:
        await send_prompt(bot, citizen.telegram_id, outcome)
        return
    await bot.send_message(citizen.telegram_id, text)
