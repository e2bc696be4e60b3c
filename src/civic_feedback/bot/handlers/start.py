"""/start: welcome, language on first contact, and deep links that open a form."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.forms import open_form
from civic_feedback.bot.handlers.language import language_keyboard
from civic_feedback.bot.newcomers import ensure_citizen
from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.settings import Settings
from civic_feedback.storage.models import Citizen
from civic_feedback.storage.responses import FormRuns

FORM_LINK_PREFIX = "f_"


def welcome_text() -> str:
    return _(
        "Welcome! Through this bot you can tell the municipality what you think: "
        "answer short forms after public events and consultations, and send suggestions.\n\n"
        "/feedback — forms you can answer now\n"
        "/language — change the language\n"
        "/help — how it works"
    )


async def cmd_start(
    message: Message,
    bot: Bot,
    command: CommandObject,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
    settings: Settings,
    i18n: I18n,
) -> None:
    assert message.from_user is not None
    first_contact = citizen is None
    citizen = ensure_citizen(session, citizen, message.from_user, settings.languages)
    payload = command.args
    if payload:
        flow_id = payload.removeprefix(FORM_LINK_PREFIX)
        if not payload.startswith(FORM_LINK_PREFIX) or not is_valid_flow_id(flow_id):
            await message.answer(
                _("This link is not valid. Send /feedback to see the forms you can answer.")
            )
            return
        await open_form(
            bot=bot,
            session=session,
            citizen=citizen,
            flow_id=flow_id,
            runs=runs,
            language=i18n.current_locale,
        )
        return
    if first_contact and citizen.language is None:
        await message.answer(
            welcome_text() + "\n\n" + _("Please choose your language:"),
            reply_markup=language_keyboard(settings.languages),
        )
        return
    await message.answer(welcome_text())


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="start")
    router.message.register(cmd_start, CommandStart())
    return router
