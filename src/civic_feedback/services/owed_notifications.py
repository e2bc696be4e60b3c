"""The notification rows a change owes citizens: one row per message, revived or cancelled as
the event and the registrations change. Written in the caller's transaction.

A row is one message to one citizen (kind, event, citizen and ``offset_seconds``, which says
which reminder, or which change a notice announces). The worker sends each row at most once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import Session, col, select, update

from civic_feedback.storage.models import Event, Notification, NotificationKind, NotificationState

# What a row in these states said is out of date once the event moved: its message may be
# owed again. Only a citizen's block (skipped) keeps a row settled whatever happens.
_SETTLED_BEFORE_A_MOVE = (
    NotificationState.SENT,
    NotificationState.SENDING,
    NotificationState.MISSED,
    NotificationState.FAILED,
)
_AT_A_TIME = 500  # citizens whose rows one query reads (SQLite takes a few thousand values)


def owe(
    session: Session,
    kind: NotificationKind,
    event: Event,
    citizen_id: int,
    due: datetime,
    offset: int = 0,
) -> None:
    """A notification row, or the existing one made pending again at ``due``; a row already
    sent (or missed, or refused) stays as it is: each message goes once per citizen."""
    owe_each(session, kind, event, [citizen_id], due, offset)


def owe_each(
    session: Session,
    kind: NotificationKind,
    event: Event,
    citizen_ids: Sequence[int],
    due: datetime,
    offset: int = 0,
    *,
    even_if_sent: bool = False,
) -> None:
    """``owe`` for many citizens at once, their existing rows read in a few queries.

    ``even_if_sent``: the message is a new one all the same (a reminder of an event that moved
    says another time), so a row already sent, missed or refused is owed again.
    """
    assert event.id is not None
    revivable = [NotificationState.CANCELLED, NotificationState.PENDING]
    if even_if_sent:
        revivable += _SETTLED_BEFORE_A_MOVE
    for start in range(0, len(citizen_ids), _AT_A_TIME):
        chunk = citizen_ids[start : start + _AT_A_TIME]
        statement = select(Notification).where(
            Notification.kind == kind,
            Notification.event_id == event.id,
            Notification.offset_seconds == offset,
            col(Notification.citizen_id).in_(chunk),
        )
        rows = {row.citizen_id: row for row in session.exec(statement)}
        for citizen_id in chunk:
            row = rows.get(citizen_id)
            if row is None:
                row = Notification(
                    kind=kind,
                    event_id=event.id,
                    citizen_id=citizen_id,
                    offset_seconds=offset,
                    due_at=due,
                )
            elif row.state in revivable:
                row.state, row.due_at = NotificationState.PENDING, due
                row.sent_at = row.error = None
            else:
                continue
            session.add(row)


def cancel_pending(
    session: Session,
    *,
    event_id: int | None,
    citizen_id: int | None = None,
    kind: NotificationKind | None = None,
    keep_offsets: Collection[int] | None = None,
) -> None:
    """Pending rows of the event (of one citizen, one kind) are no longer owed; with
    ``keep_offsets``, those with one of these offsets still are."""
    statement = (
        update(Notification)
        .where(
            col(Notification.event_id) == event_id,
            col(Notification.state) == NotificationState.PENDING,
        )
        .values(state=NotificationState.CANCELLED)
    )
    if citizen_id is not None:
        statement = statement.where(col(Notification.citizen_id) == citizen_id)
    if kind is not None:
        statement = statement.where(col(Notification.kind) == kind)
    if keep_offsets is not None:
        statement = statement.where(col(Notification.offset_seconds).not_in(keep_offsets))
    session.flush()  # rows added in this transaction are cancelled too
    session.execute(statement.execution_options(synchronize_session="fetch"))
