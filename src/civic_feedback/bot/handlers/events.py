"""/events, event cards, registration, the calendar file, /myevents."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel import Session

from civic_feedback.bot.callbacks import EventCb, EventsPageCb
from civic_feedback.bot.handlers.form_opening import open_form
from civic_feedback.bot.middlewares.newcomers import ensure_citizen
from civic_feedback.bot.views.event_texts import event_card, event_title, event_when
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.core.clock import Clock
from civic_feedback.reports.calendar import event_ics
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.registrations import Outcome, Registrar
from civic_feedback.settings import Settings
from civic_feedback.storage.events import (
    find_event,
    registration_of,
    registrations_of,
    upcoming_events,
)
from civic_feedback.storage.models import Citizen, Event, RegistrationStatus

PAGE_SIZE = 5


def status_line(session: Session, event: Event, citizen: Citizen | None) -> str | None:
    registration = registration_of(session, event, citizen) if citizen else None
    lines: dict[str, str] = {
        RegistrationStatus.REGISTERED: _("You are registered."),
        RegistrationStatus.WAITLISTED: _("You are on the waiting list."),
        RegistrationStatus.ATTENDED: _("You were there. Thank you!"),
    }
    return lines.get(registration.status) if registration else None


def card_keyboard(session: Session, event: Event, citizen: Citizen | None) -> InlineKeyboardMarkup:
    registration = registration_of(session, event, citizen) if citizen else None
    active = registration is not None and registration.status != RegistrationStatus.CANCELLED
    builder = InlineKeyboardBuilder()
    if active:
        builder.button(
            text=_("Cancel my registration"), callback_data=EventCb(act="unreg", code=event.code)
        )
    else:
        builder.button(text=_("Register"), callback_data=EventCb(act="reg", code=event.code))
    builder.button(text=_("📅 Add to calendar"), callback_data=EventCb(act="ics", code=event.code))
    builder.button(text=_("« All events"), callback_data=EventsPageCb(page=0))
    builder.adjust(1)
    return builder.as_markup()


def render_card(
    session: Session, event: Event, citizen: Citizen | None, language: str, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    text = event_card(event, language, settings.zone, status_line(session, event, citizen))
    return text, card_keyboard(session, event, citizen)


def render_page(
    session: Session,
    citizen: Citizen | None,
    page: int,
    language: str,
    settings: Settings,
    clock: Clock,
) -> tuple[str, InlineKeyboardMarkup | None]:
    municipality = citizen.municipality if citizen else None
    events = upcoming_events(session, clock(), municipality=municipality)
    if not events:
        return _("There are no upcoming events right now. Please look again later."), None
    pages = (len(events) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = events[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    builder = InlineKeyboardBuilder()
    for event in shown:
        label = (
            f"{event_title(event, language)} · {event.starts_at.astimezone(settings.zone):%d.%m}"
        )
        builder.button(text=label[:60], callback_data=EventCb(act="card", code=event.code))
    builder.adjust(1)
    navigation = []
    if page > 0:
        navigation.append(("◀", page - 1))
    if page < pages - 1:
        navigation.append(("▶", page + 1))
    if navigation:
        nav = InlineKeyboardBuilder()
        for label, target in navigation:
            nav.button(text=label, callback_data=EventsPageCb(page=target))
        builder.attach(nav)
    header = _("Upcoming events (page {page} of {pages}). Choose one to see it and register:")
    if municipality:
        header = f"{municipality}. {header}"
    return header.format(page=page + 1, pages=pages), builder.as_markup()


async def cmd_events(
    message: Message,
    session: Session,
    citizen: Citizen | None,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    text, markup = render_page(session, citizen, 0, i18n.current_locale, settings, clock)
    await message.answer(text, reply_markup=markup)


async def cb_page(
    query: CallbackQuery,
    callback_data: EventsPageCb,
    session: Session,
    citizen: Citizen | None,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    text, markup = render_page(
        session, citizen, callback_data.page, i18n.current_locale, settings, clock
    )
    await query.answer()
    await show_in_place(query, text, markup)


async def cb_event(
    query: CallbackQuery,
    callback_data: EventCb,
    bot: Bot,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
    registrar: Registrar,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    wake_notifications: Callable[[], None],
) -> None:
    event = find_event(session, callback_data.code)
    if event is None:
        await query.answer(_("This button is no longer active."))
        return
    language = i18n.current_locale
    citizen = ensure_citizen(session, citizen, query.from_user, settings.languages)
    act = callback_data.act
    if act == "ics":
        await query.answer()
        await send_calendar_file(bot, query.from_user.id, event, language, settings, clock)
        return
    if act == "form":
        await query.answer()
        await open_form(
            bot=bot, session=session, citizen=citizen, runs=runs, language=language, event=event
        )
        return
    notice = None
    if act == "reg":
        notice = registration_notice(registrar.register(session, citizen, event, clock()))
    elif act == "unreg":
        outcome = registrar.cancel(session, citizen, event, clock())
        notice = _("Your registration is cancelled.") if outcome is Outcome.CANCELLED else None
    if act in ("reg", "unreg"):
        wake_notifications()  # a reminder may be due soon, or a freed place announced
    await query.answer(notice or "")
    text, markup = render_card(session, event, citizen, language, settings)
    await show_in_place(query, text, markup)


def registration_notice(outcome: Outcome) -> str:
    return {
        Outcome.REGISTERED: _("You are registered. We will remind you before it starts."),
        Outcome.WAITLISTED: _(
            "The event is full: you are on the waiting list. "
            "We will tell you if a place becomes free."
        ),
        Outcome.ALREADY: _("You are already registered."),
        Outcome.CLOSED: _("Registration for this event is closed."),
    }.get(outcome, "")


async def send_calendar_file(
    bot: Bot, chat_id: int, event: Event, language: str, settings: Settings, clock: Clock
) -> None:
    title = event_title(event, language)
    description = event.description.get(language) or ""
    data = event_ics(event, title, description, settings.zone, clock())
    document = BufferedInputFile(data, filename=f"event-{event.code}.ics")
    await bot.send_document(chat_id, document, caption=event_when(event, language, settings.zone))


async def cmd_myevents(
    message: Message, session: Session, citizen: Citizen | None, settings: Settings, i18n: I18n
) -> None:
    mine = registrations_of(session, citizen) if citizen else []
    if not mine:
        await message.answer(_("You are not registered for any event. Send /events to see them."))
        return
    language = i18n.current_locale
    builder = InlineKeyboardBuilder()
    lines = [_("Your events:")]
    for registration, event in mine:
        states: dict[str, str] = {
            RegistrationStatus.REGISTERED: _("registered"),
            RegistrationStatus.WAITLISTED: _("waiting list"),
            RegistrationStatus.ATTENDED: _("attended"),
        }
        when = event_when(event, language, settings.zone)
        state = states.get(registration.status, "")
        lines.append(f"• {event_title(event, language)} — {when} ({state})")
        builder.button(
            text=event_title(event, language)[:60],
            callback_data=EventCb(act="card", code=event.code),
        )
    builder.adjust(1)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup(), parse_mode=None)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="events")
    router.message.register(cmd_events, Command("events"))
    router.message.register(cmd_myevents, Command("myevents"))
    router.callback_query.register(cb_page, EventsPageCb.filter())
    router.callback_query.register(
        cb_event, EventCb.filter(F.act.in_({"card", "reg", "unreg", "ics", "form"}))
    )
    return router
