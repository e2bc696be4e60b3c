"""/stop: no more broadcasts (reminders of own events still come); /start undoes it."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.context import Context
from civic_feedback.storage.citizens import set_opted_out


async def cmd_stop(message: Message, ctx: Context) -> None:
    await ctx.db(lambda unit: set_opted_out(unit.session, unit.citizen_or_new(), opted_out=True))
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
