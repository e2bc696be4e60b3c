"""The inbox: citizens' messages to their municipality, threaded with the staff's answers.

An item starts from a submission of a form with ``inbox`` (the built-in ``general-feedback``)
or from a message typed outside a form that the citizen chose to send. Every message of its
thread is a row that waits (``pending``) until the bot has delivered it: a citizen's text to
the staff group of their municipality, a staff answer to the citizen's chat. Nothing is sent
from a transaction, so nothing is lost by a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, update
from sqlmodel import Session, col, select

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.schema import Flow, Option, in_language
from civic_feedback.services.inbox_media import Incoming, attach, attachments_of
from civic_feedback.storage.citizens import CitizenLike
from civic_feedback.storage.flow_versions import FlowCatalog, latest_version_id
from civic_feedback.storage.models import (
    Answer,
    Citizen,
    DeliveryState,
    InboxAttachment,
    InboxAuthor,
    InboxItem,
    InboxMessage,
    InboxStatus,
    InboxSupporter,
    utcnow,
)
from civic_feedback.storage.tables import INBOX_ITEM_TABLE, INBOX_MESSAGE_TABLE

INBOX_FORM = "general-feedback"  # the topics of its inbox topic question are the inbox's
OTHER_TOPIC = "other"
DRAFT_COLLECTS = timedelta(minutes=10)  # a pin, then the words about it: one message
ANSWER_LIMIT = 3500  # with the lines around it, an answer stays under Telegram's 4096


def inbox_topics(session: Session, catalog: FlowCatalog) -> list[Option]:
    """The topics citizens and staff choose from: the options of ``general-feedback``'s
    topic question (publish a version of that form with your own to change them)."""
    version_id = latest_version_id(session.connection(), INBOX_FORM)
    if version_id is None:
        return []
    flow = catalog.flow(session.connection(), version_id)
    question = flow.question(flow.inbox.topic) if flow.inbox and flow.inbox.topic else None
    return list(question.options or []) if question else []


def topic_text(topics: list[Option], topic: str, language: str) -> str:
    """A topic's name in ``language``; its id when the topic is no longer offered."""
    option = next((o for o in topics if o.id == topic), None)
    return in_language(option.text, language) if option else topic


# --- a citizen writes --------------------------------------------------------------------


