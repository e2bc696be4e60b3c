"""The progress message of an announcement composed in Telegram, edited as it is sent."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import BroadcastAction, BroadcastCb
from civic_feedback.services.broadcasts import Progress


def stop_keyboard(broadcast_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Stop sending"),
        callback_data=BroadcastCb(id=broadcast_id, action=BroadcastAction.STOP),
    )
    return builder.as_markup()


def progress_text(progress: Progress) -> str:
    counts = _(
        "Sent: {sent} of {total}. Not delivered: {failed}. Blocked the bot: {unreachable}."
    ).format(
        sent=progress.sent,
        total=progress.total,
        failed=progress.failed,
        unreachable=progress.unreachable,
    )
    if progress.left:
        heading = _("Announcement {id} is being sent.")
    else:
        heading = _("Announcement {id} is finished.")
    return heading.format(id=progress.id) + "\n" + counts
