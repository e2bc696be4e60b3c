"""Erasing a citizen: /forget, ``feedback-admin users forget`` and retention all come here.

The citizen row goes, and with it (ON DELETE CASCADE) their registrations, reminders,
outbox rows, the consultations they follow and the form they were in. Their answers, their
messages to the municipality (the inbox) and their proposals on consultations are detached
(``citizen_id`` set to NULL: the statistics stay true, the name they let staff or the report
see goes) or deleted, as ``ERASE_ANSWERS`` says. Their photos, files, voice notes and
places go in any case, and the bot's copies of them in staff groups are queued for deletion
(the inbox courier deletes them). Receipts of
anonymous forms are keyed hashes of the Telegram id: they are recomputed and deleted too,
so nothing left in the database can be matched to the person, even with ``PSEUDONYM_KEY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.core.pseudonyms import anonymous_receipt_key
from civic_feedback.services.inbox_media import erase_media_of
from civic_feedback.storage.database import affected
from civic_feedback.storage.models import (
    AnonymousReceipt,
    Citizen,
    Event,
    Form,
    InboxItem,
    InboxStatus,
    Proposal,
    Response,
    StaffMember,
)
from civic_feedback.storage.rollup_forgetting import forget_days_of


@dataclass(frozen=True)
class Erased:
    responses: int  # detached or deleted
    receipts: int
    copies: int  # of their photos, files and places in staff groups, queued for deletion


def erase_citizen(
    session: Session, citizen: Citizen, key: bytes, answers: AnswersOnErasure
) -> Erased:
    """Erase everything that points at the citizen."""
    assert citizen.id is not None
    copies = erase_media_of(session, citizen.id)  # photos and places go whatever the policy
    responses = col(Response.citizen_id) == citizen.id
    forget_days_of(session, responses)  # what those days count changes
    if answers is AnswersOnErasure.DELETE:
        changed = session.execute(delete(Response).where(responses))
    else:
        changed = session.execute(update(Response).where(responses).values(citizen_id=None))
    items = col(InboxItem.citizen_id) == citizen.id
    if answers is AnswersOnErasure.DELETE:
        session.execute(delete(InboxItem).where(items))
    else:  # the citizen's row going unlinks the items; who they were must go with it
        session.execute(delete(InboxItem).where(items, col(InboxItem.status) == InboxStatus.DRAFT))
        session.execute(
            update(InboxItem).where(items).values(contact_name=None, contact_allowed=False)
        )
    proposals = col(Proposal.citizen_id) == citizen.id
    if answers is AnswersOnErasure.DELETE:
        session.execute(delete(Proposal).where(proposals))
    else:  # detached with the citizen's row; the name they let the report show goes
        session.execute(update(Proposal).where(proposals).values(author_name=None))
    receipts = _receipt_keys(session, key, citizen.telegram_id)
    removed = session.execute(
        delete(AnonymousReceipt).where(col(AnonymousReceipt.key).in_(receipts))
    )
    session.execute(delete(StaffMember).where(col(StaffMember.telegram_id) == citizen.telegram_id))
    session.delete(citizen)
    session.flush()
    return Erased(
        responses=affected(changed),
        receipts=affected(removed),
        copies=copies,
    )


def _receipt_keys(session: Session, key: bytes, telegram_id: int) -> list[str]:
    """Every receipt the citizen could have left: each form alone and with each event."""
    pairs: list[tuple[str, int | None]] = [
        (flow_id, None) for flow_id in session.execute(select(col(Form.flow_id))).scalars()
    ]
    pairs += [
        (flow_id, event_id)
        for event_id, flow_id in session.execute(select(col(Event.id), col(Event.flow_id)))
    ]
    return [
        anonymous_receipt_key(key, telegram_id, flow_id, event_id) for flow_id, event_id in pairs
    ]


def inactive_citizens(session: Session, before: datetime, limit: int = 500) -> list[Citizen]:
    """Citizens last seen before ``before``: what RETENTION_DAYS erases."""
    statement = (
        select(Citizen)
        .where(col(Citizen.last_seen) < before)
        .order_by(col(Citizen.id))
        .limit(limit)
    )
    return list(session.execute(statement).scalars())
