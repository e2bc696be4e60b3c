"""Due notifications: claimed at most once, then marked sent, failed or skipped. Each step
writes in the caller's transaction; the caller commits.

A notification is marked ``sending``, with the time of its claim, and committed before it is
handed to Telegram. If the process dies in between, it stays ``sending`` and is never sent
again: a citizen may miss a reminder after a crash, but never gets one twice, and
``events show`` counts it as uncertain, not as sent (storage/claims.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from civic_feedback.core.event_schedule import FollowUpPolicy, followup_time, reminder_is_late
from civic_feedback.storage.claims import renew_claims
from civic_feedback.storage.database import affected
from civic_feedback.storage.models import (
    Citizen,
    Event,
    EventState,
    Notification,
    NotificationKind,
    NotificationState,
    Registration,
    RegistrationStatus,
)
from civic_feedback.storage.tables import NOTIFICATION_TABLE

Answered = Callable[[Session, Citizen, Event], bool]
"""Whether the citizen already answered the event's feedback form."""

CHANGE_NOTICES = (NotificationKind.RESCHEDULED, NotificationKind.PLACE_CHANGED)
_HAS_A_PLACE = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)


@dataclass(frozen=True)
class Claimed:
    """A notification to send now, with what the message needs."""

    id: int
    kind: NotificationKind
    chat_id: int
    language: str | None
    event: Event


@dataclass(frozen=True)
class DueBatch:
    """Due notifications taken in one go: those to send, and how many were settled instead."""

    to_send: list[Claimed]
    settled: int

    @property
    def empty(self) -> bool:
        return not self.to_send and not self.settled


def claim_due(
    session: Session,
    now: datetime,
    answered: Answered,
    limit: int = 50,
    send_at_most: int | None = None,
) -> DueBatch:
    """Take up to ``limit`` due notifications, of which at most ``send_at_most`` to send;
    those that no longer apply are settled here."""
    statement = (
        select(Notification, Event, Citizen)
        .join(Event, col(Event.id) == Notification.event_id)
        .join(Citizen, col(Citizen.id) == Notification.citizen_id)
        .where(Notification.state == NotificationState.PENDING, col(Notification.due_at) <= now)
        .order_by(col(Notification.due_at), col(Notification.id))
        .limit(limit)
    )
    claimed: list[Claimed] = []
    settled = 0
    rows = session.exec(statement).all()
    for note, event, citizen in rows:
        if send_at_most is not None and len(claimed) >= send_at_most:
            break  # the rest stay pending for the next claim
        verdict = _verdict(session, note, event, citizen, now, answered)
        # Only a row still pending changes: should two processes claim at once (a leader
        # that lost its lock and the next one), the second finds it taken and skips it.
        taken = session.execute(
            update(Notification)
            .where(
                col(Notification.id) == note.id,
                col(Notification.state) == NotificationState.PENDING,
            )
            .values(state=verdict, claimed_at=now if verdict == NotificationState.SENDING else None)
        )
        if not affected(taken):
            continue
        if verdict != NotificationState.SENDING:
            settled += 1
            continue
        assert note.id is not None
        kind = NotificationKind(note.kind)
        claimed.append(Claimed(note.id, kind, citizen.telegram_id, citizen.language, event))
    session.flush()
    return DueBatch(claimed, settled)


def _verdict(
    session: Session,
    note: Notification,
    event: Event,
    citizen: Citizen,
    now: datetime,
    answered: Answered,
) -> NotificationState:
    kind = note.kind
    if citizen.unreachable:
        return NotificationState.SKIPPED
    if event.state == EventState.CANCELLED and kind != NotificationKind.CANCELLED:
        return NotificationState.CANCELLED
    status = _status(session, event, citizen)
    if kind == NotificationKind.REMINDER:
        if status not in _HAS_A_PLACE:
            return NotificationState.CANCELLED
        return (
            NotificationState.MISSED
            if reminder_is_late(event.starts_at, now)
            else (NotificationState.SENDING)
        )
    if kind == NotificationKind.INVITATION:
        came = status == RegistrationStatus.ATTENDED or (
            status == RegistrationStatus.REGISTERED and not _had_check_in(session, event)
        )
        if not came or answered(session, citizen, event):
            return NotificationState.SKIPPED
    if kind == NotificationKind.FOLLOWUP and answered(session, citizen, event):
        return NotificationState.SKIPPED
    if kind in CHANGE_NOTICES:
        if status not in (*_HAS_A_PLACE, RegistrationStatus.WAITLISTED):
            return NotificationState.CANCELLED
        if event.ends_at <= now:
            return NotificationState.MISSED  # the news came too late to be of use
    return NotificationState.SENDING


def _status(session: Session, event: Event, citizen: Citizen) -> str | None:
    statement = select(Registration.status).where(
        Registration.event_id == event.id, Registration.citizen_id == citizen.id
    )
    return session.exec(statement).first()


def _had_check_in(session: Session, event: Event) -> bool:
    statement = select(func.count()).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.ATTENDED
    )
    return session.exec(statement).one() > 0


def mark_sent(session: Session, claimed: Claimed, now: datetime, policy: FollowUpPolicy) -> None:
    """Record a delivered notification; an invitation gets its one follow-up."""
    _settle(session, claimed, state=NotificationState.SENT, sent_at=now)
    if claimed.kind == NotificationKind.INVITATION:
        note = session.get(Notification, claimed.id)
        assert note is not None
        session.add(
            Notification(
                kind=NotificationKind.FOLLOWUP,
                event_id=note.event_id,
                citizen_id=note.citizen_id,
                due_at=followup_time(now, policy),
            )
        )
    session.flush()


def mark_failed(session: Session, claimed: Claimed, error: str) -> None:
    """Telegram refused the message (not a block): recorded, not retried."""
    _settle(session, claimed, state=NotificationState.FAILED, error=error[:200])
    session.flush()


def _settle(session: Session, claimed: Claimed, **values: object) -> None:
    """The outcome of a claimed row, unless it is owed again since its claim (its event
    moved while the message was on its way: a reminder of the new time is another message)."""
    session.execute(
        update(Notification)
        .where(
            col(Notification.id) == claimed.id,
            col(Notification.state) == NotificationState.SENDING,
        )
        .values(**values)
    )


def mark_unreachable(session: Session, claimed: Claimed) -> None:
    """The citizen blocked the bot: nothing more is sent to them, anywhere."""
    citizen = session.exec(select(Citizen).where(Citizen.telegram_id == claimed.chat_id)).one()
    citizen.unreachable = True
    session.add(citizen)
    session.execute(
        update(Notification)
        .where(
            col(Notification.citizen_id) == citizen.id,
            col(Notification.state).in_([NotificationState.PENDING, NotificationState.SENDING]),
        )
        .values(state=NotificationState.SKIPPED, error="blocked the bot")
    )
    session.flush()


def renew_notifications(session: Session, ids: Collection[int], now: datetime) -> None:
    """Their calls are still on their way (a 429, a retry): not uncertain."""
    renew_claims(session, NOTIFICATION_TABLE, ids, now)


def next_due(session: Session) -> datetime | None:
    """When the earliest pending notification is due."""
    statement = select(func.min(Notification.due_at)).where(
        Notification.state == NotificationState.PENDING
    )
    return session.exec(statement).one()
