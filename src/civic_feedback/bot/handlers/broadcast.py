"""/broadcast for organizers: text -> recipients -> preview with the exact count -> send.

The draft lives in the database (a broadcast row in state ``draft``), so a restart between
steps loses nothing. Every step checks the role again: a role revoked mid-way stops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import BroadcastAction, BroadcastCb
from civic_feedback.bot.context import Context
from civic_feedback.bot.handlers.language import LANGUAGE_NAMES
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.broadcast_report import stop_keyboard
from civic_feedback.bot.views.replies import Screen, show_in_place
from civic_feedback.core.telegram_html import html_problems
from civic_feedback.flows.schema import in_language
from civic_feedback.services.broadcast_segments import SegmentChoice, SegmentKind, segment_choices
from civic_feedback.services.broadcasts import (
    SegmentError,
    audience,
    cancel_broadcast,
    draft_of,
    drop_draft,
    queue_broadcast,
    start_draft,
)
from civic_feedback.settings import Settings
from civic_feedback.storage import audit
from civic_feedback.storage.models import Broadcast, BroadcastState, utcnow
from civic_feedback.storage.roles import Permission, may, role_of, scope_of

log = logging.getLogger(__name__)
T = TypeVar("T")

_TITLE_LENGTH = 40


class Refused(Enum):
    NOT_ORGANIZER = "not_organizer"  # the role is missing (or was revoked mid-way)
    NO_DRAFT = "no_draft"  # the button's draft was sent or dropped since


def _allowed(unit: Unit, user: User, ctx: Context) -> bool:
    """Whether the user may broadcast; a refusal is logged (by pseudonym)."""
    settings = ctx.settings
    if may(role_of(unit.session, user.id, settings.admin_ids), Permission.BROADCAST):
        return True
    actor = audit.telegram_actor(settings.require_pseudonym_key(), user.id)
    log.warning("refused permission=broadcast user=%s", actor)
    return False


def _refusal() -> str:
    return _(
        "Only organizers can send announcements. If you are one, ask your administrator "
        "to give you the organizer role."
    )


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


async def cmd_broadcast(message: Message, ctx: Context) -> None:
    user = message.from_user
    assert isinstance(user, User)
    settings = ctx.settings
    text_language = settings.interface_language

    def start(unit: Unit) -> bool:
        if not _allowed(unit, user, ctx):
            return False
        actor = audit.telegram_actor(settings.require_pseudonym_key(), user.id)
        start_draft(
            unit.session,
            chat_id=message.chat.id,
            language=ctx.language,
            text_language=text_language,
            created_by=actor,
        )
        return True

    if not await ctx.db(start):
        await message.answer(_refusal())
        return
    await message.answer(
        _(
            "A new announcement to citizens. Send me its text in {language}. Bold, italic "
            "and links stay as you write them. Send /cancel to stop."
        ).format(language=_language_name(text_language))
    )


async def msg_text(message: Message, ctx: Context) -> None:
    """The text of the draft awaiting one; any other message goes on to the next router."""
    user = message.from_user
    assert isinstance(user, User)
    text = message.html_text
    problems = html_problems(text)
    settings = ctx.settings

    def save(unit: Unit) -> Refused | str | Screen | None:
        """The saved language's keyboard; the problem (str) of a text Telegram refuses."""
        draft = draft_of(unit.session, message.chat.id)
        if draft is None or draft.awaiting_text is None:
            return None
        if not _allowed(unit, user, ctx):
            return Refused.NOT_ORGANIZER
        if problems:
            return problems[0]
        language = draft.awaiting_text
        draft.texts = {**draft.texts, language: text}
        draft.awaiting_text = None
        unit.session.add(draft)
        saved = _("Saved the text in {language}.").format(language=_language_name(language))
        fallback = _(
            "Citizens whose language has no text of its own get the text in {language}."
        ).format(language=_language_name(settings.interface_language))
        return Screen(saved + "\n" + fallback, _texts_keyboard(draft, settings))

    outcome = await ctx.db(save)
    if outcome is None:
        raise SkipHandler
    if outcome is Refused.NOT_ORGANIZER:
        await message.answer(_refusal())
    elif isinstance(outcome, str):
        await message.answer(
            _("Telegram cannot send this text: {problem}. Please send it again.").format(
                problem=outcome
            )
        )
    elif isinstance(outcome, Screen):
        await message.answer(outcome.text, reply_markup=outcome.markup)


