"""/help: what the bot does and its commands."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _


def help_text() -> str:
    return (
        _(
            "This bot collects citizens' opinions for the municipality and the organisers of "
            "public events. Your answers are saved as soon as you give them; you can stop and "
            "come back later.\n\n"
            "/events — upcoming public events; /myevents — your registrations\n"
            "/feedback — forms you can answer now\n"
            "/settings — your municipality\n"
            "/stop — no more announcements (/start to get them again)\n"
            "/language — change the language\n"
            "/start — the welcome message\n\n"
            "In a form, press the buttons under a question, or write your answer when asked to."
        )
        + "\n\n"
        + _(
            "To write to the municipality, just send me your message; /myrequests shows your "
            "messages and the answers."
        )
        + "\n"
        + _("/consultations — drafts of the municipality open for your proposals")
        + "\n"
        + _("/mydata — what this bot stores about you; /forget — erase it.")
    )


async def cmd_help(message: Message) -> None:
    await message.answer(help_text())


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="help")
    router.message.register(cmd_help, Command("help"))
    return router
