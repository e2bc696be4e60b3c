"""The inbox in Telegram: citizens write to their municipality, staff answer in their group.

A citizen's message typed outside a form is kept as a draft and sent once they choose its
topic; a reply to an answer goes onto the same item. In a staff group, replying to a post
answers the citizen; the buttons under it close the item, change its topic or forward it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter, Command
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.callbacks import InboxCb, database_id, small_index
from civic_feedback.bot.views.inbox_texts import (
    ask_to_send,
    choices_keyboard,
    followup_ack,
    forwarded_text,
    post_keyboard,
    post_text,
    post_view,
    requests_text,
    sent_text,
    topic_choices,
)
from civic_feedback.bot.views.replies import show_in_place
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.inbox import (
    ANSWER_LIMIT,
    Author,
    add_answer,
    add_followup,
    close_item,
    drop_draft,
    first_texts,
    forward_item,
    inbox_topics,
    item_at,
    items_of,
    save_draft,
    send_draft,
    set_topic,
)
from civic_feedback.settings import Settings
from civic_feedback.storage.audit import record, telegram_actor
from civic_feedback.storage.models import Citizen, InboxItem
from civic_feedback.storage.roles import may_answer

log = logging.getLogger(__name__)

Wake = Callable[[], None]
_GROUPS = F.chat.type.in_({"group", "supergroup"})


# --- citizens ------------------------------------------------------------------------------


async def msg_to_municipality(
    message: Message,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
    i18n: I18n,
    wake_inbox: Wake,
) -> None:
    """Free text outside a form: onto the item it replies to, or a draft to send."""
    assert message.text is not None
    if citizen is None:
        raise SkipHandler
    replied = message.reply_to_message
    item = item_at(session, message.chat.id, replied.message_id) if replied else None
    if item is not None and item.citizen_id == citizen.id:
        add_followup(session, item, message.text)
        wake_inbox()
        await message.answer(followup_ack(item))
        return
    language = i18n.current_locale
    draft = save_draft(
        session,
        citizen,
        message.text,
        language=language,
        text_language=runs.text_language(message.text),
    )
    topics = inbox_topics(session, runs.catalog)
    keyboard = choices_keyboard(
        draft, "send", topic_choices(topics, language), back=_("✖️ Do not send")
    )
    await message.answer(ask_to_send(citizen.municipality), reply_markup=keyboard)


async def cmd_myrequests(
    message: Message,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
    settings: Settings,
    i18n: I18n,
) -> None:
    items = items_of(session, citizen) if citizen else []
    texts = first_texts(session, [item.id or 0 for item in items])
    topics = inbox_topics(session, runs.catalog)
    await message.answer(requests_text(items, texts, topics, i18n.current_locale, settings.zone))


async def _citizen_button(
    query: CallbackQuery,
    data: InboxCb,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
    language: str,
    wake_inbox: Wake,
) -> None:
    if citizen is None:
        await query.answer(_("This button is no longer active."))
        return
    topics = inbox_topics(session, runs.catalog)
    index = small_index(data.v)
    if data.act == "send" and index is not None and index < len(topics):
        item = send_draft(session, citizen, data.id, topics[index].id)
        if item is not None:
            wake_inbox()
            await query.answer()
            await show_in_place(query, sent_text(item, topics, language))
            return
    elif data.act == "back" and drop_draft(session, citizen, data.id):
        await query.answer()
        await show_in_place(query, _("Not sent. You can write to the municipality at any time."))
        return
    await query.answer(_("This button is no longer active."))


# --- staff -----------------------------------------------------------------------------------


def _refusal(item: InboxItem, user_id: int) -> str:
    """Said to someone in a staff group who may not answer: what an admin would run."""
    grant = f"feedback-admin users grant {user_id} staff"
    if item.municipality:
        grant += f' --municipality "{item.municipality}"'
    place = item.municipality or _("every municipality")
    return _(
        "Only staff of {place} answer citizens here. An admin can allow you: {command}"
    ).format(place=escape(place), command=f"<code>{escape(grant)}</code>")


def _may(session: Session, user: User | None, item: InboxItem, settings: Settings) -> bool:
    return user is not None and may_answer(session, user.id, settings.admin_ids, item.municipality)


async def msg_staff_reply(
    message: Message, bot: Bot, session: Session, settings: Settings, wake_inbox: Wake
) -> None:
    """A reply to a post (or to a follow-up) in a staff group answers the citizen."""
    replied = message.reply_to_message
    assert replied is not None
    assert message.text is not None
    item = item_at(session, message.chat.id, replied.message_id)
    if item is None or replied.from_user is None or replied.from_user.id != bot.id:
        raise SkipHandler  # a conversation among the staff
    user = message.from_user
    if not _may(session, user, item, settings):
        log.info("inbox_refused item=%s", item.id)
        await message.reply(_refusal(item, user.id if user else 0))
        return
    assert user is not None
    if len(message.text) > ANSWER_LIMIT:
        await message.reply(
            _("This answer is {length} characters; please keep it under {limit}.").format(
                length=len(message.text), limit=ANSWER_LIMIT
            )
        )
        return
    author = Author(user.full_name, user.id, message.chat.id, message.message_id)
    key = settings.require_pseudonym_key()
    record(session, telegram_actor(key, user.id), "inbox_answer", f"inbox:{item.id}")
    add_answer(session, item, message.text, author)
    wake_inbox()


async def cb_inbox(
    query: CallbackQuery,
    callback_data: InboxCb,
    session: Session,
    citizen: Citizen | None,
    runs: FormRuns,
    settings: Settings,
    i18n: I18n,
    wake_inbox: Wake,
) -> None:
    message = query.message
    if database_id(callback_data.id) is None or not isinstance(message, Message):
        await query.answer(_("This button is no longer active."))
        return
    if message.chat.type == "private":
        await _citizen_button(
            query, callback_data, session, citizen, runs, i18n.current_locale, wake_inbox
        )
        return
    item = item_at(session, message.chat.id, message.message_id)
    if item is None or item.id != callback_data.id:
        await query.answer(_("This button is no longer active."))
        return
    if not _may(session, query.from_user, item, settings):
        await query.answer(_refusal(item, query.from_user.id), show_alert=True)
        return
    await query.answer()
    await _staff_button(query, message, callback_data, item, session, runs, settings)
    if callback_data.act == "forward":
        wake_inbox()


async def _staff_button(
    query: CallbackQuery,
    message: Message,
    data: InboxCb,
    item: InboxItem,
    session: Session,
    runs: FormRuns,
    settings: Settings,
) -> None:
    language = settings.interface_language
    topics = inbox_topics(session, runs.catalog)
    places = [m for m in settings.municipalities if m != item.municipality]
    index = small_index(data.v)
    actor = telegram_actor(settings.require_pseudonym_key(), query.from_user.id)
    markup: InlineKeyboardMarkup | None
    if data.act == "topics":
        markup = choices_keyboard(item, "topic", topic_choices(topics, language), back=_("← Back"))
        await message.edit_reply_markup(reply_markup=markup)
        return
    if data.act == "places":
        choices = [(str(settings.municipalities.index(m)), m) for m in places]
        markup = choices_keyboard(item, "forward", choices, back=_("← Back"))
        await message.edit_reply_markup(reply_markup=markup)
        return
    if data.act == "forward" and index is not None and index < len(settings.municipalities):
        target = settings.municipalities[index]
        record(session, actor, "inbox_forward", f"inbox:{item.id}", to=target)
        forward_item(session, item, target)
        view = post_view(session, item, settings, runs.catalog)
        await show_in_place(query, forwarded_text(view, target))
        return
    if data.act == "close":
        record(session, actor, "inbox_close", f"inbox:{item.id}")
        close_item(session, item)
    elif data.act == "topic" and index is not None and index < len(topics):
        record(session, actor, "inbox_topic", f"inbox:{item.id}", topic=topics[index].id)
        set_topic(session, item, topics[index].id)
    view = post_view(session, item, settings, runs.catalog)
    await show_in_place(query, post_text(view), post_keyboard(item))


async def on_added_to_group(event: ChatMemberUpdated) -> None:
    """Added to a group: say its id, which STAFF_CHATS needs."""
    await event.answer(
        _(
            "Hello! To receive citizens' messages in this group, add it to STAFF_CHATS and "
            "restart the bot: STAFF_CHATS=Municipality:{chat_id} (or *:{chat_id} for every "
            "municipality without a group of its own). Staff answer a message by replying to it."
        ).format(chat_id=event.chat.id)
    )


def create_router() -> Router:
    router = Router(name="inbox")
    router.message.register(cmd_myrequests, Command("myrequests"), F.chat.type == "private")
    router.message.register(
        msg_to_municipality, F.chat.type == "private", F.text & ~F.text.startswith("/")
    )
    router.message.register(msg_staff_reply, _GROUPS, F.reply_to_message, F.text)
    router.callback_query.register(cb_inbox, InboxCb.filter())
    router.my_chat_member.register(
        on_added_to_group, _GROUPS, ChatMemberUpdatedFilter(JOIN_TRANSITION)
    )
    return router
