"""Where a citizen's message stands: received → in progress → resolved (or not ours, or
will not be done, with the reason). The citizen is told each change; once a message is
resolved they are asked, once, whether it is, and a "no" opens it again.

Each step writes in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from civic_feedback.services.inbox import first_message
from civic_feedback.storage.models import (
    Citizen,
    DeliveryState,
    InboxAuthor,
    InboxItem,
    InboxMessage,
    InboxStatus,
)

STAFF_SETS = (
    InboxStatus.IN_PROGRESS,
    InboxStatus.RESOLVED,
    InboxStatus.NOT_OURS,
    InboxStatus.WONT_DO,
)
NEEDS_REASON = (InboxStatus.NOT_OURS, InboxStatus.WONT_DO)  # where it went, or why not
ENDED = (InboxStatus.RESOLVED, InboxStatus.NOT_OURS, InboxStatus.WONT_DO, InboxStatus.CLOSED)
REASON_LIMIT = 1000
RATINGS = range(1, 6)


class StatusError(ValueError):
    """A change staff cannot make; the message says what to do instead."""


def set_status(
    session: Session, item: InboxItem, status: InboxStatus, reason: str | None, now: datetime
) -> InboxMessage | None:
    """Move the item to ``status``; the citizen is owed a notice (None when the item has no
    author to tell: erased, or an anonymous form)."""
    if status not in STAFF_SETS:
        raise StatusError(f"choose one of {', '.join(s.value for s in STAFF_SETS)}")
    reason = (reason or "").strip() or None
    if status in NEEDS_REASON and reason is None:
        raise StatusError(f"{status.value} needs the reason (where it went, or why not)")
    if reason is not None and len(reason) > REASON_LIMIT:
        raise StatusError(f"the reason is {len(reason)} characters; at most {REASON_LIMIT}")
    if item.status == status:
        raise StatusError(f"#{item.id} is {status.value} already")
    item.status, item.status_reason, item.updated_at = status, reason, now
    item.closed_at = now if status in ENDED else None
    if status is InboxStatus.RESOLVED:
        item.resolved_at = now
    session.add(item)
    if item.citizen_id is None:
        session.flush()
        return None
    assert item.id is not None
    notice = InboxMessage(
        item_id=item.id,
        author=InboxAuthor.STATUS,
        text=reason or "",
        status=status,
        created_at=now,
        state=DeliveryState.PENDING,
    )
    session.add(notice)
    session.flush()
    return notice


def asks_confirmation(item: InboxItem, notice: InboxMessage) -> bool:
    """Whether this notice asks "Was it resolved?": the first "resolved" only."""
    return notice.status == InboxStatus.RESOLVED and not item.confirmation_asked


def mark_asked(session: Session, item_id: int) -> None:
    item = session.get(InboxItem, item_id)
    if item is not None:
        item.confirmation_asked = True
        session.add(item)
        session.flush()


def confirm(
    session: Session, citizen: Citizen, item_id: int, resolved: bool, note: str, now: datetime
) -> InboxItem | None:
    """The citizen's answer to "Was it resolved?", once. A "no" opens the item again and
    ``note`` (in the staff's language) goes to their group. None for an old button."""
    item = session.get(InboxItem, item_id)
    if item is None or item.citizen_id != citizen.id or not item.confirmation_asked:
        return None
    if item.confirmed is not None:
        return None
    item.confirmed = resolved
    if not resolved:
        item.status, item.closed_at, item.updated_at = InboxStatus.NEW, None, now
        session.add(
            InboxMessage(item_id=item_id, author=InboxAuthor.CITIZEN, text=note, created_at=now)
        )
    session.add(item)
    session.flush()
    return item


def rate(session: Session, citizen: Citizen, item_id: int, rating: int) -> bool:
    """How the citizen rates the resolution (1-5), once, after saying it was resolved."""
    item = session.get(InboxItem, item_id)
    if item is None or item.citizen_id != citizen.id or item.confirmed is not True:
        return False
    if rating not in RATINGS or item.resolution_rating is not None:
        return False
    item.resolution_rating = rating
    session.add(item)
    session.flush()
    return True


def opening_text(session: Session, item: InboxItem) -> str:
    """The citizen's first words, to remind them which message a notice is about."""
    text = first_message(session, item).text
    return text if len(text) <= 80 else text[:79] + "…"