def save_draft(
    session: Session,
    citizen: Citizen,
    text: str,
    *,
    language: str,
    text_language: str | None,
    attachments: Iterable[Incoming] = (),
) -> InboxItem:
    """A message written outside a form (with what came with it), kept until the citizen
    sends or drops it. What follows within DRAFT_COLLECTS joins it (a pin, then the words
    about it); an older draft is replaced."""
    now = utcnow()
    older = session.exec(
        select(InboxItem).where(
            col(InboxItem.citizen_id) == citizen.id, col(InboxItem.status) == InboxStatus.DRAFT
        )
    ).first()
    if older is not None and now - older.updated_at <= DRAFT_COLLECTS:
        message = first_message(session, older)
        if text:
            message.text = f"{message.text}\n{text}" if message.text else text
            session.add(message)
        older.updated_at = now
        older.text_language = older.text_language or text_language
        session.add(older)
        session.flush()
        attach(session, message, attachments)
        return older
    if older is not None:
        session.delete(older)
        session.flush()
    item = InboxItem(
        citizen_id=citizen.id,
        municipality=citizen.municipality,
        topic=OTHER_TOPIC,
        language=language,
        text_language=text_language,
        status=InboxStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    message = InboxMessage(item_id=item.id, author=InboxAuthor.CITIZEN, text=text)
    session.add(message)
    session.flush()
    attach(session, message, attachments)
    return item


def _draft(session: Session, citizen: Citizen, item_id: int) -> InboxItem | None:
    item = session.get(InboxItem, item_id)
    if item is None or item.citizen_id != citizen.id or item.status != InboxStatus.DRAFT:
        return None
    return item


def send_draft(session: Session, citizen: Citizen, item_id: int, topic: str) -> InboxItem | None:
    """The citizen chose a topic: the draft goes to the staff. None for an old button."""
    item = _draft(session, citizen, item_id)
    if item is None:
        return None
    now = utcnow()
    item.status, item.topic, item.created_at, item.updated_at = InboxStatus.NEW, topic, now, now
    session.add(item)
    session.flush()
    return item


def address_draft(
    session: Session,
    citizen: Citizen,
    item_id: int,
    *,
    topic: str | None = None,
    municipality: str | None = None,
) -> InboxItem | None:
    """Give the draft its topic and/or municipality before it is sent; None for an old
    button."""
    item = _draft(session, citizen, item_id)
    if item is None:
        return None
    if topic is not None:
        item.topic = topic
    if municipality is not None:
        item.municipality = municipality
    session.add(item)
    session.flush()
    return item


def drop_draft(session: Session, citizen: Citizen, item_id: int) -> bool:
    """The citizen chose not to send it."""
    item = _draft(session, citizen, item_id)
    if item is not None:
        session.delete(item)
        session.flush()
    return item is not None


def open_from_answers(
    db: Connection,
    flow: Flow,
    answers: dict[str, AnswerValue],
    *,
    response_id: int,
    citizen: CitizenLike | None,
    language: str,
    now: datetime,
) -> None:
    """A completed form with ``inbox``: its message becomes an item (the caller commits)."""
    fields = flow.inbox
    message = answers.get(fields.message) if fields else None
    if fields is None or not isinstance(message, str):
        return  # the form has no inbox, or the message was skipped
    topic = answers.get(fields.topic) if fields.topic else None
    contact = answers.get(fields.contact) is True if fields.contact else False
    detected = db.execute(
        select(col(Answer.text_language)).where(
            col(Answer.response_id) == response_id, col(Answer.question_id) == fields.message
        )
    ).scalar()
    inserted = db.execute(
        insert(INBOX_ITEM_TABLE).values(
            citizen_id=citizen.id if citizen else None,
            response_id=response_id,
            municipality=citizen.municipality if citizen else None,
            topic=topic if isinstance(topic, str) else OTHER_TOPIC,
            language=language,
            text_language=detected,
            contact_allowed=contact and citizen is not None,
            status=InboxStatus.NEW.value,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    db.execute(
        insert(INBOX_MESSAGE_TABLE).values(
            item_id=inserted[0],
            author=InboxAuthor.CITIZEN.value,
            text=message,
            created_at=now,
            state=DeliveryState.PENDING.value,
        )
    )


def add_followup(
    session: Session, item: InboxItem, text: str, attachments: Iterable[Incoming] = ()
) -> InboxMessage:
    """The citizen wrote again on an item: it waits for the staff again."""
    now = utcnow()
    item.status, item.updated_at, item.closed_at = InboxStatus.NEW, now, None
    message = _add(session, item, InboxMessage(item_id=0, author=InboxAuthor.CITIZEN, text=text))
    attach(session, message, attachments)
    return message


# --- the staff answer -----------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """Who answered: a staff member in Telegram (id, name, their message in the group), or
    someone at the command line (no id)."""

    name: str
    telegram_id: int | None = None
    chat_id: int | None = None
    message_id: int | None = None


def add_answer(
    session: Session,
    item: InboxItem,
    text: str,
    author: Author,
    attachments: Iterable[Incoming] = (),
) -> InboxMessage:
    """A staff answer (with a photo or file, when one came with it), to be relayed."""
    now = utcnow()
    item.status, item.updated_at = InboxStatus.ANSWERED, now
    item.first_answered_at = item.first_answered_at or now
    answer = InboxMessage(
        item_id=0,
        author=InboxAuthor.STAFF,
        text=text,
        staff_id=author.telegram_id,
        staff_name=author.name,
        source_chat_id=author.chat_id,
        source_message_id=author.message_id,
    )
    _add(session, item, answer)
    attach(session, answer, attachments)
    return answer


def _add(session: Session, item: InboxItem, message: InboxMessage) -> InboxMessage:
    assert item.id is not None
    message.item_id = item.id
    session.add(item)
    session.add(message)
    session.flush()
    return message


def close_item(session: Session, item: InboxItem) -> None:
    """Nothing more to do; the citizen writing again opens it again."""
    item.status, item.closed_at = InboxStatus.CLOSED, utcnow()
    item.updated_at = item.closed_at
    session.add(item)
    session.flush()


def set_topic(session: Session, item: InboxItem, topic: str) -> None:
    item.topic, item.updated_at = topic, utcnow()
    session.add(item)
    session.flush()


def forward_item(session: Session, item: InboxItem, municipality: str) -> None:
    """Hand the item to another municipality: its message is posted again in their group."""
    item.municipality, item.updated_at = municipality, utcnow()
    session.add(item)
    first = first_message(session, item)
    first.state, first.chat_id, first.message_id, first.error = (
        DeliveryState.PENDING,
        None,
        None,
        None,
    )
    session.add(first)
    session.flush()


# --- finding items ----------------------------------------------------------------------


def item_at(session: Session, chat_id: int, message_id: int) -> InboxItem | None:
    """The item a Telegram message belongs to: a post in a staff group, an answer in a chat,
    or the copy of a photo, file or place that came with one of them."""
    statement = (
        select(InboxItem)
        .join(InboxMessage, col(InboxMessage.item_id) == col(InboxItem.id))
        .where(col(InboxMessage.chat_id) == chat_id, col(InboxMessage.message_id) == message_id)
        .limit(1)
    )
    found = session.exec(statement).first()
    if found is not None:
        return found
    copied = (
        select(InboxItem)
        .join(InboxMessage, col(InboxMessage.item_id) == col(InboxItem.id))
        .join(InboxAttachment, col(InboxAttachment.message_id) == col(InboxMessage.id))
        .where(
            col(InboxAttachment.copy_chat_id) == chat_id,
            col(InboxAttachment.copy_message_id) == message_id,
        )
        .limit(1)
    )
    return session.exec(copied).first()


def first_message(session: Session, item: InboxItem) -> InboxMessage:
    statement = (
        select(InboxMessage)
        .where(col(InboxMessage.item_id) == item.id)
        .order_by(col(InboxMessage.id))
        .limit(1)
    )
    found = session.exec(statement).first()
    assert isinstance(found, InboxMessage), f"inbox item {item.id} has no message"
    return found


@dataclass(frozen=True)
class ItemFacts:
    """What a post about an item shows besides the item itself."""

    text: str  # the citizen's first message
    citizen_telegram_id: int | None  # None: erased, or an anonymous form
    answered_by: tuple[str, datetime] | None  # the last answer's author and time
    attachments: list[InboxAttachment]  # what came with the first message
    supporters: int = 0  # citizens who reported the same problem and joined it


def item_facts(session: Session, item: InboxItem) -> ItemFacts:
    citizen = session.get(Citizen, item.citizen_id) if item.citizen_id else None
    last = session.exec(
        select(InboxMessage)
        .where(col(InboxMessage.item_id) == item.id, col(InboxMessage.author) == InboxAuthor.STAFF)
        .order_by(col(InboxMessage.id).desc())
        .limit(1)
    ).first()
    first = first_message(session, item)
    return ItemFacts(
        first.text,
        citizen.telegram_id if citizen else None,
        (last.staff_name or "", last.created_at) if last else None,
        attachments_of(session, first.id or 0),
        session.exec(select(func.count()).where(col(InboxSupporter.item_id) == item.id)).one(),
    )


def set_contact_name(session: Session, item: InboxItem, name: str) -> None:
    """The name staff see, fetched from Telegram when the citizen agreed to be contacted."""
    item.contact_name = name[:200]
    session.add(item)
    session.flush()


def thread(session: Session, item_id: int) -> list[InboxMessage]:
    statement = (
        select(InboxMessage)
        .where(col(InboxMessage.item_id) == item_id)
        .order_by(col(InboxMessage.id))
    )
    return list(session.exec(statement))


def items_of(session: Session, citizen: Citizen, limit: int | None = 20) -> list[InboxItem]:
    """The citizen's items, newest first (drafts are not sent yet: not listed)."""
    statement = (
        select(InboxItem)
        .where(col(InboxItem.citizen_id) == citizen.id, col(InboxItem.status) != InboxStatus.DRAFT)
        .order_by(col(InboxItem.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def find_items(
    session: Session,
    *,
    status: InboxStatus | None = None,
    municipality: str | None = None,
    topic: str | None = None,
    limit: int | None = 200,
) -> list[InboxItem]:
    """For the command line: oldest first, drafts never."""
    statement = select(InboxItem).where(col(InboxItem.status) != InboxStatus.DRAFT)
    if status is not None:
        statement = statement.where(col(InboxItem.status) == status)
    if municipality is not None:
        statement = statement.where(col(InboxItem.municipality) == municipality)
    if topic is not None:
        statement = statement.where(col(InboxItem.topic) == topic)
    statement = statement.order_by(col(InboxItem.id)).limit(limit)
    return list(session.exec(statement))


def first_texts(session: Session, item_ids: list[int]) -> dict[int, str]:
    """The first message of each item, for lists."""
    firsts = (
        select(func.min(InboxMessage.id))
        .where(col(InboxMessage.item_id).in_(item_ids))
        .group_by(col(InboxMessage.item_id))
    )
    rows = session.exec(
        select(InboxMessage.item_id, InboxMessage.text).where(col(InboxMessage.id).in_(firsts))
    )
    return dict(rows.all())


# --- delivery --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingInboxMessage:
    """A message waiting to be delivered, with what the courier needs to place it."""

    message: InboxMessage
    item: InboxItem
    citizen_telegram_id: int | None  # None: erased, or an anonymous form
    post: tuple[int, int] | None  # the item's post in the staff group: (chat, message)
    first: bool  # the item's first message: it becomes the post
    attachments: list[InboxAttachment]  # copied on after the message's text


def pending_deliveries(
    session: Session, after: int = 0, limit: int = 50
) -> list[PendingInboxMessage]:
    """Messages waiting for delivery, oldest first, from message id ``after`` on."""
    statement = (
        select(InboxMessage, InboxItem, Citizen.telegram_id)
        .join(InboxItem, col(InboxItem.id) == col(InboxMessage.item_id))
        .outerjoin(Citizen, col(Citizen.id) == col(InboxItem.citizen_id))
        .where(
            col(InboxMessage.state) == DeliveryState.PENDING,
            col(InboxItem.status) != InboxStatus.DRAFT,
            col(InboxMessage.id) > after,
        )
        .order_by(col(InboxMessage.id))
        .limit(limit)
    )
    deliveries = []
    for message, item, telegram_id in session.exec(statement).all():
        first = first_message(session, item)
        post = (first.chat_id, first.message_id) if first.chat_id and first.message_id else None
        deliveries.append(
            PendingInboxMessage(
                message,
                item,
                telegram_id,
                post,
                first.id == message.id,
                attachments_of(session, message.id or 0),
            )
        )
    return deliveries


def mark_delivered(
    session: Session, message_id: int, chat_id: int, telegram_message_id: int
) -> None:
    session.execute(
        update(InboxMessage)
        .where(col(InboxMessage.id) == message_id)
        .values(state=DeliveryState.DELIVERED, chat_id=chat_id, message_id=telegram_message_id)
    )
    session.flush()


def mark_failed(session: Session, message_id: int, error: str) -> None:
    session.execute(
        update(InboxMessage)
        .where(col(InboxMessage.id) == message_id)
        .values(state=DeliveryState.FAILED, error=error[:200])
    )
    session.flush()
