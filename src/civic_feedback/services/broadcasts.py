"""Broadcasts: segments of citizens, a durable outbox, and its progress. Each step writes in
the caller's transaction; the caller commits.

Queueing writes one outbox row per recipient with a single INSERT ... SELECT, so even a
hundred thousand recipients are queued in seconds. The broadcaster claims rows in id
order, a batch at a time, marking them ``sending`` (only if still ``pending``) and committing
before it calls Telegram: a row that was ``sending`` when the process died is never sent
again on its own (at most once) and counts as uncertain (storage/claims.py) until an
organizer sends it again; every other row is sent after a restart (none is skipped).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, literal, select, update
from sqlmodel import Session, col

from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.storage.claims import count_where, renew_claims, uncertain
from civic_feedback.storage.database import affected
from civic_feedback.storage.events import ACTIVE, find_event
from civic_feedback.storage.models import (
    Broadcast,
    BroadcastState,
    OutboxState,
    Registration,
    RegistrationStatus,
    Response,
    ResponseState,
    utcnow,
)
from civic_feedback.storage.tables import CITIZEN_TABLE, OUTBOX_TABLE

SEGMENT_KINDS = ("all", "municipality", "language", "event", "registered", "responded")


class SegmentError(ValueError):
    """A segment that cannot be understood, with what to write instead."""


def segment_query(session: Session, segment: str) -> Select[Any]:
    """Citizen ids of a segment; citizens who sent /stop or blocked the bot are never in it.

    Conditions joined by ``;`` must all hold: ``municipality=Смолян;language=tr``."""
    parts = [part for part in segment.split(";") if part.strip()] or [segment]
    query = _condition(session, parts[0])
    for part in parts[1:]:
        query = query.where(CITIZEN_TABLE.c.id.in_(_condition(session, part)))
    return query


def _condition(session: Session, segment: str) -> Select[Any]:
    kind, _, value = segment.partition("=")
    kind, value = kind.strip(), value.strip()
    query = select(CITIZEN_TABLE.c.id).where(
        CITIZEN_TABLE.c.opted_out.is_(False), CITIZEN_TABLE.c.unreachable.is_(False)
    )
    if kind == "all" and not value:
        return query
    if not value or kind not in SEGMENT_KINDS or kind == "all":
        raise SegmentError(
            f"unknown segment {segment!r}: write all, municipality=NAME, language=bg, "
            "event=CODE, registered=CODE or responded=FORM, or several joined by ;"
        )
    if kind == "municipality":
        return query.where(CITIZEN_TABLE.c.municipality == value)
    if kind == "language":
        return query.where(CITIZEN_TABLE.c.language == value)
    if kind == "responded":
        if not is_valid_flow_id(value):
            raise SegmentError(f"{value!r} is not a form id")
        done = select(col(Response.citizen_id)).where(
            col(Response.flow_id) == value, col(Response.state) == ResponseState.COMPLETED
        )
        return query.where(CITIZEN_TABLE.c.id.in_(done))
    event = find_event(session, value.lower())
    if event is None:
        raise SegmentError(f"no event {value!r}: see `feedback-admin events list`")
    statuses = list(ACTIVE) + ([RegistrationStatus.WAITLISTED] if kind == "event" else [])
    people = select(col(Registration.citizen_id)).where(
        col(Registration.event_id) == event.id, col(Registration.status).in_(statuses)
    )
    return query.where(CITIZEN_TABLE.c.id.in_(people))


def audience(session: Session, segment: str) -> dict[str, int]:
    """How many citizens a segment reaches, per interface language (None: not chosen yet)."""
    ids = segment_query(session, segment).subquery()
    statement = (
        select(CITIZEN_TABLE.c.language, func.count())
        .where(CITIZEN_TABLE.c.id.in_(select(ids.c.id)))
        .group_by(CITIZEN_TABLE.c.language)
    )
    return {language or "": count for language, count in session.execute(statement)}


def queue_broadcast(session: Session, broadcast: Broadcast) -> int:
    """Store the broadcast and one outbox row per recipient.; returns the count."""
    recipients = segment_query(session, broadcast.segment).subquery()
    broadcast.state, broadcast.awaiting_text = BroadcastState.QUEUED, None  # a draft no more
    session.add(broadcast)
    session.flush()
    pending = select(literal(broadcast.id), recipients.c.id, literal(OutboxState.PENDING.value))
    session.execute(
        insert(OUTBOX_TABLE).from_select(["broadcast_id", "citizen_id", "state"], pending)
    )
    session.flush()
    return count_recipients(session, broadcast)


def count_recipients(session: Session, broadcast: Broadcast) -> int:
    statement = select(func.count()).where(OUTBOX_TABLE.c.broadcast_id == broadcast.id)
    total: int = session.execute(statement).scalar_one()
    return total


@dataclass(frozen=True)
class Progress:
    """Where a broadcast stands, for `broadcast status` and the organizer's chat."""

    id: int
    state: str
    segment: str
    send_at: datetime
    total: int
    sent: int
    failed: int
    unreachable: int
    cancelled: int
    uncertain: int  # claimed by a process that stopped before it said how the call ended

    @property
    def left(self) -> int:
        """Still to send, or on their way now."""
        ended = self.sent + self.failed + self.unreachable + self.cancelled + self.uncertain
        return self.total - ended

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "total": self.total,
            "sent": self.sent,
            "failed": self.failed,
            "unreachable": self.unreachable,
            "cancelled": self.cancelled,
            "uncertain": self.uncertain,
            "left": self.left,
        }


