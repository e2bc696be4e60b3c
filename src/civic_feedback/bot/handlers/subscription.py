"""/stop: no more broadcasts (reminders of own events still come); /start undoes it."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message, User
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.middlewares.newcomers import ensure_citizen
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import set_opted_out
from civic_feedback.storage.models import Citizen


async def cmd_stop(
    message: Message, session: Session, citizen: Citizen | None, settings: Settings
) -> None:
    user = message.from_user
    assert isinstance(user, User)
    citizen = ensure_citizen(session, citizen, user, settings.languages)
    set_opted_out(session, citizen, opted_out=True)
    await message.answer(
        _(
            "Done: you will get no more announcements. Reminders of events you registered "
            "for still come. Send /start to receive announcements again."
        )
    )


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="subscription")
    router.message.register(cmd_stop, Command("stop"))
    return router