def _texts_keyboard(draft: Broadcast, settings: Settings) -> InlineKeyboardMarkup:
    assert draft.id is not None
    builder = InlineKeyboardBuilder()
    for code in settings.languages:
        if code not in draft.texts:
            label = _("Add the text in {language}").format(language=_language_name(code))
            builder.button(
                text=label,
                callback_data=BroadcastCb(id=draft.id, action=BroadcastAction.LANGUAGE, value=code),
            )
    builder.button(
        text=_("Choose recipients →"),
        callback_data=BroadcastCb(id=draft.id, action=BroadcastAction.RECIPIENTS),
    )
    builder.button(
        text=_("Cancel"), callback_data=BroadcastCb(id=draft.id, action=BroadcastAction.CANCEL)
    )
    builder.adjust(1)
    return builder.as_markup()


def _segments(unit: Unit, user: User, ctx: Context) -> list[tuple[str, str, str]]:
    """(button code, segment, label) for every choice offered to the organizer: within
    their municipality when their role has one."""
    settings = ctx.settings
    scope = scope_of(unit.session, user.id, settings.admin_ids)
    offered = segment_choices(
        unit.session, scope, settings.municipalities, settings.languages, utcnow()
    )
    language = ctx.language
    return [(choice.code, choice.segment, _choice_label(choice, language)) for choice in offered]


def _choice_label(choice: SegmentChoice, language: str) -> str:
    if choice.kind is SegmentKind.ALL:
        return _("All subscribers")
    if choice.kind is SegmentKind.ALL_IN:
        return _("All subscribers in {name}").format(name=choice.name)
    if choice.kind is SegmentKind.MUNICIPALITY:
        return _("In {name}").format(name=choice.name)
    if choice.kind is SegmentKind.LANGUAGE:
        return _("Speaking {language}").format(language=_language_name(choice.name))
    title = in_language(choice.title, language)
    if len(title) > _TITLE_LENGTH:
        title = title[: _TITLE_LENGTH - 1] + "…"
    return _("Registered for: {event}").format(event=title)