def progress(session: Session, broadcast: Broadcast, now: datetime) -> Progress:
    """The broadcast's counts; a row ``sending`` a lease after its claim is uncertain."""
    statement = (
        select(OUTBOX_TABLE.c.state, func.count(), count_where(uncertain(OUTBOX_TABLE, now)))
        .where(OUTBOX_TABLE.c.broadcast_id == broadcast.id)
        .group_by(OUTBOX_TABLE.c.state)
    )
    counts: dict[str, int] = {"uncertain": 0}
    for state, count, stale in session.execute(statement):
        counts[state] = count - stale
        counts["uncertain"] += stale
    assert broadcast.id is not None
    return Progress(
        id=broadcast.id,
        state=broadcast.state,
        segment=broadcast.segment,
        send_at=broadcast.send_at,
        total=sum(counts.values()),
        sent=counts.get(OutboxState.SENT, 0),
        failed=counts.get(OutboxState.FAILED, 0),
        unreachable=counts.get(OutboxState.UNREACHABLE, 0),
        cancelled=counts.get(OutboxState.CANCELLED, 0),
        uncertain=counts["uncertain"],
    )


@dataclass(frozen=True)
class UncertainDelivery:
    """A recipient who may or may not have got the broadcast."""

    outbox_id: int
    telegram_id: int
    language: str | None
    claimed_at: datetime | None  # None: claimed before claims had a time


def uncertain_deliveries(
    session: Session, broadcast: Broadcast, now: datetime
) -> list[UncertainDelivery]:
    """The broadcast's uncertain rows, in the order they were claimed."""
    rows = session.execute(
        select(
            OUTBOX_TABLE.c.id,
            CITIZEN_TABLE.c.telegram_id,
            CITIZEN_TABLE.c.language,
            OUTBOX_TABLE.c.claimed_at,
        )
        .join(CITIZEN_TABLE, CITIZEN_TABLE.c.id == OUTBOX_TABLE.c.citizen_id)
        .where(OUTBOX_TABLE.c.broadcast_id == broadcast.id, uncertain(OUTBOX_TABLE, now))
        .order_by(OUTBOX_TABLE.c.id)
    )
    return [UncertainDelivery(*row) for row in rows]


def resend_uncertain(session: Session, broadcast: Broadcast, now: datetime) -> int:
    """Queue the broadcast's uncertain rows again (their citizens may get it twice); the
    broadcaster sends them at the normal pace, skipping citizens who since sent /stop or
    blocked the bot. Returns how many were queued."""
    result = session.execute(
        update(OUTBOX_TABLE)
        .where(OUTBOX_TABLE.c.broadcast_id == broadcast.id, uncertain(OUTBOX_TABLE, now))
        .values(state=OutboxState.PENDING, claimed_at=None)
    )
    queued = affected(result)
    if queued:
        broadcast.state = BroadcastState.SENDING
        session.add(broadcast)
    session.flush()
    return queued


