"""The daily purge: what is no longer needed goes, and so do citizens long inactive.

- processed update ids older than 7 days (Telegram redelivers within hours, not weeks);
- outbox rows of broadcasts finished (or cancelled) more than 90 days ago;
- drafts of announcements, and messages to the municipality never sent, left for a day;
- with ``RETENTION_DAYS``, the personal data of citizens not seen for that long, erased
  exactly as /forget erases it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.services.erasure import erase_citizen, inactive_citizens
from civic_feedback.storage.database import affected
from civic_feedback.storage.models import (
    Broadcast,
    BroadcastState,
    InboxItem,
    InboxStatus,
    Outbox,
    ProcessedUpdate,
)

UPDATE_IDS_KEPT = timedelta(days=7)
OUTBOX_KEPT = timedelta(days=90)
DRAFTS_KEPT = timedelta(days=1)
_FINISHED = (BroadcastState.DONE, BroadcastState.CANCELLED)


@dataclass(frozen=True)
class Purged:
    update_ids: int
    outbox_rows: int
    drafts: int
    citizens: int


def purge(
    session: Session,
    now: datetime,
    *,
    key: bytes,
    retention_days: int | None,
    answers: AnswersOnErasure,
) -> Purged:
    """Run every purge once: a batch job that commits its own transactions (the old rows in
    one, then each erased citizen in one of their own)."""
    update_ids = session.execute(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < now - UPDATE_IDS_KEPT)
    )
    old_broadcasts = select(col(Broadcast.id)).where(
        col(Broadcast.state).in_(_FINISHED), col(Broadcast.send_at) < now - OUTBOX_KEPT
    )
    outbox = session.execute(delete(Outbox).where(col(Outbox.broadcast_id).in_(old_broadcasts)))
    drafts = session.execute(
        delete(Broadcast).where(
            col(Broadcast.state) == BroadcastState.DRAFT,
            col(Broadcast.created_at) < now - DRAFTS_KEPT,
        )
    )
    unsent = session.execute(
        delete(InboxItem).where(
            col(InboxItem.status) == InboxStatus.DRAFT,
            col(InboxItem.updated_at) < now - DRAFTS_KEPT,
        )
    )
    session.commit()
    citizens = 0
    if retention_days is not None:
        before = now - timedelta(days=retention_days)
        while batch := inactive_citizens(session, before):
            for citizen in batch:
                erase_citizen(session, citizen, key, answers)
                session.commit()
            citizens += len(batch)
    return Purged(
        update_ids=affected(update_ids),
        outbox_rows=affected(outbox),
        drafts=affected(drafts) + affected(unsent),
        citizens=citizens,
    )
