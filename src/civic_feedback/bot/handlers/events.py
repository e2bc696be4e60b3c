"""/events, event cards, registration, the calendar file, /myevents."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel import Session

from civic_feedback.bot.callbacks import EventAction, EventCb, EventsPageCb
from civic_feedback.bot.context import Context
from civic_feedback.bot.handlers.form_opening import show_form, start_form
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.event_texts import event_card, event_title, event_when
from civic_feedback.bot.views.replies import Screen, show_in_place
from civic_feedback.reports.calendar import event_ics
from civic_feedback.services.registrations import Outcome
from civic_feedback.storage.events import (
    find_event,
    registration_of,
    registrations_of,
    upcoming_events,
)
from civic_feedback.storage.models import Citizen, Event, RegistrationStatus

T = TypeVar("T")

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

    def button(text: str, action: EventAction) -> None:
        builder.button(text=text, callback_data=EventCb(action=action, code=event.code))

    if active:
        button(_("Cancel my registration"), EventAction.UNREGISTER)
    else:
        button(_("Register"), EventAction.REGISTER)
    button(_("📅 Add to calendar"), EventAction.CALENDAR)
    builder.button(text=_("« All events"), callback_data=EventsPageCb(page=0))
    builder.adjust(1)
    return builder.as_markup()


def render_card(unit: Unit, ctx: Context, event: Event) -> Screen:
    """Inside a unit: the event's card, as the sender sees it now."""
    status = status_line(unit.session, event, unit.citizen)
    text = event_card(event, ctx.language, ctx.settings.zone, status)
    return Screen(text, card_keyboard(unit.session, event, unit.citizen))


