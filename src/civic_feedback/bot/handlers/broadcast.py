"""/broadcast for organizers: text -> recipients -> preview with the exact count -> send.

The draft lives in the database (a broadcast row in state ``draft``), so a restart between
steps loses nothing. Every step checks the role again: a role revoked mid-way stops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel import Session

from civic_feedback.bot.callbacks import BroadcastCb
from civic_feedback.bot.handlers.language import LANGUAGE_NAMES
from civic_feedback.bot.views.broadcast_report import stop_keyboard
from civic_feedback.bot.views.event_texts import event_title
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.core.telegram_html import html_problems
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
from civic_feedback.storage.events import upcoming_events
from civic_feedback.storage.models import Broadcast, BroadcastState, utcnow
from civic_feedback.storage.roles import Permission, may, role_of

log = logging.getLogger(__name__)

_EVENTS_OFFERED = 5
_TITLE_LENGTH = 40


def _allowed(session: Session, user: User, settings: Settings, key: bytes) -> bool:
    """Whether the user may broadcast; a refusal is logged (by pseudonym)."""
    if may(role_of(session, user.id, settings.admin_ids), Permission.BROADCAST):
        return True
    log.warning("refused permission=broadcast user=%s", audit.telegram_actor(key, user.id))
    return False


def _refusal() -> str:
    return _(
        "Only organizers can send announcements. If you are one, ask your administrator "
        "to give you the organizer role."
    )


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


async def cmd_broadcast(message: Message, session: Session, settings: Settings) -> None:
    user = message.from_user
    assert isinstance(user, User)
    key = settings.require_pseudonym_key()
    if not _allowed(session, user, settings, key):
        await message.answer(_refusal())
        return
    text_language = settings.interface_language
    start_draft(
        session,
        chat_id=message.chat.id,
        language=get_i18n().current_locale,
        text_language=text_language,
        created_by=audit.telegram_actor(key, user.id),
    )
    await message.answer(
        _(
            "A new announcement to citizens. Send me its text in {language}. Bold, italic "
            "and links stay as you write them. Send /cancel to stop."
        ).format(language=_language_name(text_language))
    )


async def msg_text(message: Message, session: Session, settings: Settings) -> None:
    """The text of the draft awaiting one; any other message goes on to the next router."""
    draft = draft_of(session, message.chat.id)
    if draft is None or draft.awaiting_text is None:
        raise SkipHandler
    user = message.from_user
    assert isinstance(user, User)
    if not _allowed(session, user, settings, settings.require_pseudonym_key()):
        await message.answer(_refusal())
        return
    text = message.html_text
    problems = html_problems(text)
    if problems:
        await message.answer(
            _("Telegram cannot send this text: {problem}. Please send it again.").format(
                problem=problems[0]
            )
        )
        return
    language = draft.awaiting_text
    draft.texts = {**draft.texts, language: text}
    draft.awaiting_text = None
    session.add(draft)
    session.commit()
    await message.answer(
        _("Saved the text in {language}.").format(language=_language_name(language))
        + "\n"
        + _("Citizens whose language has no text of its own get the text in {language}.").format(
            language=_language_name(settings.interface_language)
        ),
        reply_markup=_texts_keyboard(draft, settings),
    )


def _texts_keyboard(draft: Broadcast, settings: Settings) -> InlineKeyboardMarkup:
    assert draft.id is not None
    builder = InlineKeyboardBuilder()
    for code in settings.languages:
        if code not in draft.texts:
            label = _("Add the text in {language}").format(language=_language_name(code))
            builder.button(text=label, callback_data=BroadcastCb(id=draft.id, act="lang", v=code))
    builder.button(text=_("Choose recipients →"), callback_data=BroadcastCb(id=draft.id, act="seg"))
    builder.button(text=_("Cancel"), callback_data=BroadcastCb(id=draft.id, act="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def _segments(session: Session, settings: Settings) -> list[tuple[str, str, str]]:
    """(button code, segment, label) for every choice offered to the organizer."""
    choices = [("a", "all", _("All subscribers"))]
    for index, name in enumerate(settings.municipalities):
        choices.append((f"m{index}", f"municipality={name}", _("In {name}").format(name=name)))
    for code in settings.languages:
        label = _("Speaking {language}").format(language=_language_name(code))
        choices.append((f"l{code}", f"language={code}", label))
    language = get_i18n().current_locale
    for event in upcoming_events(session, utcnow())[:_EVENTS_OFFERED]:
        title = event_title(event, language)
        if len(title) > _TITLE_LENGTH:
            title = title[: _TITLE_LENGTH - 1] + "…"
        label = _("Registered for: {event}").format(event=title)
        choices.append((f"r{event.code}", f"registered={event.code}", label))
    return choices


def _segments_keyboard(draft_id: int, choices: list[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, _segment, label in choices:
        builder.button(text=label, callback_data=BroadcastCb(id=draft_id, act="to", v=code))
    builder.button(text=_("Cancel"), callback_data=BroadcastCb(id=draft_id, act="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def _confirm_keyboard(draft_id: int, total: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    send = _("Send to {count}").format(count=total)
    builder.button(text=send, callback_data=BroadcastCb(id=draft_id, act="send"))
    builder.button(text=_("Other recipients"), callback_data=BroadcastCb(id=draft_id, act="seg"))
    builder.button(text=_("Cancel"), callback_data=BroadcastCb(id=draft_id, act="cancel"))
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


async def cb_broadcast(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    bot: Bot,
    session: Session,
    settings: Settings,
    wake_broadcasts: Callable[[], None],
) -> None:
    key = settings.require_pseudonym_key()
    if not _allowed(session, query.from_user, settings, key):
        await query.answer(_refusal(), show_alert=True)
        return
    chat_id = query.message.chat.id if query.message else query.from_user.id
    if callback_data.act == "stop":
        await _stop(query, session, chat_id, callback_data.id, key)
        return
    draft = draft_of(session, chat_id, callback_data.id)
    if draft is None or draft.id is None:
        await query.answer(_("This button is no longer active."))
        return
    await query.answer()
    act, value = callback_data.act, callback_data.v
    if act == "lang" and value in settings.languages:
        draft.awaiting_text = value
        session.add(draft)
        session.commit()
        prompt = _("Send me the text in {language}. Send /cancel to stop.")
        await show_in_place(query, prompt.format(language=_language_name(value)))
    elif act == "seg":
        choices = _segments(session, settings)
        await show_in_place(query, _("Who should get it?"), _segments_keyboard(draft.id, choices))
    elif act == "to":
        await _preview(query, bot, session, settings, draft, value)
    elif act == "send" and draft.segment:
        await _send(query, session, draft, key, wake_broadcasts)
    elif act == "cancel":
        drop_draft(session, draft)
        await show_in_place(query, _("Cancelled: nothing was sent."))


async def _preview(
    query: CallbackQuery,
    bot: Bot,
    session: Session,
    settings: Settings,
    draft: Broadcast,
    code: str,
) -> None:
    assert draft.id is not None
    chosen = [segment for c, segment, _label in _segments(session, settings) if c == code]
    try:
        reach = audience(session, chosen[0]) if chosen else None
    except SegmentError:  # the event went away since the list was shown
        reach = None
    if reach is None:
        await show_in_place(query, _("This choice is no longer available. Choose again:"))
        return
    draft.segment = chosen[0]
    session.add(draft)
    session.commit()
    chat_id = draft.report_chat_id or query.from_user.id
    await bot.send_message(chat_id, _("This is how citizens will see it:"))
    for text in draft.texts.values():
        await bot.send_message(chat_id, text)
    total = sum(reach.values())
    await bot.send_message(
        chat_id,
        _audience_text(reach) + "\n" + _("Send it now?"),
        reply_markup=_confirm_keyboard(draft.id, total),
    )


async def _send(
    query: CallbackQuery,
    session: Session,
    draft: Broadcast,
    key: bytes,
    wake_broadcasts: Callable[[], None],
) -> None:
    draft.send_at = utcnow()
    if isinstance(query.message, Message):
        draft.report_message_id = query.message.message_id
    audit.record(
        session,
        audit.telegram_actor(key, query.from_user.id),
        "broadcast",
        draft.segment,
        languages=sorted(draft.texts),
    )
    total = queue_broadcast(session, draft)
    assert draft.id is not None
    log.info("broadcast_queued id=%s recipients=%s by=telegram", draft.id, total)
    wake_broadcasts()
    text = _("Announcement {id}: sending to {count} citizens. I will report the progress here.")
    await show_in_place(query, text.format(id=draft.id, count=total), stop_keyboard(draft.id))


async def _stop(
    query: CallbackQuery, session: Session, chat_id: int, broadcast_id: int, key: bytes
) -> None:
    broadcast = session.get(Broadcast, broadcast_id)
    active = (BroadcastState.QUEUED, BroadcastState.SENDING)
    if broadcast is None or broadcast.report_chat_id != chat_id or broadcast.state not in active:
        await query.answer(_("This button is no longer active."))
        return
    actor = audit.telegram_actor(key, query.from_user.id)
    audit.record(session, actor, "broadcast_cancel", str(broadcast_id))
    stopped = cancel_broadcast(session, broadcast)
    await query.answer()
    text = _("Announcement {id} stopped; {count} messages will not be sent.")
    await show_in_place(query, text.format(id=broadcast_id, count=stopped))


async def cmd_cancel(message: Message, session: Session) -> None:
    draft = draft_of(session, message.chat.id)
    if draft is None:
        raise SkipHandler
    drop_draft(session, draft)
    await message.answer(_("Cancelled: nothing was sent."))


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="broadcast")
    router.message.register(cmd_broadcast, Command("broadcast"))
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(msg_text, F.text & ~F.text.startswith("/"))
    router.callback_query.register(cb_broadcast, BroadcastCb.filter())
    return router
