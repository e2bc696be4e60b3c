"""Show a form step with as few Bot API messages as possible: edit in place when we can."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import tzinfo

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.views.questions import render_prompt
from civic_feedback.core.form_windows import WindowState, on_the_clock
from civic_feedback.services.form_runs import NotOpen, Prompt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Screen:
    """A message to show: its text and its buttons."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def not_open_text(outcome: NotOpen, zone: tzinfo) -> str:
    """Why the form takes no answers, with the day and time in ``zone`` (TIMEZONE)."""
    closed = outcome.state is WindowState.CLOSED
    day, clock = on_the_clock(outcome.at, zone, closing=closed)
    when = {"date": f"{day:%d.%m.%Y}", "time": clock}
    if not closed:
        return _("This form opens on {date} at {time}.").format(**when)
    if outcome.ended:
        return _(
            "This form closed on {date} at {time}. Your answers so far are kept. Thank you!"
        ).format(**when)
    return _("This form closed on {date} at {time}.").format(**when)


async def send_prompt(bot: Bot, chat_id: int, prompt: Prompt, notice: str | None = None) -> None:
    text, markup = render_prompt(prompt, notice)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def edit_prompt(query: CallbackQuery, prompt: Prompt, notice: str | None = None) -> None:
    """Turn the message whose button was pressed into the next step (one edit, no new message)."""
    text, markup = render_prompt(prompt, notice)
    await show_in_place(query, text, markup)


async def show_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message whose button was pressed; a new message when it cannot be edited.

    A double tap, or the same update handled again after a restart, asks for the screen
    already shown: Telegram refuses that edit as "not modified", and that is fine.
    """
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
            log.info("edit_failed message_id=%s error=%s", message.message_id, error.message)
    await _send_anew(query, text, markup)


async def update_ticks(query: CallbackQuery, prompt: Prompt) -> None:
    """Redraw only the keyboard after an option was ticked or unticked; the whole question
    anew when its message cannot be edited (deleted, or too old for Telegram to show)."""
    text, markup = render_prompt(prompt)
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_reply_markup(reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
            log.info("edit_failed message_id=%s error=%s", message.message_id, error.message)
    await _send_anew(query, text, markup)


async def _send_anew(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """The step as a new message, where the pressed one could not be changed."""
    bot = query.bot
    assert bot is not None
    await bot.send_message(query.from_user.id, text, reply_markup=markup)
