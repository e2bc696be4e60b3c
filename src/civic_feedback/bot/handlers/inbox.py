"""The inbox in Telegram: citizens write to their municipality, staff answer in their group.

A citizen's message typed outside a form is kept as a draft and sent once they choose its
topic; a reply to an answer goes onto the same item. In a staff group, replying to a post
answers the citizen; the buttons under it close the item, change its topic or forward it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from html import escape
from typing import TypeVar

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter, Command
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.callbacks import InboxAction, InboxCb, database_id, small_index
from civic_feedback.bot.context import Context
from civic_feedback.bot.message_parts import incoming_parts, message_text
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.inbox_texts import (
    already_reported,
    ask_municipality,
    ask_to_send,
    choices_keyboard,
    followup_ack,
    forwarded_text,
    join_keyboard,
    joined_text,
    kept_text,
    municipality_choices,
    post_keyboard,
    post_text,
    post_view,
    rating_keyboard,
    requests_text,
    sent_text,
    topic_choices,
)
from civic_feedback.bot.views.replies import Screen, show_in_place
from civic_feedback.flows.schema import Option
from civic_feedback.services.inbox import (
    ANSWER_LIMIT,
    Author,
    add_answer,
    add_followup,
    address_draft,
    close_item,
    drop_draft,
    first_message,
    first_texts,
    forward_item,
    inbox_topics,
    item_at,
    items_of,
    save_draft,
    send_draft,
    set_topic,
)
from civic_feedback.services.inbox_media import album_message, attach
from civic_feedback.services.inbox_nearby import join, nearby_open
from civic_feedback.services.inbox_status import confirm, opening_text, rate, set_status
from civic_feedback.settings import Settings
from civic_feedback.storage.audit import record, telegram_actor
from civic_feedback.storage.citizens import set_municipality
from civic_feedback.storage.models import InboxItem, InboxStatus
from civic_feedback.storage.roles import may_answer

log = logging.getLogger(__name__)

T = TypeVar("T")
_GROUPS = F.chat.type.in_({"group", "supergroup"})


# --- citizens ------------------------------------------------------------------------------


async def msg_to_municipality(message: Message, ctx: Context) -> None:
    """A message outside a form (text, photos, a file, a voice note, a place): onto the item
    it replies to, or a draft to send. The parts of an album after the first join it
    quietly: the topic question comes once per message."""
    text, parts = message_text(message), incoming_parts(message)
    replied, album = message.reply_to_message, message.media_group_id
    text_language = ctx.runs.text_language(text) if text else None

    def keep(unit: Unit) -> tuple[Screen | None, bool] | None:
        """What to answer (None: nothing, a later part of an album), and whether an item
        waits for the staff again."""
        citizen = unit.citizen
        if citizen is None:
            return None
        if parts and ctx.runs.current(unit.db, citizen) is not None:
            return None  # in a form: the question is shown again, nothing is stored
        started = album_message(unit.session, citizen, album) if album else None
        if started is not None:
            attach(unit.session, started, parts)
            return None, False
        item = item_at(unit.session, message.chat.id, replied.message_id) if replied else None
        if item is not None and item.citizen_id == citizen.id:
            add_followup(unit.session, item, text, parts)
            return Screen(followup_ack(item)), True
        draft = save_draft(
            unit.session,
            citizen,
            text,
            language=ctx.language,
            text_language=text_language,
            attachments=parts,
        )
        topics = topic_choices(inbox_topics(unit.session, ctx.runs.catalog), ctx.language)
        keyboard = choices_keyboard(draft, InboxAction.SEND, topics, back=_("✖️ Do not send"))
        return Screen(ask_to_send(citizen.municipality), keyboard), False

    kept = await ctx.db(keep)
    if kept is None:
        raise SkipHandler
    screen, followed_up = kept
    if followed_up:
        ctx.wake.inbox()
    if screen is not None:
        await message.answer(screen.text, reply_markup=screen.markup)


async def cmd_myrequests(message: Message, ctx: Context) -> None:
    def requests(unit: Unit) -> str:
        items = items_of(unit.session, unit.citizen) if unit.citizen else []
        texts = first_texts(unit.session, [item.id or 0 for item in items])
        topics = inbox_topics(unit.session, ctx.runs.catalog)
        return requests_text(items, texts, topics, ctx.language, ctx.settings.zone)

    await message.answer(await ctx.db(requests))


async def cb_send(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """The citizen chose the topic of their draft: it goes to the staff of their municipality,
    or first the citizen says which municipality it is for, when theirs has no group, or may
    join an open message about the same problem nearby. A message is never said to be sent
    when it has nowhere to go."""
    await _send(query, callback_data, ctx, look_nearby=True)


async def cb_anyway(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """Sent although an open message about the same problem is near."""
    await _send(query, callback_data, ctx, look_nearby=False)


async def _send(
    query: CallbackQuery, callback_data: InboxCb, ctx: Context, *, look_nearby: bool
) -> None:
    index, item_id, settings = small_index(callback_data.value), callback_data.id, ctx.settings

    def send(unit: Unit) -> Screen | None:
        topics = inbox_topics(unit.session, ctx.runs.catalog)
        citizen = unit.citizen
        if citizen is None or index is None or index >= len(topics):
            return None
        draft = address_draft(unit.session, citizen, item_id, topic=topics[index].id)
        if draft is None:
            return None
        if settings.staff_groups and settings.staff_group(citizen.municipality) is None:
            choices = [(str(i), name) for i, name in _receiving(settings)]
            keyboard = municipality_choices(draft, choices, back=_("✖️ Do not send"))
            return Screen(ask_municipality(), keyboard)
        earlier = nearby_open(unit.session, draft, settings.nearby_metres) if look_nearby else None
        if earlier is not None:
            text = already_reported(earlier, opening_text(unit.session, earlier), settings.zone)
            return Screen(text, join_keyboard(draft, earlier, index))
        item = send_draft(unit.session, citizen, item_id, draft.topic)
        return None if item is None else _sent_screen(item, topics, ctx)

    await _after_sending(query, ctx, await ctx.db(send))


async def cb_join(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """+1: the citizen joins the open message about the same problem; its post shows it."""
    earlier_id = database_id(int(callback_data.value)) if callback_data.value.isdigit() else None
    item_id, settings = callback_data.id, ctx.settings

    def join_it(unit: Unit) -> tuple[str, tuple[int, int] | None, Screen] | None:
        citizen = unit.citizen
        draft = address_draft(unit.session, citizen, item_id) if citizen else None
        if citizen is None or draft is None or earlier_id is None:
            return None
        earlier = nearby_open(unit.session, draft, settings.nearby_metres)
        if earlier is None or earlier.id != earlier_id:
            return None  # a forged button, or the problem was resolved meanwhile
        join(unit.session, citizen, earlier, draft, ctx.clock())
        first = first_message(unit.session, earlier)
        post = (first.chat_id, first.message_id) if first.chat_id and first.message_id else None
        return joined_text(earlier), post, _post(unit, ctx, earlier)

    joined = await ctx.db(join_it)
    if joined is None:
        await _no_longer_active(query)
        return
    text, post, screen = joined
    await query.answer()
    await show_in_place(query, text)
    if post is not None:  # the staff see "+1" on the post
        with suppress(TelegramBadRequest):
            await ctx.bot.edit_message_text(
                screen.text, chat_id=post[0], message_id=post[1], reply_markup=screen.markup
            )


async def _after_sending(query: CallbackQuery, ctx: Context, screen: Screen | None) -> None:
    """What the citizen's choice led to, in place of the question (None: an old button)."""
    if screen is None:
        await _no_longer_active(query)
        return
    ctx.wake.inbox()
    await query.answer()
    await show_in_place(query, screen.text, screen.markup)