def cancel_broadcast(session: Session, broadcast: Broadcast) -> int:
    """Stop a broadcast: rows not yet handed to Telegram are cancelled."""
    result = session.execute(
        update(OUTBOX_TABLE)
        .where(
            OUTBOX_TABLE.c.broadcast_id == broadcast.id, OUTBOX_TABLE.c.state == OutboxState.PENDING
        )
        .values(state=OutboxState.CANCELLED)
    )
    broadcast.state = BroadcastState.CANCELLED
    session.add(broadcast)
    session.flush()
    return affected(result)


@dataclass(frozen=True)
class ClaimedOutboxRow:
    """One outbox row to send now."""

    outbox_id: int
    chat_id: int
    language: str | None


def next_broadcast(session: Session, now: datetime) -> Broadcast | None:
    """The oldest broadcast that is due and not finished."""
    statement = (
        select(Broadcast)
        .where(
            col(Broadcast.state).in_([BroadcastState.QUEUED, BroadcastState.SENDING]),
            col(Broadcast.send_at) <= now,
        )
        .order_by(col(Broadcast.send_at), col(Broadcast.id))
        .limit(1)
    )
    return session.execute(statement).scalars().first()


def claim_deliveries(
    session: Session, broadcast: Broadcast, limit: int, *, now: datetime
) -> list[ClaimedOutboxRow]:
    """Mark the next ``limit`` pending rows ``sending``, claimed ``now``; the caller commits
    before it sends them. The broadcast is done when none is left.

    A citizen who sent /stop (or blocked the bot) since the broadcast was queued is skipped.
    """
    rows = session.execute(
        select(
            OUTBOX_TABLE.c.id,
            CITIZEN_TABLE.c.telegram_id,
            CITIZEN_TABLE.c.language,
            CITIZEN_TABLE.c.opted_out | CITIZEN_TABLE.c.unreachable,
        )
        .join(CITIZEN_TABLE, CITIZEN_TABLE.c.id == OUTBOX_TABLE.c.citizen_id)
        .where(
            OUTBOX_TABLE.c.broadcast_id == broadcast.id, OUTBOX_TABLE.c.state == OutboxState.PENDING
        )
        .order_by(OUTBOX_TABLE.c.id)
        .limit(limit)
    ).all()
    taken: set[int] = set()
    for ids, state in (([r[0] for r in rows if not r[3]], OutboxState.SENDING),
                       ([r[0] for r in rows if r[3]], OutboxState.CANCELLED)):  # fmt: skip
        if ids:
            # Only rows still pending change (and are sent): should two processes claim at
            # once (a leader that lost its lock and the next one), each row goes to one.
            result = session.execute(
                update(OUTBOX_TABLE)
                .where(OUTBOX_TABLE.c.id.in_(ids), OUTBOX_TABLE.c.state == OutboxState.PENDING)
                .values(state=state, claimed_at=now if state == OutboxState.SENDING else None)
                .returning(OUTBOX_TABLE.c.id)
            )
            taken.update(result.scalars())
    send = [row for row in rows if not row[3] and row[0] in taken]
    # In the table, not through the caller's copy: one cancelled meanwhile stays cancelled.
    session.execute(
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast.id,
            col(Broadcast.state).in_([BroadcastState.QUEUED, BroadcastState.SENDING]),
        )
        .values(state=BroadcastState.SENDING if rows else BroadcastState.DONE)
    )
    if broadcast in session:
        session.expire(broadcast, ["state"])
    session.flush()
    if rows and not send:  # only skipped rows in this batch: claim the next ones
        return claim_deliveries(session, broadcast, limit, now=now)
    return [
        ClaimedOutboxRow(outbox_id, chat_id, language) for outbox_id, chat_id, language, _ in send
    ]


def settle_sent(session: Session, outbox_ids: Collection[int], now: datetime) -> None:
    """Record deliveries Telegram accepted, in one statement."""
    if outbox_ids:
        session.execute(
            update(OUTBOX_TABLE)
            .where(OUTBOX_TABLE.c.id.in_(outbox_ids), OUTBOX_TABLE.c.state == OutboxState.SENDING)
            .values(state=OutboxState.SENT, sent_at=now)
        )
        session.flush()