def _segments_keyboard(draft_id: int, choices: list[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, _segment, label in choices:
        builder.button(
            text=label,
            callback_data=BroadcastCb(id=draft_id, action=BroadcastAction.SEGMENT, value=code),
        )
    builder.button(
        text=_("Cancel"), callback_data=BroadcastCb(id=draft_id, action=BroadcastAction.CANCEL)
    )
    builder.adjust(1)
    return builder.as_markup()


def _confirm_keyboard(draft_id: int, total: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    send = _("Send to {count}").format(count=total)
    builder.button(text=send, callback_data=BroadcastCb(id=draft_id, action=BroadcastAction.SEND))
    builder.button(
        text=_("Other recipients"),
        callback_data=BroadcastCb(id=draft_id, action=BroadcastAction.RECIPIENTS),
    )
    builder.button(
        text=_("Cancel"), callback_data=BroadcastCb(id=draft_id, action=BroadcastAction.CANCEL)
    )
    builder.adjust(1)
    return builder.as_markup()


def _audience_text(reach: dict[str, int]) -> str:
    total = sum(reach.values())
    not_chosen = _("language not chosen")
    parts = [
        f"{_language_name(code) if code else not_chosen}: {count}"
        for code, count in sorted(reach.items())
    ]
    summary = _("Recipients: {count}.").format(count=total)
    return summary + ("\n" + "\n".join(parts) if parts else "")


def _on_draft(
    query: CallbackQuery, ctx: Context, draft_id: int, step: Callable[[Unit, Broadcast], T]
) -> Callable[[Unit], T | Refused]:
    """A unit's work on the organizer's draft the button belongs to, their role checked."""
    chat_id = query.message.chat.id if query.message else query.from_user.id

    def work(unit: Unit) -> T | Refused:
        if not _allowed(unit, query.from_user, ctx):
            return Refused.NOT_ORGANIZER
        draft = draft_of(unit.session, chat_id, draft_id)
        if draft is None or draft.id is None:
            return Refused.NO_DRAFT
        return step(unit, draft)

    return work


async def _refused(query: CallbackQuery, outcome: Refused) -> None:
    if outcome is Refused.NOT_ORGANIZER:
        await query.answer(_refusal(), show_alert=True)
    else:
        await query.answer(_("This button is no longer active."))


async def cb_language(query: CallbackQuery, callback_data: BroadcastCb, ctx: Context) -> None:
    """Add the text in another language: the draft waits for it."""
    code = callback_data.value

    def await_text(unit: Unit, draft: Broadcast) -> bool:
        if code not in ctx.settings.languages:
            return False
        draft.awaiting_text = code
        unit.session.add(draft)
        return True

    outcome = await ctx.db(_on_draft(query, ctx, callback_data.id, await_text))
    if isinstance(outcome, Refused):
        await _refused(query, outcome)
        return
    await query.answer()
    if outcome:
        prompt = _("Send me the text in {language}. Send /cancel to stop.")
        await show_in_place(query, prompt.format(language=_language_name(code)))


async def cb_recipients(query: CallbackQuery, callback_data: BroadcastCb, ctx: Context) -> None:
    def choices(unit: Unit, draft: Broadcast) -> InlineKeyboardMarkup:
        assert draft.id is not None
        return _segments_keyboard(draft.id, _segments(unit, query.from_user, ctx))

    outcome = await ctx.db(_on_draft(query, ctx, callback_data.id, choices))
    if isinstance(outcome, Refused):
        await _refused(query, outcome)
        return
    await query.answer()
    await show_in_place(query, _("Who should get it?"), outcome)


@dataclass(frozen=True)
class Preview:
    """What the organizer is shown before sending: where, the texts, and the count."""

    chat_id: int
    texts: list[str]
    confirm: Screen


async def cb_segment(query: CallbackQuery, callback_data: BroadcastCb, ctx: Context) -> None:
    """Recipients chosen: a preview of the texts and the exact count, then Send."""
    code = callback_data.value

    def choose(unit: Unit, draft: Broadcast) -> Preview | None:
        assert draft.id is not None
        segments = _segments(unit, query.from_user, ctx)
        chosen = [segment for c, segment, _label in segments if c == code]
        try:
            reach = audience(unit.session, chosen[0]) if chosen else None
        except SegmentError:  # the event went away since the list was shown
            reach = None
        if reach is None:
            return None
        draft.segment = chosen[0]
        unit.session.add(draft)
        confirm = Screen(
            _audience_text(reach) + "\n" + _("Send it now?"),
            _confirm_keyboard(draft.id, sum(reach.values())),
        )
        chat_id = draft.report_chat_id or query.from_user.id
        return Preview(chat_id, list(draft.texts.values()), confirm)

    outcome = await ctx.db(_on_draft(query, ctx, callback_data.id, choose))
    if isinstance(outcome, Refused):
        await _refused(query, outcome)
        return
    await query.answer()
    if outcome is None:
        await show_in_place(query, _("This choice is no longer available. Choose again:"))
        return
    await ctx.bot.send_message(outcome.chat_id, _("This is how citizens will see it:"))
    for text in outcome.texts:
        await ctx.bot.send_message(outcome.chat_id, text)
    confirm = outcome.confirm
    await ctx.bot.send_message(outcome.chat_id, confirm.text, reply_markup=confirm.markup)


async def cb_send(query: CallbackQuery, callback_data: BroadcastCb, ctx: Context) -> None:
    key = ctx.settings.require_pseudonym_key()
    report_message_id = query.message.message_id if isinstance(query.message, Message) else None

    def send(unit: Unit, draft: Broadcast) -> tuple[int, int] | None:
        """The broadcast's id and its count of recipients; None before recipients are chosen."""
        if not draft.segment or draft.id is None:
            return None
        draft.send_at = utcnow()
        draft.report_message_id = report_message_id
        actor = audit.telegram_actor(key, query.from_user.id)
        languages = sorted(draft.texts)
        audit.record(unit.session, actor, "broadcast", draft.segment, languages=languages)
        return draft.id, queue_broadcast(unit.session, draft)

    outcome = await ctx.db(_on_draft(query, ctx, callback_data.id, send))
    if isinstance(outcome, Refused):
        await _refused(query, outcome)
        return
    await query.answer()
    if outcome is None:
        return
    broadcast_id, total = outcome
    log.info("broadcast_queued id=%s recipients=%s by=telegram", broadcast_id, total)
    ctx.wake.broadcasts()
    text = _("Announcement {id}: sending to {count} citizens. I will report the progress here.")
    await show_in_place(
        query, text.format(id=broadcast_id, count=total), stop_keyboard(broadcast_id)
    )


async def cb_cancel(query: CallbackQuery, callback_data: BroadcastCb, ctx: Context) -> None:
    outcome = await ctx.db(
        _on_draft(query, ctx, callback_data.id, lambda unit, draft: drop_draft(unit.session, draft))
    )
    if isinstance(outcome, Refused):
        await _refused(query, outcome)
        return
    await query.answer()
    await show_in_place(query, _("Cancelled: nothing was sent."))


async def cb_stop(query: CallbackQuery, callback_data: BroadcastCb, ctx: Context) -> None:
    """Stop a broadcast being sent, from under its progress report."""
    key = ctx.settings.require_pseudonym_key()
    chat_id = query.message.chat.id if query.message else query.from_user.id
    broadcast_id = callback_data.id

    def stop(unit: Unit) -> int | Refused:
        if not _allowed(unit, query.from_user, ctx):
            return Refused.NOT_ORGANIZER
        broadcast = unit.session.get(Broadcast, broadcast_id)
        active = (BroadcastState.QUEUED, BroadcastState.SENDING)
        if (
            broadcast is None
            or broadcast.report_chat_id != chat_id
            or broadcast.state not in active
        ):
            return Refused.NO_DRAFT
        actor = audit.telegram_actor(key, query.from_user.id)
        audit.record(unit.session, actor, "broadcast_cancel", str(broadcast_id))
        return cancel_broadcast(unit.session, broadcast)

    outcome = await ctx.db(stop)
    if isinstance(outcome, Refused):
        await _refused(query, outcome)
        return
    await query.answer()
    text = _("Announcement {id} stopped; {count} messages will not be sent.")
    await show_in_place(query, text.format(id=broadcast_id, count=outcome))


async def cmd_cancel(message: Message, ctx: Context) -> None:
    def cancel(unit: Unit) -> bool:
        draft = draft_of(unit.session, message.chat.id)
        if draft is None:
            return False
        drop_draft(unit.session, draft)
        return True

    if not await ctx.db(cancel):
        raise SkipHandler
    await message.answer(_("Cancelled: nothing was sent."))


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="broadcast")
    router.message.register(cmd_broadcast, Command("broadcast"))
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(msg_text, F.text & ~F.text.startswith("/"))
    for handler, action in (
        (cb_language, BroadcastAction.LANGUAGE),
        (cb_recipients, BroadcastAction.RECIPIENTS),
        (cb_segment, BroadcastAction.SEGMENT),
        (cb_send, BroadcastAction.SEND),
        (cb_cancel, BroadcastAction.CANCEL),
        (cb_stop, BroadcastAction.STOP),
    ):
        router.callback_query.register(handler, BroadcastCb.filter(F.action == action))
    return router
