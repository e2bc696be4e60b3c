"""/start: welcome, language on first contact, and the deep links of posters and QR codes.

``f_<form>`` opens a form; ``ev_<code>`` an event card; ``ci_<code>`` checks in at the
venue; ``fb_<code>`` opens the event's feedback form; ``co_<code>`` a public consultation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.callbacks import PrivacyCb
from civic_feedback.bot.context import Context
from civic_feedback.bot.handlers.consultations import render_card as render_consultation
from civic_feedback.bot.handlers.events import render_card
from civic_feedback.bot.handlers.form_opening import show_form, start_form
from civic_feedback.bot.handlers.language import language_keyboard
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.replies import Screen, show_in_place
from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.services.form_runs import NotOpen, Prompt, Refusal
from civic_feedback.services.registrations import Outcome
from civic_feedback.storage.consultations import find_consultation
from civic_feedback.storage.events import find_event


def welcome_text() -> str:
    return (
        _(
            "Welcome! Through this bot you can tell the municipality what you think: "
            "answer short forms after public events and consultations, and send suggestions.\n\n"
            "/events — upcoming public events\n"
            "/feedback — forms you can answer now\n"
            "/language — change the language\n"
            "/help — how it works"
        )
        + "\n"
        + _("/consultations — drafts of the municipality open for your proposals")
    )


@dataclass(frozen=True)
class CheckedIn:
    """A check-in at the venue: the event's card, with the check-in's notice above it."""

    screen: Screen


class Nowhere(Enum):
    INVALID = "invalid"  # a link to no form or event we know


# Where a /start link leads: the welcome (None), a form, an event card, or nowhere.
Destination = Prompt | Refusal | NotOpen | Screen | CheckedIn | Nowhere | None


async def cmd_start(message: Message, command: CommandObject, ctx: Context) -> None:
    def start(unit: Unit) -> Destination:
        if unit.snapshot_or_new().opted_out:
            unit.change_citizen(opted_out=False)  # /start subscribes again after /stop
        return follow_link(unit, ctx, command.args)

    destination = await ctx.db(start)
    await _go_on(ctx, message.chat.id, destination)


async def cb_agree(query: CallbackQuery, callback_data: PrivacyCb, ctx: Context) -> None:
    """The privacy notice accepted: go on to the link that was waiting, or the welcome."""

    def agree(unit: Unit) -> Destination:
        if unit.snapshot_or_new().privacy_accepted_at is None:
            unit.change_citizen(privacy_accepted_at=ctx.clock())
        return follow_link(unit, ctx, callback_data.then)

    destination = await ctx.db(agree)
    await query.answer(_("Thank you!"))
    # The notice turns into what comes next: one edit, not a new message.
    await _go_on(ctx, query.from_user.id, destination, query)


def follow_link(unit: Unit, ctx: Context, payload: str | None) -> Destination:
    """Inside a unit: where a deep link leads (the welcome when there is none)."""
    if not payload:
        return None
    kind, _sep, key = payload.partition("_")
    if kind == "f" and is_valid_flow_id(key):
        return start_form(unit, ctx, key)
    if kind == "co":
        consultation = find_consultation(unit.session, key)
        return (
            Nowhere.INVALID
            if consultation is None
            else render_consultation(unit, ctx, consultation)
        )
    event = find_event(unit.session, key) if kind in ("ev", "ci", "fb") else None
    if event is None:
        return Nowhere.INVALID
    if kind == "fb":
        return start_form(unit, ctx, "", event)
    if kind == "ev":
        return render_card(unit, ctx, event)
    outcome = ctx.registrar.check_in(unit.session, unit.citizen_or_new(), event, ctx.clock())
    notice = {
        Outcome.CHECKED_IN: _("Welcome! You are checked in. Thank you for coming."),
        Outcome.ALREADY: _("You are already checked in. Thank you for coming."),
        Outcome.CLOSED: _("This event was cancelled."),
    }[outcome]
    card = render_card(unit, ctx, event)
    return CheckedIn(Screen(f"{notice}\n\n{card.text}", card.markup))


async def _go_on(
    ctx: Context, chat_id: int, destination: Destination, query: CallbackQuery | None = None
) -> None:
    """Show where the link led: in place of the pressed message, with ``query``."""
    if destination is None:
        await _show(ctx, chat_id, greeting(ctx), query)
    elif destination is Nowhere.INVALID:
        invalid = _("This link is not valid. Send /feedback to see the forms you can answer.")
        await _show(ctx, chat_id, Screen(invalid), query)
    elif isinstance(destination, Screen):
        await _show(ctx, chat_id, destination, query)
    elif isinstance(destination, CheckedIn):
        await _show(ctx, chat_id, destination.screen, query)
        # Checked in after the event: the invitation is due now. Woken only once the
        # citizen has seen the welcome, so the invitation always comes after it.
        ctx.wake.notifications()
    else:
        await show_form(ctx, chat_id, destination, query)


def greeting(ctx: Context) -> Screen:
    """The welcome; with the language buttons while the citizen has not chosen one."""
    if ctx.citizen is not None and ctx.citizen.language is None:
        text = welcome_text() + "\n\n" + _("Please choose your language:")
        return Screen(text, language_keyboard(ctx.settings.languages))
    return Screen(welcome_text())


async def _show(ctx: Context, chat_id: int, screen: Screen, query: CallbackQuery | None) -> None:
    """In place of the message whose button was pressed, else as a new message."""
    if query is not None:
        await show_in_place(query, screen.text, screen.markup)
    else:
        await ctx.bot.send_message(chat_id, screen.text, reply_markup=screen.markup)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="start")
    router.message.register(cmd_start, CommandStart())
    router.callback_query.register(cb_agree, PrivacyCb.filter())
    return router
