"""What waits to go out: the notification, broadcast and inbox queues, for the metrics.

Each queue is one count and one minimum over rows its index finds (``ix_notification_due``,
``ix_outbox_work``, ``ix_inbox_message_delivery``), so reading all three stays short however
long the bot has run. On PostgreSQL the reads give up after two seconds rather than wait on
a lock or a busy server: a scrape must never hang on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select, text

from civic_feedback.core.form_windows import as_utc
from civic_feedback.storage.models import (
    BroadcastState,
    DeliveryState,
    InboxStatus,
    NotificationState,
    OutboxState,
)
from civic_feedback.storage.tables import (
    BROADCAST_TABLE,
    INBOX_ITEM_TABLE,
    INBOX_MESSAGE_TABLE,
    NOTIFICATION_TABLE,
    OUTBOX_TABLE,
)

STATEMENT_TIMEOUT_MS = 2000


@dataclass(frozen=True)
class QueueDepth:
    """Rows of one queue that are due and not yet handed to Telegram."""

    queue: str
    waiting: int
    oldest: datetime | None  # since when the oldest of them is due (None: nothing waits)

    def oldest_age(self, now: datetime) -> float:
        """Seconds the oldest row has waited (0 when nothing waits)."""
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest else 0.0


def _notifications(now: datetime) -> Select[int, Any]:
    """Reminders, feedback invitations, follow-ups and notices whose time has come."""
    due = NOTIFICATION_TABLE.c.due_at
    return select(func.count(), func.min(due)).where(
        NOTIFICATION_TABLE.c.state == NotificationState.PENDING, due <= now
    )


def _broadcasts(now: datetime) -> Select[int, Any]:
    """Recipients of broadcasts whose sending time has come; they wait since that time."""
    send_at = BROADCAST_TABLE.c.send_at
    return (
        select(func.count(), func.min(send_at))
        .select_from(OUTBOX_TABLE.join(BROADCAST_TABLE))
        .where(
            BROADCAST_TABLE.c.state.in_([BroadcastState.QUEUED, BroadcastState.SENDING]),
            send_at <= now,
            OUTBOX_TABLE.c.state == OutboxState.PENDING,
        )
    )


def _inbox() -> Select[int, Any]:
    """Citizens' messages for staff groups and staff answers for citizens (drafts are not
    sent yet); they wait since they were written."""
    created = INBOX_MESSAGE_TABLE.c.created_at
    return (
        select(func.count(), func.min(created))
        .select_from(INBOX_MESSAGE_TABLE.join(INBOX_ITEM_TABLE))
        .where(
            INBOX_MESSAGE_TABLE.c.state == DeliveryState.PENDING,
            INBOX_ITEM_TABLE.c.status != InboxStatus.DRAFT,
        )
    )


def queue_depths(engine: Engine, now: datetime) -> list[QueueDepth]:
    """The three queues, read on one connection given back at once."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        return [
            _depth(connection, "notifications", _notifications(now)),
            _depth(connection, "broadcasts", _broadcasts(now)),
            _depth(connection, "inbox", _inbox()),
        ]


def _depth(connection: Connection, queue: str, statement: Select[int, Any]) -> QueueDepth:
    waiting, oldest = connection.execute(statement).one()
    return QueueDepth(queue, int(waiting), as_utc(oldest))
