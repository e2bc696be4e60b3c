"""The tables. Times are stored in UTC; ``TIMEZONE`` only matters when showing or grouping."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from civic_feedback.storage.json_value import JsonValue

JSON_VALUE = JsonValue()


class TableModel(SQLModel):
    """The base of every table. Rows are made and read by the ORM, never validated, so pydantic
    builds a table's validator only if one is ever needed, not for all of them at every start."""

    # SQLModel does not export the type of its config (SQLModelConfig, a ConfigDict).
    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


def utcnow() -> datetime:
    """Now, in UTC (time-zone aware, as every table stores it)."""
    return datetime.now(UTC)


def _ref(target: str, *, ondelete: str, nullable: bool = False, index: bool = False) -> Any:
    """A foreign key column with an explicit ON DELETE rule."""
    return Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
        ),
    )


class ResponseState(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"  # replaced by another form before it was finished
    INCOMPLETE = "incomplete"  # the form closed before it was finished


# A Telegram user who talked to the bot; erased whole on /forget.
class Citizen(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, unique=True)
    language: str | None = None  # chosen interface language; None until chosen
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow, index=True)
    opted_out: bool = False  # sent /stop: no broadcasts
    municipality: str | None = Field(default=None, max_length=100)  # chosen in /settings
    unreachable: bool = False  # blocked the bot (Telegram answered 403): send nothing
    privacy_accepted_at: datetime | None = None  # accepted the privacy notice (None: not yet)


# A flow as organizers write it, for the /feedback list; its content lives in versions.
class Form(TableModel, table=True):
    flow_id: str = Field(primary_key=True, max_length=64)
    listed: bool = True  # offered in /feedback (event forms are reached through events)
    created_at: datetime = Field(default_factory=utcnow)
    opens_at: datetime | None = None  # takes answers from then on (None: from the start)
    closes_at: datetime | None = None  # the first moment it takes none (None: never closes)