def render_page(unit: Unit, ctx: Context, page: int) -> Screen:
    """Inside a unit: a page of the upcoming events (of the sender's municipality)."""
    language, zone = ctx.language, ctx.settings.zone
    municipality = unit.citizen.municipality if unit.citizen else None
    events = upcoming_events(unit.session, ctx.clock(), municipality=municipality)
    if not events:
        return Screen(_("There are no upcoming events right now. Please look again later."))
    pages = (len(events) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = events[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    builder = InlineKeyboardBuilder()
    for event in shown:
        label = f"{event_title(event, language)} · {event.starts_at.astimezone(zone):%d.%m}"
        card = EventCb(action=EventAction.CARD, code=event.code)
        builder.button(text=label[:60], callback_data=card)
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
    return Screen(header.format(page=page + 1, pages=pages), builder.as_markup())


async def cmd_events(message: Message, ctx: Context) -> None:
    screen = await ctx.db(lambda unit: render_page(unit, ctx, 0))
    await message.answer(screen.text, reply_markup=screen.markup)


async def cb_page(query: CallbackQuery, callback_data: EventsPageCb, ctx: Context) -> None:
    screen = await ctx.db(lambda unit: render_page(unit, ctx, callback_data.page))
    await query.answer()
    await show_in_place(query, screen.text, screen.markup)


def _event_step(
    ctx: Context, code: str, step: Callable[[Unit, Event], T]
) -> Callable[[Unit], T | None]:
    """A unit's work on the event a button names; None when there is no such event."""

    def work(unit: Unit) -> T | None:
        event = find_event(unit.session, code)
        return None if event is None else step(unit, event)

    return work


async def _no_longer_active(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."))


async def cb_card(query: CallbackQuery, callback_data: EventCb, ctx: Context) -> None:
    screen = await ctx.db(
        _event_step(ctx, callback_data.code, lambda unit, event: render_card(unit, ctx, event))
    )
    if screen is None:
        await _no_longer_active(query)
        return
    await query.answer()
    await show_in_place(query, screen.text, screen.markup)


async def cb_register(query: CallbackQuery, callback_data: EventCb, ctx: Context) -> None:
    def register(unit: Unit, event: Event) -> tuple[str, Screen]:
        citizen = unit.citizen_or_new()
        outcome = ctx.registrar.register(unit.session, citizen, event, ctx.clock())
        return registration_notice(outcome), render_card(unit, ctx, event)

    await _change_registration(
        query, ctx, await ctx.db(_event_step(ctx, callback_data.code, register))
    )


async def cb_unregister(query: CallbackQuery, callback_data: EventCb, ctx: Context) -> None:
    def cancel(unit: Unit, event: Event) -> tuple[str, Screen]:
        citizen = unit.citizen_or_new()
        outcome = ctx.registrar.cancel(unit.session, citizen, event, ctx.clock())
        notice = _("Your registration is cancelled.") if outcome is Outcome.CANCELLED else ""
        return notice, render_card(unit, ctx, event)

    await _change_registration(
        query, ctx, await ctx.db(_event_step(ctx, callback_data.code, cancel))
    )


async def _change_registration(
    query: CallbackQuery, ctx: Context, done: tuple[str, Screen] | None
) -> None:
    if done is None:
        await _no_longer_active(query)
        return
    notice, screen = done
    ctx.wake.notifications()  # a reminder may be due soon, or a freed place announced
    await query.answer(notice)
    await show_in_place(query, screen.text, screen.markup)


async def cb_calendar(query: CallbackQuery, callback_data: EventCb, ctx: Context) -> None:
    def calendar(unit: Unit, event: Event) -> tuple[bytes, str, str]:
        return calendar_file(event, ctx)

    found = await ctx.db(_event_step(ctx, callback_data.code, calendar))
    if found is None:
        await _no_longer_active(query)
        return
    await query.answer()
    data, filename, caption = found
    await ctx.bot.send_document(
        query.from_user.id, BufferedInputFile(data, filename=filename), caption=caption
    )


async def cb_event_form(query: CallbackQuery, callback_data: EventCb, ctx: Context) -> None:
    """The event's feedback form, from its invitation."""
    outcome = await ctx.db(
        _event_step(ctx, callback_data.code, lambda unit, event: start_form(unit, ctx, "", event))
    )
    if outcome is None:
        await _no_longer_active(query)
        return
    await query.answer()
    await show_form(ctx, query.from_user.id, outcome)


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


def calendar_file(event: Event, ctx: Context) -> tuple[bytes, str, str]:
    """The event as an iCalendar file: its bytes, its name and the caption under it."""
    language, zone = ctx.language, ctx.settings.zone
    title = event_title(event, language)
    description = event.description.get(language) or ""
    data = event_ics(event, title, description, zone, ctx.clock())
    return data, f"event-{event.code}.ics", event_when(event, language, zone)


def my_events(unit: Unit, ctx: Context) -> Screen | None:
    """Inside a unit: the sender's registrations, each a button to its card; None: none."""
    mine = registrations_of(unit.session, unit.citizen) if unit.citizen else []
    if not mine:
        return None
    language, zone = ctx.language, ctx.settings.zone
    states: dict[str, str] = {
        RegistrationStatus.REGISTERED: _("registered"),
        RegistrationStatus.WAITLISTED: _("waiting list"),
        RegistrationStatus.ATTENDED: _("attended"),
    }
    builder = InlineKeyboardBuilder()
    lines = [_("Your events:")]
    for registration, event in mine:
        title = event_title(event, language)
        state = states.get(registration.status, "")
        lines.append(f"• {title} — {event_when(event, language, zone)} ({state})")
        card = EventCb(action=EventAction.CARD, code=event.code)
        builder.button(text=title[:60], callback_data=card)
    builder.adjust(1)
    return Screen("\n".join(lines), builder.as_markup())


async def cmd_myevents(message: Message, ctx: Context) -> None:
    screen = await ctx.db(lambda unit: my_events(unit, ctx))
    if screen is None:
        await message.answer(_("You are not registered for any event. Send /events to see them."))
        return
    await message.answer(screen.text, reply_markup=screen.markup, parse_mode=None)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="events")
    router.message.register(cmd_events, Command("events"))
    router.message.register(cmd_myevents, Command("myevents"))
    router.callback_query.register(cb_page, EventsPageCb.filter())
    for handler, action in (
        (cb_card, EventAction.CARD),
        (cb_register, EventAction.REGISTER),
        (cb_unregister, EventAction.UNREGISTER),
        (cb_calendar, EventAction.CALENDAR),
        (cb_event_form, EventAction.FEEDBACK),
    ):
        router.callback_query.register(handler, EventCb.filter(F.action == action))
    return router
