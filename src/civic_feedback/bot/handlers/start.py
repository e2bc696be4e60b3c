"""/start: welcome, language on first contact, and the deep links of posters and QR codes.

``f_<form>`` opens a form; ``ev_<code>`` an event card; ``ci_<code>`` checks in at the
venue; ``fb_<code>`` opens the event's feedback form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.callbacks import PrivacyCb
from civic_feedback.bot.handlers.events import render_card
from civic_feedback.bot.handlers.form_opening import open_form
from civic_feedback.bot.handlers.language import language_keyboard
from civic_feedback.bot.middlewares.newcomers import ensure_citizen
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.core.clock import Clock
from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.registrations import Outcome, Registrar
from civic_feedback.settings import Settings
from civic_feedback.storage.events import find_event
from civic_feedback.storage.models import Citizen


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
    command: CommandObject,
    session: Session,
    citizen: Citizen | None,
    settings: Settings,
    **data: Any,
) -> None:
    assert message.from_user is not None
    citizen = ensure_citizen(session, citizen, message.from_user, settings.languages)
    if citizen.opted_out:
        citizen.opted_out = False  # /start subscribes again after /stop
    session.commit()  # before any reply: no connection is held while Telegram answers
    await _go_on(command.args, citizen, None, {**data, "session": session, "settings": settings})


async def cb_agree(
    query: CallbackQuery,
    callback_data: PrivacyCb,
    session: Session,
    citizen: Citizen | None,
    settings: Settings,
    clock: Clock,
    **data: Any,
) -> None:
    """The privacy notice accepted: go on to the link that was waiting, or the welcome."""
    citizen = ensure_citizen(session, citizen, query.from_user, settings.languages)
    if citizen.privacy_accepted_at is None:
        citizen.privacy_accepted_at = clock()
        session.add(citizen)
        session.commit()
    await query.answer(_("Thank you!"))
    # The notice turns into what comes next: one edit, not a new message.
    context = {**data, "session": session, "settings": settings, "clock": clock}
    await _go_on(callback_data.then, citizen, query, context)


async def _go_on(
    payload: str | None, citizen: Citizen, query: CallbackQuery | None, data: dict[str, Any]
) -> None:
    """The welcome, or the deep link's destination (``data``: the dispatcher's objects)."""
    if not payload:
        await greet(data["bot"], citizen, data["settings"], query)
        return
    await open_link(
        payload,
        query=query,
        bot=data["bot"],
        session=data["session"],
        citizen=citizen,
        runs=data["runs"],
        registrar=data["registrar"],
        settings=data["settings"],
        clock=data["clock"],
        language=data["i18n"].current_locale,
        wake_notifications=data["wake_notifications"],
    )


async def greet(
    bot: Bot, citizen: Citizen, settings: Settings, query: CallbackQuery | None = None
) -> None:
    """The welcome; with the language buttons while the citizen has not chosen one."""
    if citizen.language is None:
        text = welcome_text() + "\n\n" + _("Please choose your language:")
        await _show(bot, citizen, text, language_keyboard(settings.languages), query)
    else:
        await _show(bot, citizen, welcome_text(), None, query)


async def _show(
    bot: Bot,
    citizen: Citizen,
    text: str,
    markup: InlineKeyboardMarkup | None,
    query: CallbackQuery | None,
) -> None:
    """In place of the message whose button was pressed, else as a new message."""
    if query is not None:
        await show_in_place(query, text, markup)
    else:
        await bot.send_message(citizen.telegram_id, text, reply_markup=markup)


async def open_link(
    payload: str,
    *,
    query: CallbackQuery | None = None,
    bot: Bot,
    session: Session,
    citizen: Citizen,
    runs: FormRuns,
    registrar: Registrar,
    settings: Settings,
    clock: Clock,
    language: str,
    wake_notifications: Callable[[], None],
) -> None:
    """A deep link: a form, an event card, a check-in or an event's feedback form."""
    kind, _sep, key = payload.partition("_")
    if kind == "f" and is_valid_flow_id(key):
        await open_form(
            bot=bot,
            session=session,
            citizen=citizen,
            flow_id=key,
            runs=runs,
            language=language,
            query=query,
        )
        return
    event = find_event(session, key) if kind in ("ev", "ci", "fb") else None
    if event is None:
        invalid = _("This link is not valid. Send /feedback to see the forms you can answer.")
        await _show(bot, citizen, invalid, None, query)
        return
    if kind == "fb":
        await open_form(
            bot=bot,
            session=session,
            citizen=citizen,
            runs=runs,
            language=language,
            event=event,
            query=query,
        )
        return
    notice = None
    if kind == "ci":
        outcome = registrar.check_in(session, citizen, event, clock())
        notice = {
            Outcome.CHECKED_IN: _("Welcome! You are checked in. Thank you for coming."),
            Outcome.ALREADY: _("You are already checked in. Thank you for coming."),
            Outcome.CLOSED: _("This event was cancelled."),
        }[outcome]
    text, markup = render_card(session, event, citizen, language, settings)
    await _show(bot, citizen, f"{notice}\n\n{text}" if notice else text, markup, query)
    if kind == "ci":
        # Checked in after the event: the invitation is due now. Woken only once the
        # citizen has seen the welcome, so the invitation always comes after it.
        wake_notifications()


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="start")
    router.message.register(cmd_start, CommandStart())
    router.callback_query.register(cb_agree, PrivacyCb.filter())
    return router
