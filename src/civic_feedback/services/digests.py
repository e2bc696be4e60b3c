"""The Monday digest: who is owed one for which week, claimed at most once like reminders.

The rows for a week are written once, when the digest first falls due; a row is marked
``sending`` and committed before Telegram is called, so a crash never sends it twice.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from civic_feedback.storage.models import DigestDelivery, DigestState, StaffMember, utcnow
from civic_feedback.storage.roles import ALLOWED, Permission


def summary_readers(session: Session, admin_ids: Collection[int]) -> list[int]:
    """Telegram ids of everyone who may read summaries: ADMIN_IDS and granted roles."""
    roles = [role.value for role in ALLOWED[Permission.SUMMARY]]
    granted = session.execute(
        select(col(StaffMember.telegram_id)).where(col(StaffMember.role).in_(roles))
    ).scalars()
    return sorted({*admin_ids, *granted})


def owe_digests(session: Session, week: str, recipients: list[int]) -> int:
    """Owe the week's digest to ``recipients`` unless it was owed already."""
    owed = session.execute(
        select(func.count()).select_from(DigestDelivery).where(col(DigestDelivery.week) == week)
    ).scalar_one()
    if owed:
        return 0
    session.add_all(
        DigestDelivery(week=week, telegram_id=telegram_id) for telegram_id in recipients
    )
    session.flush()
    return len(recipients)


def claim_digests(session: Session, week: str) -> list[int]:
    """Mark the week's pending digests ``sending`` and commit; returns their chat ids."""
    pending = list(
        session.execute(
            select(col(DigestDelivery.telegram_id)).where(
                col(DigestDelivery.week) == week, col(DigestDelivery.state) == DigestState.PENDING
            )
        ).scalars()
    )
    if not pending:
        return []
    # Only rows still pending are taken: two processes claiming at once never share one.
    taken = session.execute(
        update(DigestDelivery)
        .where(
            col(DigestDelivery.week) == week,
            col(DigestDelivery.telegram_id).in_(pending),
            col(DigestDelivery.state) == DigestState.PENDING,
        )
        .values(state=DigestState.SENDING)
        .returning(col(DigestDelivery.telegram_id))
    )
    chats = sorted(taken.scalars())
    session.flush()
    return chats


def settle_digest(session: Session, week: str, telegram_id: int, error: str | None = None) -> None:
    """Sent, or failed with Telegram's reason."""
    session.execute(
        update(DigestDelivery)
        .where(col(DigestDelivery.week) == week, col(DigestDelivery.telegram_id) == telegram_id)
        .values(
            state=DigestState.FAILED if error else DigestState.SENT,
            sent_at=None if error else utcnow(),
            error=error[:200] if error else None,
        )
    )
    session.flush()
