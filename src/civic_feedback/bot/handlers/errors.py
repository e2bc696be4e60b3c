"""Unexpected errors: logged with the update id; the citizen is asked to try again."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot) -> None:
    update = event.update
    if isinstance(event.exception, TelegramForbiddenError):
        # The citizen blocked the bot: there is nobody to apologise to.
        log.info("citizen_blocked_bot update_id=%s", update.update_id)
        return
    log.error("update_failed update_id=%s", update.update_id, exc_info=event.exception)
    user = update.message or update.callback_query
    chat_id = user.from_user.id if user is not None and user.from_user else None
    if chat_id is not None:
        await bot.send_message(
            chat_id, _("Sorry, something went wrong on our side. Please try again in a minute.")
        )


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