def _receiving(settings: Settings) -> list[tuple[int, str]]:
    """The municipalities (by position in MUNICIPALITIES) that have a staff group."""
    return [
        (index, name)
        for index, name in enumerate(settings.municipalities)
        if settings.staff_group(name) is not None
    ]


def _sent_screen(item: InboxItem, topics: list[Option], ctx: Context) -> Screen:
    if ctx.settings.staff_group(item.municipality) is None:
        return Screen(kept_text(item))  # no group at all yet: kept, and said so
    return Screen(sent_text(item, topics, ctx.language))


async def cb_municipality(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """The citizen said which municipality their message is for: it is theirs from now on
    (as in /settings), and the message goes to its staff."""
    index, item_id, settings = small_index(callback_data.value), callback_data.id, ctx.settings
    receiving = dict(_receiving(settings))

    def send(unit: Unit) -> Screen | None:
        citizen = unit.citizen
        if citizen is None or index is None or index not in receiving:
            return None
        name = receiving[index]
        draft = address_draft(unit.session, citizen, item_id, municipality=name)
        if draft is None:
            return None
        set_municipality(unit.session, citizen, name)
        item = send_draft(unit.session, citizen, item_id, draft.topic)
        topics = inbox_topics(unit.session, ctx.runs.catalog)
        return None if item is None else _sent_screen(item, topics, ctx)

    await _after_sending(query, ctx, await ctx.db(send))


async def cb_confirm(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """The citizen's answer to "Was it resolved?": a yes asks for a rating, a no opens the
    message again and tells the staff."""
    resolved, item_id = callback_data.value == "y", callback_data.id
    with get_i18n().use_locale(ctx.settings.interface_language):  # the staff's language
        note = _("❌ The citizen says it is not resolved.")

    def answer(unit: Unit) -> int | None:
        citizen = unit.citizen
        if citizen is None or callback_data.value not in ("y", "n"):
            return None
        item = confirm(unit.session, citizen, item_id, resolved, note, ctx.clock())
        return None if item is None else item.id

    number = await ctx.db(answer)
    if number is None:
        await _no_longer_active(query)
        return
    await query.answer()
    if resolved:
        text = _("Thank you! How would you rate how it was resolved? (1 = poor, 5 = very good)")
        await show_in_place(query, text, rating_keyboard(number))
        return
    ctx.wake.inbox()
    await show_in_place(
        query,
        _("Thank you for telling us. Your message #{number} is open again.").format(number=number),
    )


async def cb_rate(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    rating = small_index(callback_data.value)

    def keep(unit: Unit) -> bool:
        citizen = unit.citizen
        if citizen is None or rating is None:
            return False
        return rate(unit.session, citizen, callback_data.id, rating)

    if not await ctx.db(keep):
        await _no_longer_active(query)
        return
    await query.answer()
    await show_in_place(query, _("Thank you! Your rating helps the municipality."))


async def cb_do_not_send(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    item_id = callback_data.id

    def drop(unit: Unit) -> bool:
        return unit.citizen is not None and drop_draft(unit.session, unit.citizen, item_id)

    if not await ctx.db(drop):
        await _no_longer_active(query)
        return
    await query.answer()
    await show_in_place(query, _("Not sent. You can write to the municipality at any time."))


async def _no_longer_active(query: CallbackQuery) -> None:
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


def _may(unit: Unit, user: User | None, item: InboxItem, settings: Settings) -> bool:
    if user is None:
        return False
    return may_answer(unit.session, user.id, settings.admin_ids, item.municipality)


async def msg_staff_reply(message: Message, ctx: Context) -> None:
    """A reply to a post (or to a follow-up) in a staff group answers the citizen: text, or a
    photo, file or voice note (with its caption)."""
    replied, user, settings = message.reply_to_message, message.from_user, ctx.settings
    assert replied is not None
    text, parts = message_text(message), incoming_parts(message)
    if replied.from_user is None or replied.from_user.id != ctx.bot.id:
        raise SkipHandler  # a conversation among the staff

    def answer(unit: Unit) -> tuple[bool, str | None]:
        """Whether it replies to a post, and what to say in the group (a refusal, a length;
        None: the answer is kept for the citizen)."""
        item = item_at(unit.session, message.chat.id, replied.message_id)
        if item is None:
            return False, None
        if not _may(unit, user, item, settings):
            log.info("inbox_refused item=%s", item.id)
            return True, _refusal(item, user.id if user else 0)
        assert user is not None
        if len(text) > ANSWER_LIMIT:
            return True, _(
                "This answer is {length} characters; please keep it under {limit}."
            ).format(length=len(text), limit=ANSWER_LIMIT)
        author = Author(user.full_name, user.id, message.chat.id, message.message_id)
        actor = telegram_actor(settings.require_pseudonym_key(), user.id)
        record(unit.session, actor, "inbox_answer", f"inbox:{item.id}")
        add_answer(unit.session, item, text, author, parts)
        return True, None

    on_post, reply = await ctx.db(answer)
    if not on_post:
        raise SkipHandler  # a conversation among the staff
    if reply is not None:
        await message.reply(reply)
        return
    ctx.wake.inbox()


@dataclass(frozen=True)
class StaffRefused:
    alert: str  # why this staff member may not act on the item, and what to ask for


def _on_post(
    query: CallbackQuery, data: InboxCb, ctx: Context, step: Callable[[Unit, InboxItem], T]
) -> Callable[[Unit], T | StaffRefused | None]:
    """A unit's work on the item whose group post the button is under, the staff member's
    permission checked; None for a button that is not that post's."""
    message = query.message
    assert isinstance(message, Message)

    def work(unit: Unit) -> T | StaffRefused | None:
        item = item_at(unit.session, message.chat.id, message.message_id)
        if item is None or item.id != data.id:
            return None
        if not _may(unit, query.from_user, item, ctx.settings):
            return StaffRefused(_refusal(item, query.from_user.id))
        return step(unit, item)

    return work


def _post(unit: Unit, ctx: Context, item: InboxItem) -> Screen:
    """The item's post as the staff read it: in their language, also when a citizen's press
    (a +1) changes it."""
    view = post_view(unit.session, item, ctx.settings, ctx.runs.catalog)
    with get_i18n().use_locale(view.language):
        return Screen(post_text(view), post_keyboard(item))


def _actor(query: CallbackQuery, ctx: Context) -> str:
    return telegram_actor(ctx.settings.require_pseudonym_key(), query.from_user.id)


async def _staff_step(
    query: CallbackQuery, data: InboxCb, ctx: Context, step: Callable[[Unit, InboxItem], T]
) -> T | None:
    """Run the step; None (with the button answered) when it may not or cannot run."""
    if database_id(data.id) is None or not isinstance(query.message, Message):
        await _no_longer_active(query)
        return None
    outcome = await ctx.db(_on_post(query, data, ctx, step))
    if outcome is None:
        await _no_longer_active(query)
        return None
    if isinstance(outcome, StaffRefused):
        await query.answer(outcome.alert, show_alert=True)
        return None
    await query.answer()
    return outcome


async def cb_topics(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """The topics to choose from, in place of the post's buttons."""

    def topics(unit: Unit, item: InboxItem) -> InlineKeyboardMarkup:
        language = ctx.settings.interface_language
        choices = topic_choices(inbox_topics(unit.session, ctx.runs.catalog), language)
        return choices_keyboard(item, InboxAction.TOPIC, choices, back=_("← Back"))

    markup = await _staff_step(query, callback_data, ctx, topics)
    if markup is not None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=markup)


async def cb_places(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """The municipalities to forward to, in place of the post's buttons."""
    municipalities = ctx.settings.municipalities

    def places(_unit: Unit, item: InboxItem) -> InlineKeyboardMarkup:
        choices = [
            (str(index), name)
            for index, name in enumerate(municipalities)
            if name != item.municipality
        ]
        return choices_keyboard(item, InboxAction.FORWARD, choices, back=_("← Back"))

    markup = await _staff_step(query, callback_data, ctx, places)
    if markup is not None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=markup)


async def cb_forward(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    index, municipalities = small_index(callback_data.value), ctx.settings.municipalities

    def forward(unit: Unit, item: InboxItem) -> Screen:
        if index is None or index >= len(municipalities):
            return _post(unit, ctx, item)
        target = municipalities[index]
        record(unit.session, _actor(query, ctx), "inbox_forward", f"inbox:{item.id}", to=target)
        forward_item(unit.session, item, target)
        view = post_view(unit.session, item, ctx.settings, ctx.runs.catalog)
        return Screen(forwarded_text(view, target))

    screen = await _staff_step(query, callback_data, ctx, forward)
    if screen is not None:
        await show_in_place(query, screen.text, screen.markup)
        ctx.wake.inbox()


async def cb_close(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    def close(unit: Unit, item: InboxItem) -> Screen:
        record(unit.session, _actor(query, ctx), "inbox_close", f"inbox:{item.id}")
        close_item(unit.session, item)
        return _post(unit, ctx, item)

    await _show_post(query, await _staff_step(query, callback_data, ctx, close))


async def cb_status(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """In progress, or resolved: the post shows it and the citizen is told."""
    chosen = callback_data.value

    def move(unit: Unit, item: InboxItem) -> Screen:
        if chosen in (InboxStatus.IN_PROGRESS, InboxStatus.RESOLVED) and item.status != chosen:
            status = InboxStatus(chosen)
            record(unit.session, _actor(query, ctx), "inbox_status", f"inbox:{item.id}", to=status)
            set_status(unit.session, item, status, None, ctx.clock())
        return _post(unit, ctx, item)

    screen = await _staff_step(query, callback_data, ctx, move)
    if screen is not None:
        ctx.wake.inbox()
    await _show_post(query, screen)


async def cb_topic(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    index = small_index(callback_data.value)

    def set_item_topic(unit: Unit, item: InboxItem) -> Screen:
        topics = inbox_topics(unit.session, ctx.runs.catalog)
        if index is not None and index < len(topics):
            topic = topics[index].id
            record(unit.session, _actor(query, ctx), "inbox_topic", f"inbox:{item.id}", topic=topic)
            set_topic(unit.session, item, topic)
        return _post(unit, ctx, item)

    await _show_post(query, await _staff_step(query, callback_data, ctx, set_item_topic))


async def cb_back(query: CallbackQuery, callback_data: InboxCb, ctx: Context) -> None:
    """Back to the post's own buttons."""
    screen = await _staff_step(query, callback_data, ctx, lambda unit, item: _post(unit, ctx, item))
    await _show_post(query, screen)


async def _show_post(query: CallbackQuery, screen: Screen | None) -> None:
    if screen is not None:
        await show_in_place(query, screen.text, screen.markup)


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
    private = F.chat.type == "private"
    router.message.register(cmd_myrequests, Command("myrequests"), private)
    media = F.photo | F.document | F.voice | F.location | F.venue
    router.message.register(
        msg_to_municipality, private, (F.text & ~F.text.startswith("/")) | media
    )
    answers = F.text | F.photo | F.document | F.voice
    router.message.register(msg_staff_reply, _GROUPS, F.reply_to_message, answers)
    in_private = F.message.chat.type == "private"
    action = F.action
    citizens = (
        (cb_send, InboxAction.SEND),
        (cb_municipality, InboxAction.MUNICIPALITY),
        (cb_join, InboxAction.JOIN),
        (cb_anyway, InboxAction.ANYWAY),
        (cb_confirm, InboxAction.CONFIRM),
        (cb_rate, InboxAction.RATE),
        (cb_do_not_send, InboxAction.BACK),
    )
    for handler, chosen in citizens:
        router.callback_query.register(handler, InboxCb.filter(action == chosen), in_private)
    staff = (
        (cb_topics, InboxAction.TOPICS),
        (cb_places, InboxAction.PLACES),
        (cb_forward, InboxAction.FORWARD),
        (cb_close, InboxAction.CLOSE),
        (cb_status, InboxAction.STATUS),
        (cb_topic, InboxAction.TOPIC),
        (cb_back, InboxAction.BACK),
    )
    for handler, chosen in staff:
        router.callback_query.register(handler, InboxCb.filter(action == chosen), ~in_private)
    router.my_chat_member.register(
        on_added_to_group, _GROUPS, ChatMemberUpdatedFilter(JOIN_TRANSITION)
    )
    return router