def settle(session: Session, outbox_id: int, state: OutboxState, error: str | None = None) -> None:
    """Record how one delivery ended; a blocked citizen gets nothing more, anywhere.

    Only a row still ``sending`` changes: one an organizer queued again meanwhile is sent
    again."""
    values: dict[str, Any] = {"state": state, "error": error[:200] if error else None}
    if state == OutboxState.SENT:
        values["sent_at"] = utcnow()
    session.execute(
        update(OUTBOX_TABLE)
        .where(OUTBOX_TABLE.c.id == outbox_id, OUTBOX_TABLE.c.state == OutboxState.SENDING)
        .values(**values)
    )
    if state == OutboxState.UNREACHABLE:
        citizen_id = select(OUTBOX_TABLE.c.citizen_id).where(OUTBOX_TABLE.c.id == outbox_id)
        session.execute(
            update(CITIZEN_TABLE)
            .where(CITIZEN_TABLE.c.id == citizen_id.scalar_subquery())
            .values(unreachable=True)
        )
        session.execute(
            update(OUTBOX_TABLE)
            .where(
                OUTBOX_TABLE.c.citizen_id == citizen_id.scalar_subquery(),
                OUTBOX_TABLE.c.state == OutboxState.PENDING,
            )
            .values(state=OutboxState.UNREACHABLE)
        )
    session.flush()


def renew_deliveries(session: Session, outbox_ids: Collection[int], now: datetime) -> None:
    """These deliveries' calls are still on their way (a 429, a retry): not uncertain."""
    renew_claims(session, OUTBOX_TABLE, outbox_ids, now)


def release_deliveries(session: Session, outbox_ids: Collection[int]) -> None:
    """Claimed rows that were never handed to Telegram (the broadcaster was stopped before
    their turn): pending again, for the next broadcaster to send."""
    if outbox_ids:
        session.execute(
            update(OUTBOX_TABLE)
            .where(OUTBOX_TABLE.c.id.in_(outbox_ids), OUTBOX_TABLE.c.state == OutboxState.SENDING)
            .values(state=OutboxState.PENDING, claimed_at=None)
        )
        session.flush()


def recent_broadcasts(session: Session, limit: int = 50) -> list[Broadcast]:
    """The latest broadcasts, newest first; drafts still being composed are not among them."""
    statement = (
        select(Broadcast)
        .where(col(Broadcast.state) != BroadcastState.DRAFT)
        .order_by(col(Broadcast.id).desc())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())


# --- composed in Telegram: a draft row holds the texts between the organizer's steps --------


def start_draft(
    session: Session, *, chat_id: int, language: str, text_language: str, created_by: str
) -> Broadcast:
    """A new draft for the organizer's chat, awaiting its first text; older drafts go."""
    session.execute(
        delete(Broadcast).where(
            col(Broadcast.report_chat_id) == chat_id, col(Broadcast.state) == BroadcastState.DRAFT
        )
    )
    draft = Broadcast(
        texts={},
        segment="",
        send_at=utcnow(),
        state=BroadcastState.DRAFT,
        created_by=created_by,
        report_chat_id=chat_id,
        report_language=language,
        awaiting_text=text_language,
    )
    session.add(draft)
    session.flush()
    return draft


def draft_of(session: Session, chat_id: int, broadcast_id: int | None = None) -> Broadcast | None:
    """The chat's draft (that one, when ``broadcast_id`` is given); None once sent or dropped."""
    statement = select(Broadcast).where(
        col(Broadcast.report_chat_id) == chat_id, col(Broadcast.state) == BroadcastState.DRAFT
    )
    if broadcast_id is not None:
        statement = statement.where(col(Broadcast.id) == broadcast_id)
    return session.execute(statement.order_by(col(Broadcast.id).desc())).scalars().first()


def drop_draft(session: Session, draft: Broadcast) -> None:
    """Forget a draft nobody will send."""
    session.delete(draft)
    session.flush()
