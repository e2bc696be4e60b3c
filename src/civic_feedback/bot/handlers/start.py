"""/start: welcome, language on first contact, and the deep links of posters and QR codes.

``f_<form>`` opens a form; ``ev_<code>`` an event card; ``ci_<code>`` checks in at the
venue; ``fb_<code>`` opens the event's feedback form.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.forms import open_form
from civic_feedback.bot.handlers.events import render_card
from civic_feedback.bot.handlers.language import language_keyboard
from civic_feedback.bot.newcomers import ensure_citizen
from civic_feedback.bot.notifications import Clock
from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.settings import Settings
from civic_feedback.storage.events import Outcome, Registrar, find_event
from civic_feedback.storage.models import Citizen
from civic_feedback.storage.responses import FormRuns


def welcome_text() -> str:
    return _(
        "Welcome! Through this bot you can tell the municipality what you think: "
        "answer short forms after public events and consultations, and send suggestions.\n\n"
        "/events — upcoming public events\n"
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
    registrar: Registrar,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    wake_notifications: Callable[[], None],
) -> None:
    assert message.from_user is not None
    first_contact = citizen is None
    citizen = ensure_citizen(session, citizen, message.from_user, settings.languages)
    if citizen.opted_out:
        citizen.opted_out = False  # /start subscribes again after /stop
    payload = command.args
    if not payload:
        if first_contact and citizen.language is None:
            text = welcome_text() + "\n\n" + _("Please choose your language:")
            await message.answer(text, reply_markup=language_keyboard(settings.languages))
        else:
            await message.answer(welcome_text())
        return
    kind, _sep, key = payload.partition("_")
    language = i18n.current_locale
    if kind == "f" and is_valid_flow_id(key):
        await open_form(
            bot=bot, session=session, citizen=citizen, flow_id=key, runs=runs, language=language
        )
        return
    event = find_event(session, key) if kind in ("ev", "ci", "fb") else None
    if event is None:
        await message.answer(
            _("This link is not valid. Send /feedback to see the forms you can answer.")
        )
        return
    if kind == "fb":
        await open_form(
            bot=bot, session=session, citizen=citizen, runs=runs, language=language, event=event
        )
        return
    notice = None
    if kind == "ci":
        outcome = registrar.check_in(session, citizen, event, clock())
        wake_notifications()  # checked in after the event: the invitation is due now
        notice = {
            Outcome.CHECKED_IN: _("Welcome! You are checked in. Thank you for coming."),
            Outcome.ALREADY: _("You are already checked in. Thank you for coming."),
            Outcome.CLOSED: _("This event was cancelled."),
        }[outcome]
    text, markup = render_card(session, event, citizen, language, settings)
    await message.answer(f"{notice}\n\n{text}" if notice else text, reply_markup=markup)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="start")
    router.message.register(cmd_start, CommandStart())
    return router