# One published, immutable content of a flow; runs finish on the version they started.
class FlowVersion(TableModel, table=True):
    __tablename__ = "flow_version"
    __table_args__ = (UniqueConstraint("flow_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    flow_id: str = Field(foreign_key="form.flow_id", max_length=64, index=True)
    version: int
    content_hash: str = Field(max_length=64)
    definition: dict[str, Any] = Field(sa_type=JSON_VALUE)  # the validated flow as JSON
    published_at: datetime = Field(default_factory=utcnow)


# One citizen's pass through one flow version; citizen_id is None for anonymous forms
# and for answers detached from an erased citizen.
class Response(TableModel, table=True):
    __table_args__ = (
        Index("ix_response_citizen_flow", "citizen_id", "flow_id", "state"),
        # Summaries count responses started, and those completed, in a period by owner and
        # flow version: these indexes hold every column they read (storage/summary_queries.py).
        Index(
            "ix_response_started_at",
            "started_at",
            "state",
            "completed_at",
            "event_id",
            "citizen_id",
            "flow_version_id",
        ),
        Index(
            "ix_response_completion",
            "state",
            "completed_at",
            "event_id",
            "citizen_id",
            "flow_version_id",
        ),
        # ... and an event's responses completed by the period's end (its response rate).
        Index("ix_response_event_id", "event_id", "state", "completed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    flow_version_id: int = Field(foreign_key="flow_version.id", index=True)
    flow_id: str = Field(max_length=64)  # copied from the version for quick look-ups
    citizen_id: int | None = _ref("citizen.id", ondelete="SET NULL", nullable=True)
    event_id: int | None = _ref("event.id", ondelete="SET NULL", nullable=True)
    language: str = Field(max_length=8)
    state: str = Field(default=ResponseState.IN_PROGRESS, sa_type=String(16))
    started_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = Field(default=None, index=True)


# One answer to one question. Exactly one value column is set, or none when skipped;
# choice answers keep their options in answer_choice so SQL can count them.
class Answer(TableModel, table=True):
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        # What summaries group answers by, so that they read the index, never the rows.
        Index(
            "ix_answer_values",
            "response_id",
            "question_type",
            "question_id",
            "number_value",
            "bool_value",
        ),
        # Texts given (a text may be thousands of characters: the index only says there is one).
        # Partial, WHERE text_value IS NOT NULL, as migration 0010 creates it; the condition is
        # not repeated here because SQLAlchemy loads each named database's dialect to check its
        # arguments (``sqlite_where``, ``postgresql_where``), 3 MB in every bot, and only the
        # migrations make the schema.
        Index("ix_answer_texts", "response_id", "question_id", "text_language"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = _ref("response.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    question_type: str = Field(max_length=16)
    number_value: float | None = None
    text_value: str | None = None
    bool_value: bool | None = None
    text_language: str | None = Field(default=None, max_length=8)  # detected, for text
    answered_at: datetime = Field(default_factory=utcnow)


# An option ticked in a single- or multi-choice answer, in the flow's option order.
class AnswerChoice(TableModel, table=True):
    __tablename__ = "answer_choice"
    # What summaries count ticks by, so that they read the index, never the rows.
    __table_args__ = (Index("ix_answer_choice_counts", "answer_id", "option_id", "position"),)

    answer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True)
    )
    option_id: str = Field(primary_key=True, max_length=64)
    position: int


# Where a citizen is now: the form they are answering, and the options ticked on its
# current question. Deleted when the form is finished, so an anonymous response loses
# its link.
class Conversation(TableModel, table=True):
    citizen_id: int = Field(
        sa_column=Column(Integer, ForeignKey("citizen.id", ondelete="CASCADE"), primary_key=True)
    )
    response_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("response.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    draft: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)  # ticked, not Done
    updated_at: datetime = Field(default_factory=utcnow)  # form opened or draft changed


# Proof that someone completed an anonymous, non-repeatable form, without saying who or
# which response: HMAC(PSEUDONYM_KEY, citizen + form + event).
class AnonymousReceipt(TableModel, table=True):
    __tablename__ = "anonymous_receipt"

    key: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


# A Telegram update already handled; a repeated delivery is ignored.
class ProcessedUpdate(TableModel, table=True):
    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow, index=True)


class EventKind(StrEnum):
    CONSULTATION = "consultation"
    ROUND_TABLE = "round_table"
    CONFERENCE = "conference"
    CITIZEN_PANEL = "citizen_panel"
    TRAINING = "training"
    INFO_MEETING = "info_meeting"
    OTHER = "other"


class EventState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"


class NotificationKind(StrEnum):
    REMINDER = "reminder"  # before the start, once per offset
    INVITATION = "invitation"  # to the feedback form, after the end
    FOLLOWUP = "followup"  # one more nudge to those who did not answer
    PROMOTED = "promoted"  # a place became free: off the waiting list
    CANCELLED = "cancelled"  # the event is cancelled
    RESULTS = "results"  # the event's results were published: here is what everyone said
    RESCHEDULED = "rescheduled"  # the event has a new time: once per change
    PLACE_CHANGED = "place_changed"  # the event has a new place: once per change


class NotificationState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed for Telegram; never sent again by itself, even after a crash
    SENT = "sent"
    MISSED = "missed"  # a reminder whose moment passed while the bot was down
    SKIPPED = "skipped"  # no longer applies (did not attend, already answered, blocked)
    CANCELLED = "cancelled"  # registration or event cancelled
    FAILED = "failed"  # Telegram refused it


# A public event: consultation, round table, conference, citizen panel, training...
class Event(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)  # random, for links: not guessable
    kind: str = Field(sa_type=String(16))
    municipality: str | None = Field(default=None, max_length=100, index=True)
    title: dict[str, str] = Field(sa_type=JSON_VALUE)  # per language
    description: dict[str, str] = Field(default_factory=dict, sa_type=JSON_VALUE)
    place: str = Field(default="", max_length=500)
    map_url: str | None = Field(default=None, max_length=500)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    capacity: int | None = None
    flow_id: str = Field(foreign_key="form.flow_id", max_length=64)  # the feedback form
    reminder_offsets: list[int] = Field(default_factory=list, sa_type=JSON_VALUE)  # seconds
    state: str = Field(default=EventState.SCHEDULED, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)
    # The calendar file's SEQUENCE: raised by each change of time, place or title, so that a
    # calendar updates the entry it has (same UID) instead of adding a second one.
    sequence: int = 0


# A citizen's place at an event; waiting-list order is the order of ``created_at``.
class Registration(TableModel, table=True):
    __table_args__ = (UniqueConstraint("event_id", "citizen_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = _ref("event.id", ondelete="CASCADE")
    citizen_id: int = _ref("citizen.id", ondelete="CASCADE", index=True)
    status: str = Field(default=RegistrationStatus.REGISTERED, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# A message the bot owes a citizen at a given time; the worker sends what is due.
class Notification(TableModel, table=True):
    __table_args__ = (
        UniqueConstraint("kind", "event_id", "citizen_id", "offset_seconds"),
        Index("ix_notification_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(16))
    event_id: int = _ref("event.id", ondelete="CASCADE")
    citizen_id: int = _ref("citizen.id", ondelete="CASCADE", index=True)
    # Which one of its kind: a reminder's offset; for a notice of a change, the event's
    # sequence after it (one notice per change); 0 for the other kinds.
    offset_seconds: int = 0
    due_at: datetime
    state: str = Field(default=NotificationState.PENDING, sa_type=String(16))
    claimed_at: datetime | None = None  # marked sending (renewed while its call is retried)
    sent_at: datetime | None = None
    error: str | None = Field(default=None, max_length=200)


class BroadcastState(StrEnum):
    DRAFT = "draft"  # being composed by an organizer in Telegram; never sent as such
    QUEUED = "queued"  # waiting for its time (or for the broadcaster)
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class OutboxState(StrEnum):
    PENDING = "pending"
    # Claimed for Telegram; never sent again by itself, even after a crash. Still sending a
    # lease after its claim, it is uncertain (storage/claims.py): resent only if asked.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # Telegram refused this message (400): recorded, not retried
    UNREACHABLE = "unreachable"  # the citizen blocked the bot (403)
    CANCELLED = "cancelled"


# A message organizers send to a segment of citizens, in each citizen's language.
class Broadcast(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    texts: dict[str, str] = Field(sa_type=JSON_VALUE)  # Telegram HTML, per language
    segment: str = Field(max_length=200)  # all | municipality=NAME | language=bg | ...
    button: dict[str, str] | None = Field(default=None, sa_type=JSON_VALUE)  # event/form link
    send_at: datetime = Field(index=True)
    state: str = Field(default=BroadcastState.QUEUED, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="feedback-admin", max_length=100)
    # Composed in Telegram: the organizer's chat, where progress is reported and edited.
    report_chat_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    report_message_id: int | None = None
    report_language: str | None = Field(default=None, max_length=8)
    awaiting_text: str | None = Field(default=None, max_length=8)  # draft: text in this language


# One recipient of a broadcast: the durable outbox the broadcaster works through.
class Outbox(TableModel, table=True):
    __table_args__ = (
        UniqueConstraint("broadcast_id", "citizen_id"),
        Index("ix_outbox_work", "broadcast_id", "state", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = _ref("broadcast.id", ondelete="CASCADE")
    citizen_id: int = _ref("citizen.id", ondelete="CASCADE", index=True)
    state: str = Field(default=OutboxState.PENDING, sa_type=String(16))
    claimed_at: datetime | None = None  # marked sending (renewed while its call is retried)
    sent_at: datetime | None = None
    error: str | None = Field(default=None, max_length=200)


class Role(StrEnum):
    ADMIN = "admin"  # everything, including granting roles
    ORGANIZER = "organizer"  # events and broadcasts, summaries
    STAFF = "staff"  # summaries, exports, the inbox of their municipality


# A Telegram user with a staff role (admins also come from ADMIN_IDS).
class StaffMember(TableModel, table=True):
    __tablename__ = "staff_member"

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    role: str = Field(sa_type=String(16))
    municipality: str | None = Field(default=None, max_length=100)  # None: every one
    granted_by: str = Field(max_length=100)
    granted_at: datetime = Field(default_factory=utcnow)


# Who did what that matters to an auditor. People appear as pseudonyms, never Telegram
# ids, so an erased citizen leaves no trace here.
class AuditEntry(TableModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)  # "cli:<os user>" or a pseudonym
    action: str = Field(max_length=32, index=True)
    subject: str | None = Field(default=None, max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON_VALUE)


class DigestState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # handed to Telegram; never sent again, even after a crash
    SENT = "sent"
    FAILED = "failed"


# The Monday digest a staff member is owed for one week: sent once, even across restarts.
class DigestDelivery(TableModel, table=True):
    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("week", "telegram_id"),)

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(max_length=8)  # the ISO week summarised, e.g. 2026-W47
    telegram_id: int = Field(sa_type=BigInteger)  # staff: their role needs the id anyway
    state: str = Field(default=DigestState.PENDING, sa_type=String(16))
    sent_at: datetime | None = None
    error: str | None = Field(default=None, max_length=200)


# An event's anonymised results, posted to a public channel or group.
class Publication(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = _ref("event.id", ondelete="CASCADE", index=True)
    chat: str = Field(max_length=100)  # @channel or a chat id
    message_id: int
    url: str | None = Field(default=None, max_length=300)  # None: a private chat, no link
    language: str = Field(max_length=8)
    published_at: datetime = Field(default_factory=utcnow)


class InboxStatus(StrEnum):
    DRAFT = "draft"  # typed outside a form: waits for the citizen to choose a topic and send
    NEW = "new"  # received, waits for staff: just sent, re-opened, or the citizen wrote again
    ANSWERED = "answered"
    IN_PROGRESS = "in_progress"  # staff are on it
    RESOLVED = "resolved"  # fixed; the citizen is asked, once, whether it is
    NOT_OURS = "not_ours"  # not the municipality's: forwarded (the reason says where)
    WONT_DO = "wont_do"  # will not be done (the reason says why)
    CLOSED = "closed"  # nothing more to do


class InboxAuthor(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    STATUS = "status"  # a change of status the citizen is told about


class DeliveryState(StrEnum):
    PENDING = "pending"  # to be posted to the staff group, or relayed to the citizen
    DELIVERED = "delivered"
    FAILED = "failed"  # Telegram refused it (the citizen blocked the bot, no such group)


# A citizen's message to their municipality, and everything said about it since.
class InboxItem(TableModel, table=True):
    __tablename__ = "inbox_item"
    __table_args__ = (Index("ix_inbox_item_status", "status", "municipality"),)

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int | None = _ref("citizen.id", ondelete="SET NULL", nullable=True, index=True)
    response_id: int | None = _ref("response.id", ondelete="SET NULL", nullable=True)
    municipality: str | None = Field(default=None, max_length=100)  # None: the default group
    topic: str = Field(max_length=64)  # an option id of the inbox topics
    language: str = Field(max_length=8)  # the citizen's: answers are introduced in it
    text_language: str | None = Field(default=None, max_length=8)  # detected, like answers
    contact_name: str | None = Field(default=None, max_length=200)  # only with their consent
    contact_allowed: bool = False  # agreed that staff may see who they are and contact them
    status: str = Field(default=InboxStatus.NEW, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    first_answered_at: datetime | None = None
    closed_at: datetime | None = None
    # Where the problem is, when the citizen sent a location (a venue's, or a pin).
    latitude: float | None = None
    longitude: float | None = None
    status_reason: str | None = Field(default=None, sa_type=Text)  # not ours, will not be done
    resolved_at: datetime | None = None
    confirmation_asked: bool = False  # "Was it resolved?" is asked once
    confirmed: bool | None = None  # the citizen's answer to it
    resolution_rating: int | None = None  # 1-5: how they rate the resolution


# One message of an inbox item's thread and where the bot delivered it: a citizen's text to
# the staff group, a staff answer to the citizen's chat. Replying to either copy in Telegram
# finds the item again by (chat_id, message_id).
class InboxMessage(TableModel, table=True):
    __tablename__ = "inbox_message"
    __table_args__ = (
        Index("ix_inbox_message_copy", "chat_id", "message_id"),
        Index("ix_inbox_message_delivery", "state", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = _ref("inbox_item.id", ondelete="CASCADE", index=True)
    author: str = Field(sa_type=String(16))
    text: str = Field(sa_type=Text)
    status: str | None = Field(default=None, sa_type=String(16))  # a status notice's new status
    staff_id: int | None = Field(default=None, sa_type=BigInteger)  # who answered
    staff_name: str | None = Field(default=None, max_length=200)  # shown in the group
    source_chat_id: int | None = Field(default=None, sa_type=BigInteger)  # a staff reply's
    source_message_id: int | None = None  # own message in the group, for delivery notes
    created_at: datetime = Field(default_factory=utcnow)
    state: str = Field(default=DeliveryState.PENDING, sa_type=String(16))
    chat_id: int | None = Field(default=None, sa_type=BigInteger)  # the delivered copy
    message_id: int | None = None
    error: str | None = Field(default=None, max_length=200)


class Decision(StrEnum):
    """What the municipality did with a proposal, as the report states it."""

    ACCEPTED = "accepted"
    PARTLY = "partly"  # partly accepted
    NOT_ACCEPTED = "not_accepted"


class NoticeState(StrEnum):
    PENDING = "pending"  # the report is published: this follower is owed their notice
    SENDING = "sending"  # handed to Telegram; never sent again, even after a crash
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it
    UNREACHABLE = "unreachable"  # the citizen blocked the bot


# A draft act (ordinance, budget, plan) open for citizens' proposals for its legal term.
class Consultation(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)  # random, for links: not guessable
    municipality: str | None = Field(default=None, max_length=100, index=True)
    title: dict[str, str] = Field(sa_type=JSON_VALUE)  # per language
    summary: dict[str, str] = Field(default_factory=dict, sa_type=JSON_VALUE)
    document_url: str | None = Field(default=None, max_length=500)
    document_name: str | None = Field(default=None, max_length=200)  # the draft as a file
    document_file_id: str | None = Field(default=None, max_length=200)  # once sent: Telegram's
    opens_at: datetime
    closes_at: datetime  # moved to the moment of an early close
    short_term_reason: str | None = Field(default=None, sa_type=Text)  # under 30 days: why
    closed_early_reason: str | None = Field(default=None, sa_type=Text)
    report_due_at: datetime | None = None  # when the report is promised
    flow_id: str | None = Field(default=None, foreign_key="form.flow_id", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="feedback-admin", max_length=100)
    published_at: datetime | None = None  # the report was published
    published_chat: str | None = Field(default=None, max_length=100)
    published_url: str | None = Field(default=None, max_length=300)


# A citizen's proposal on a consultation, numbered in the order received.
class Proposal(TableModel, table=True):
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = _ref("consultation.id", ondelete="CASCADE")
    number: int  # "Proposal No. 12": 1, 2, 3... per consultation
    citizen_id: int | None = _ref("citizen.id", ondelete="SET NULL", nullable=True, index=True)
    language: str = Field(max_length=8)  # the citizen's: their notice is written in it
    text: str = Field(sa_type=Text)
    text_language: str | None = Field(default=None, max_length=8)  # detected, like answers
    attachment_kind: str | None = Field(default=None, max_length=16)  # photo | document
    attachment_file_id: str | None = Field(default=None, max_length=200)
    attachment_name: str | None = Field(default=None, max_length=200)
    attachment_size: int | None = None
    author_name: str | None = Field(default=None, max_length=200)  # only with their consent
    created_at: datetime = Field(default_factory=utcnow)
    decision: str | None = Field(default=None, sa_type=String(16))
    reason: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=100)


# Someone who sent a proposal or pressed "Follow": told once when the report is published.
class ConsultationFollower(TableModel, table=True):
    __tablename__ = "consultation_follower"
    __table_args__ = (Index("ix_consultation_follower_notice", "notice_state", "consultation_id"),)

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    citizen_id: int = Field(
        sa_column=Column(Integer, ForeignKey("citizen.id", ondelete="CASCADE"), primary_key=True)
    )
    followed_at: datetime = Field(default_factory=utcnow)
    notice_state: str | None = Field(default=None, sa_type=String(16))  # None: nothing owed
    notice_sent_at: datetime | None = None
    notice_error: str | None = Field(default=None, max_length=200)


# The draft act's file (a PDF), kept apart so that reading a consultation never loads it.
class ConsultationDocument(TableModel, table=True):
    __tablename__ = "consultation_document"

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    data: bytes = Field(sa_type=LargeBinary)


# A proposal being written: the citizen pressed "Send a proposal"; their next text (and a
# file sent before it) becomes the proposal. One per citizen.
class ProposalDraft(TableModel, table=True):
    __tablename__ = "proposal_draft"

    citizen_id: int = Field(
        sa_column=Column(Integer, ForeignKey("citizen.id", ondelete="CASCADE"), primary_key=True)
    )
    consultation_id: int = _ref("consultation.id", ondelete="CASCADE")
    attachment_kind: str | None = Field(default=None, max_length=16)
    attachment_file_id: str | None = Field(default=None, max_length=200)
    attachment_name: str | None = Field(default=None, max_length=200)
    attachment_size: int | None = None
    started_at: datetime = Field(default_factory=utcnow)


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    LOCATION = "location"  # a pin: coordinates only
    VENUE = "venue"  # a pin with a place's name and address


# A photo, file, voice note or place that came with a message of an inbox thread. Nothing is
# downloaded: Telegram keeps the file, the row keeps its reference and where the original is
# (to copy it on), and where the bot's copy went (to delete it when the citizen is erased).
class InboxAttachment(TableModel, table=True):
    __tablename__ = "inbox_attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = _ref("inbox_message.id", ondelete="CASCADE", index=True)
    kind: str = Field(sa_type=String(16))
    file_id: str | None = Field(default=None, max_length=200)  # None for a place
    file_unique_id: str | None = Field(default=None, max_length=100)
    file_name: str | None = Field(default=None, max_length=200)
    mime_type: str | None = Field(default=None, max_length=100)
    file_size: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    venue: str | None = Field(default=None, max_length=300)  # the place's name and address
    media_group_id: str | None = Field(default=None, max_length=64)  # an album's parts
    source_chat_id: int = Field(sa_type=BigInteger)  # the original message, to copy it on
    source_message_id: int
    copy_chat_id: int | None = Field(default=None, sa_type=BigInteger)  # the bot's copy
    copy_message_id: int | None = None


# A copy the bot made of a citizen's photo, file or place in a staff group, to delete because
# the citizen was erased; kept until Telegram has deleted it or refused for good.
class MessageRemoval(TableModel, table=True):
    __tablename__ = "message_removal"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int
    item_id: int | None = None  # the inbox message it belonged to, for the note to staff
    created_at: datetime = Field(default_factory=utcnow)


# A citizen who reported the same problem as an open message nearby and joined it ("+1, keep
# me informed"): told every change of its status, counted as a person affected.
class InboxSupporter(TableModel, table=True):
    __tablename__ = "inbox_supporter"

    item_id: int = Field(
        sa_column=Column(Integer, ForeignKey("inbox_item.id", ondelete="CASCADE"), primary_key=True)
    )
    citizen_id: int = Field(
        sa_column=Column(Integer, ForeignKey("citizen.id", ondelete="CASCADE"), primary_key=True)
    )
    joined_at: datetime = Field(default_factory=utcnow)


# Roll-ups (storage/rollups.py): the counts the summary queries give, kept per day and per
# month of TIMEZONE so that a long period sums a few rows per month instead of reading every
# answer. A day is rolled up once it is settled, a month once all its days are; both are
# rolled again whenever a change reaches them.
class RollupDay(TableModel, table=True):
    __tablename__ = "rollup_day"
    __table_args__ = (
        UniqueConstraint("zone", "span", "day"),
        Index("ix_rollup_day_bounds", "starts_at", "ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    zone: str = Field(max_length=64)  # the TIMEZONE the day is a day of
    span: str = Field(max_length=8)  # "day" or "month"
    day: date  # the first day of the span
    starts_at: datetime  # the day's bounds in UTC
    ends_at: datetime
    built_at: datetime = Field(default_factory=utcnow)


def _rollup_day() -> Any:
    return Field(
        sa_column=Column(
            Integer, ForeignKey("rollup_day.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


# The owner of a count, as the summary groups it: the event, else (for a response about no
# event) the citizen's municipality; None for none. Kept without foreign keys: an erased
# citizen or a changed municipality rolls the days it reaches again.
class RollupStarted(TableModel, table=True):
    """Responses started on the day, by the day they were completed (None: not completed)."""

    __tablename__ = "rollup_started"

    id: int | None = Field(default=None, primary_key=True)
    day_id: int = _rollup_day()
    event_id: int | None = None
    citizen_municipality: str | None = Field(default=None, max_length=100)
    flow_version_id: int
    completed_by: datetime | None = None  # the end (UTC) of the day it was completed on
    responses: int


class RollupCompleted(TableModel, table=True):
    __tablename__ = "rollup_completed"

    id: int | None = Field(default=None, primary_key=True)
    day_id: int = _rollup_day()
    event_id: int | None = None
    citizen_municipality: str | None = Field(default=None, max_length=100)
    flow_version_id: int
    responses: int


class RollupValue(TableModel, table=True):
    """Answers with a number or a yes/no of the responses completed on the day."""

    __tablename__ = "rollup_value"

    id: int | None = Field(default=None, primary_key=True)
    day_id: int = _rollup_day()
    event_id: int | None = None
    citizen_municipality: str | None = Field(default=None, max_length=100)
    flow_version_id: int
    question_id: str = Field(max_length=64)
    question_type: str = Field(max_length=16)
    number_value: float | None = None
    bool_value: bool | None = None
    answers: int


class RollupText(TableModel, table=True):
    __tablename__ = "rollup_text"

    id: int | None = Field(default=None, primary_key=True)
    day_id: int = _rollup_day()
    event_id: int | None = None
    citizen_municipality: str | None = Field(default=None, max_length=100)
    flow_version_id: int
    question_id: str = Field(max_length=64)
    text_language: str | None = Field(default=None, max_length=8)
    texts: int


class RollupOption(TableModel, table=True):
    __tablename__ = "rollup_option"

    id: int | None = Field(default=None, primary_key=True)
    day_id: int = _rollup_day()
    event_id: int | None = None
    citizen_municipality: str | None = Field(default=None, max_length=100)
    flow_version_id: int
    question_id: str = Field(max_length=64)
    option_id: str = Field(max_length=64)
    ticks: int
    firsts: int  # answers listing it first


# A file the console made from what the page sent (the form editor's YAML), kept a minute or
# two for Telegram's app to fetch it by a download link, as a replica other than the one
# that made it may serve the fetch; expired rows are deleted when the next one is kept.
class DownloadDraft(TableModel, table=True):
    __tablename__ = "download_draft"

    id: str = Field(sa_type=String(32), primary_key=True)  # random, unguessable
    telegram_id: int = Field(sa_type=BigInteger)  # the staff member it was made for
    name: str = Field(sa_type=String(80))
    body: bytes = Field(sa_type=LargeBinary)
    expires_at: datetime = Field(index=True)
