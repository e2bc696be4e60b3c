"""Delivers the inbox: citizens' messages to their municipality's staff group, the staff's
answers to the citizens.

Messages wait in the database until Telegram has taken them, so a restart loses none; one
that Telegram took just before a crash may go out once more (a repeated post is better than
a lost message). Without a group for the municipality (STAFF_CHATS), a message waits: it
is in ``feedback-admin inbox`` and goes out once a group is configured.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, ReplyParameters
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.views.inbox_texts import (
    answer_text,
    confirm_keyboard,
    followup_text,
    post_keyboard,
    post_text,
    post_view,
    status_notice,
)
from civic_feedback.services.inbox import (
    PendingInboxMessage,
    inbox_topics,
    item_facts,
    mark_delivered,
    mark_failed,
    pending_deliveries,
    set_contact_name,
)
from civic_feedback.services.inbox_media import mark_copied, removal_done, removals_due
from civic_feedback.services.inbox_nearby import supporter_chats
from civic_feedback.services.inbox_status import asks_confirmation, mark_asked, opening_text
from civic_feedback.settings import Settings
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import AttachmentKind, InboxAttachment, InboxAuthor, InboxItem

log = logging.getLogger(__name__)


class _UnreachableError(Exception):
    """Telegram could not be reached: everything waits for the next round."""


class InboxCourier:
    def __init__(
        self,
        *,
        bot: Bot,
        sessions: sessionmaker[Session],
        settings: Settings,
        i18n: I18n,
        catalog: FlowCatalog,
        limiter: RateLimiter,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.settings = settings
        self.i18n = i18n
        self.catalog = catalog
        self.limiter = limiter

    async def deliver_pending(self) -> int:
        """Delete the copies of erased citizens' media, then deliver everything that waits and
        can go; returns how many messages went."""
        try:
            await self.remove_copies()
        except _UnreachableError:
            return 0
        delivered, after = 0, 0
        while True:
            with self.sessions.begin() as session:
                batch = pending_deliveries(session, after)
            if not batch:
                return delivered
            for delivery in batch:
                after = delivery.message.id or after
                try:
                    delivered += await self._deliver(delivery)
                except _UnreachableError:
                    return delivered

    async def _deliver(self, delivery: PendingInboxMessage) -> int:
        if delivery.message.author == InboxAuthor.CITIZEN:
            return await self._to_staff(delivery)
        return await self._to_citizen(delivery)  # an answer, or a change of status

    async def remove_copies(self) -> int:
        """Delete the bot's copies of erased citizens' photos, files and places in staff
        groups. Where Telegram no longer allows it (a bot deletes its messages in a group only
        for 48 hours unless it is an admin there), staff are asked to delete it by hand."""
        removed = 0
        while True:
            with self.sessions.begin() as session:
                due = removals_due(session)
            if not due:
                return removed
            for removal in due:
                await self.limiter.wait()
                try:
                    await self.bot.delete_message(removal.chat_id, removal.message_id)
                    removed += 1
                except (TelegramNetworkError, TelegramServerError) as error:
                    log.warning("inbox_removal_later error=%s", error)
                    raise _UnreachableError from error
                except (TelegramBadRequest, TelegramForbiddenError) as error:
                    log.info("inbox_removal_refused id=%s error=%s", removal.id, error.message)
                    if "not found" not in error.message:
                        await self._ask_to_remove(removal.chat_id, removal.message_id)
                with self.sessions.begin() as session:
                    removal_done(session, removal.id or 0)

    async def _ask_to_remove(self, chat_id: int, message_id: int) -> None:
        with self.i18n.context(), self.i18n.use_locale(self.settings.interface_language):
            text = _(
                "⚠️ The author of this photo, file or place erased their data. Telegram no "
                "longer lets the bot delete it: please delete it by hand."
            )
        reply = ReplyParameters(message_id=message_id, allow_sending_without_reply=False)
        try:
            await self.bot.send_message(chat_id, text, reply_parameters=reply)
        except TelegramAPIError as error:
            log.info("inbox_removal_note_failed chat=%s error=%s", chat_id, error)

    # --- to the staff group -------------------------------------------------------------

    async def _to_staff(self, delivery: PendingInboxMessage) -> int:
        group = self.settings.staff_group(delivery.item.municipality)
        if group is None:
            return 0  # waits for STAFF_CHATS
        item = delivery.item
        if item.contact_allowed and not item.contact_name and delivery.citizen_telegram_id:
            await self._learn_name(item, delivery.citizen_telegram_id)
        with self.sessions.begin() as session:
            view = post_view(session, item, self.settings, self.catalog)
        with self.i18n.context(), self.i18n.use_locale(view.language):
            if delivery.first:
                text, markup, reply = post_text(view), post_keyboard(item), None
            else:
                text = followup_text(view, delivery.message.text, delivery.attachments)
                markup = None
                reply = delivery.post[1] if delivery.post and delivery.post[0] == group else None
        sent = await self._send(delivery, group, text, markup, reply)
        if sent is None:
            return 0
        if not delivery.first:
            await self._refresh_post(delivery)  # waiting again: its status and buttons
        elif self._joined_since(item, view.facts.supporters):
            await self._refresh_post(delivery, (group, sent))
        return 1

    def _joined_since(self, item: InboxItem, shown: int) -> bool:
        """Whether citizens joined (+1) while the post and its copies went out: there was no
        post yet to count them on, so it counts them now."""
        with self.sessions.begin() as session:
            return item_facts(session, item).supporters != shown

    async def _learn_name(self, item: InboxItem, telegram_id: int) -> None:
        """Staff see the name (and @username) of a citizen who agreed to be contacted."""
        try:
            chat = await self.bot.get_chat(telegram_id)
        except TelegramAPIError:
            return  # shown by pseudonym instead
        name = " ".join(part for part in (chat.first_name, chat.last_name) if part)
        if chat.username:
            name = f"{name} (@{chat.username})" if name else f"@{chat.username}"
        if name:
            with self.sessions.begin() as session:
                set_contact_name(session, item, name)

    # --- to the citizen ---------------------------------------------------------------------

    async def _to_citizen(self, delivery: PendingInboxMessage) -> int:
        item, chat = delivery.item, delivery.citizen_telegram_id
        if delivery.message.author == InboxAuthor.STATUS:
            await self._tell_supporters(delivery)
        if chat is None:
            self._failed(delivery, "the citizen erased their data or wrote anonymously")
            await self._tell_staff(delivery, blocked=False)
            return 0
        language = item.language
        if language not in self.settings.languages:
            language = self.settings.interface_language
        message = delivery.message
        with self.sessions.begin() as session:
            topics = inbox_topics(session, self.catalog)
            opening = opening_text(session, item)
        asks = message.author == InboxAuthor.STATUS and asks_confirmation(item, message)
        with self.i18n.context(), self.i18n.use_locale(language):
            if message.author == InboxAuthor.STATUS:
                text = status_notice(item, message.status or "", message.text, opening)
            else:
                text = answer_text(item, message.text, topics, language, delivery.attachments)
            markup = confirm_keyboard(item) if asks else None
        sent = await self._send(delivery, chat, text, markup, None)
        if sent is None:
            await self._tell_staff(delivery, blocked=True)
            return 0
        if asks:
            with self.sessions.begin() as session:
                mark_asked(session, item.id or 0)
        await self._refresh_post(delivery)
        return 1

    async def _tell_supporters(self, delivery: PendingInboxMessage) -> None:
        """Those who joined the message with "+1" are told its change too (never asked
        whether it was resolved: that is its author's to say). A crash may tell one twice."""
        item, message = delivery.item, delivery.message
        with self.sessions.begin() as session:
            joined = supporter_chats(session, item.id or 0)
            opening = opening_text(session, item)
        for chat, chosen in joined:
            language = chosen if chosen in self.settings.languages else None
            with (
                self.i18n.context(),
                self.i18n.use_locale(language or self.settings.interface_language),
            ):
                text = status_notice(item, message.status or "", message.text, opening, ask=False)
            await self.limiter.wait()
            try:
                await self.bot.send_message(chat, text)
            except (TelegramNetworkError, TelegramServerError) as error:
                raise _UnreachableError from error
            except TelegramAPIError as error:  # blocked the bot: the others still hear
                log.info("inbox_supporter_not_told item=%s error=%s", item.id, error)

    async def _refresh_post(
        self, delivery: PendingInboxMessage, post: tuple[int, int] | None = None
    ) -> None:
        """The post (``post``, else the item's) shows who answered, the buttons again if it
        was closed, and who joined."""
        post = post or delivery.post
        if post is None:
            return
        with self.sessions.begin() as session:
            view = post_view(session, delivery.item, self.settings, self.catalog)
        with self.i18n.context(), self.i18n.use_locale(view.language):
            text, markup = post_text(view), post_keyboard(delivery.item)
        chat_id, message_id = post
        try:
            await self.bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except TelegramBadRequest as error:  # not modified, or the post was deleted
            log.info("inbox_post_not_updated item=%s error=%s", delivery.item.id, error.message)

    async def _tell_staff(self, delivery: PendingInboxMessage, *, blocked: bool) -> None:
        """A note under the staff member's answer in the group: it did not reach anyone."""
        source = delivery.message
        if source.source_chat_id is None or source.source_message_id is None:
            return
        with self.i18n.context(), self.i18n.use_locale(self.settings.interface_language):
            text = (
                _("⚠️ Not delivered: the citizen has blocked the bot.")
                if blocked
                else _("⚠️ Not delivered: the author erased their data or wrote anonymously.")
            )
        try:
            await self.bot.send_message(
                source.source_chat_id,
                text,
                reply_parameters=ReplyParameters(
                    message_id=source.source_message_id, allow_sending_without_reply=True
                ),
            )
        except TelegramAPIError as error:
            log.info("inbox_note_failed item=%s error=%s", delivery.item.id, error)

    # --- sending ------------------------------------------------------------------------

    async def _send(
        self,
        delivery: PendingInboxMessage,
        chat: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        reply_to: int | None,
    ) -> int | None:
        """Send and record where the message went; None when Telegram refused it for good."""
        await self.limiter.wait()
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to
            else None
        )
        try:
            message = await self.bot.send_message(
                chat, text, reply_markup=markup, reply_parameters=reply
            )
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("inbox_delivery_later item=%s error=%s", delivery.item.id, error)
            raise _UnreachableError from error
        except TelegramForbiddenError as error:  # blocked the bot, or it left the group
            self._failed(delivery, error.message)
            return None
        except TelegramBadRequest as error:  # no such chat: a wrong id in STAFF_CHATS?
            log.error(
                "inbox_delivery_refused chat=%s item=%s error=%s: check STAFF_CHATS and that "
                "the bot is a member of the group",
                chat,
                delivery.item.id,
                error.message,
            )
            self._failed(delivery, error.message)
            return None
        copies = await self._copy(delivery, chat, message.message_id)
        with self.sessions.begin() as session:
            mark_delivered(session, delivery.message.id or 0, chat, message.message_id)
            for attachment_id, copy_id in copies:
                mark_copied(session, attachment_id, chat, copy_id)
        log.info("inbox_delivered item=%s to=%s", delivery.item.id, delivery.message.author)
        return message.message_id

    async def _copy(
        self, delivery: PendingInboxMessage, chat: int, reply_to: int
    ) -> list[tuple[int, int]]:
        """Copy the message's photos, files, voice notes and place under its text, exactly as
        they were sent (an album stays an album); (attachment id, copy's message id) each.
        A part whose original is gone is sent again by Telegram's file reference."""
        copies: list[tuple[int, int]] = []
        for group in _as_sent(delivery.attachments):
            await self.limiter.wait()
            try:
                copies += await self._copy_group(group, chat, reply_to)
            except (TelegramNetworkError, TelegramServerError) as error:
                log.warning("inbox_delivery_later item=%s error=%s", delivery.item.id, error)
                raise _UnreachableError from error
            except TelegramBadRequest as error:
                log.info("inbox_copy_refused item=%s error=%s", delivery.item.id, error.message)
                for part in group:
                    resent = await self._resend(part, chat, reply_to)
                    if resent is not None:
                        copies.append((part.id or 0, resent))
        return copies

    async def _copy_group(
        self, group: list[InboxAttachment], chat: int, reply_to: int
    ) -> list[tuple[int, int]]:
        first = group[0]
        if len(group) > 1:
            ids = await self.bot.copy_messages(
                chat, first.source_chat_id, [part.source_message_id for part in group]
            )
            # Telegram leaves out a part it cannot copy: every copy is still one of this
            # message's (the ids serve to delete them when the citizen is erased).
            pairs = zip(group, ids, strict=False)
            return [(part.id or 0, copied.message_id) for part, copied in pairs]
        copied = await self.bot.copy_message(
            chat,
            first.source_chat_id,
            first.source_message_id,
            reply_parameters=ReplyParameters(message_id=reply_to, allow_sending_without_reply=True),
        )
        return [(first.id or 0, copied.message_id)]

    async def _resend(self, part: InboxAttachment, chat: int, reply_to: int) -> int | None:
        """The part sent again from its file reference (or coordinates); None when even that
        is refused: the text above still says it was there."""
        reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        try:
            if part.kind == AttachmentKind.PHOTO and part.file_id:
                sent = await self.bot.send_photo(chat, part.file_id, reply_parameters=reply)
            elif part.kind == AttachmentKind.DOCUMENT and part.file_id:
                sent = await self.bot.send_document(chat, part.file_id, reply_parameters=reply)
            elif part.kind == AttachmentKind.VOICE and part.file_id:
                sent = await self.bot.send_voice(chat, part.file_id, reply_parameters=reply)
            elif part.latitude is not None and part.longitude is not None:
                sent = await self.bot.send_location(
                    chat, part.latitude, part.longitude, reply_parameters=reply
                )
            else:
                return None
        except TelegramBadRequest as error:
            log.warning("inbox_attachment_lost attachment=%s error=%s", part.id, error.message)
            return None
        return sent.message_id

    def _failed(self, delivery: PendingInboxMessage, error: str) -> None:
        with self.sessions.begin() as session:
            mark_failed(session, delivery.message.id or 0, error)


def _as_sent(attachments: list[InboxAttachment]) -> list[list[InboxAttachment]]:
    """The parts grouped as the author sent them: an album together, anything else alone."""
    groups: list[list[InboxAttachment]] = []
    for part in attachments:
        if groups and part.media_group_id and groups[-1][0].media_group_id == part.media_group_id:
            groups[-1].append(part)
        else:
            groups.append([part])
    return groups
