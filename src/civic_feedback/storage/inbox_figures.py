"""The inbox's figures for a period: what came in, what was answered and how fast, what
was resolved (and whether citizens agree), and what still waits. Counted in the database
per municipality (or per topic, for the project report); only answer and resolution times
(one per item) and the people who wrote or joined come back as rows, for the medians and to
count each person once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from civic_feedback.storage.models import InboxItem, InboxStatus, InboxSupporter


@dataclass
class InboxCounts:
    """One municipality's (or topic's) inbox in the period (``None``: citizens who chose no
    municipality)."""

    received: int = 0  # items sent in the period
    answered: int = 0  # items first answered in the period
    answer_times: list[float] = field(default_factory=list)  # seconds to that first answer
    oldest_unanswered: tuple[int, datetime] | None = None  # (item, sent) still waiting at end
    resolved: int = 0  # items resolved in the period
    resolve_times: list[float] = field(default_factory=list)  # seconds from sent to resolved
    confirmed: int = 0  # of those, how many their authors confirmed resolved
    asked: int = 0  # ... and how many authors answered "Was it resolved?"
    ratings: list[int] = field(default_factory=list)  # 1-5: how they rated the resolution
    joined: int = 0  # "+1"s in the period: citizens who joined an earlier report instead
    people: set[int] = field(default_factory=set)  # who sent or joined a report in the period
    erased_authors: int = 0  # items whose author has since been erased: one person each


def inbox_counts(
    session: Session,
    start: datetime,
    end: datetime,
    municipality: str | None = None,
    *,
    by: Literal["municipality", "topic"] = "municipality",
) -> dict[str | None, InboxCounts]:
    """Per municipality, or per topic (``by``); with ``municipality``, only its items. Every
    item falls in exactly one group, so the groups add up to the same whole either way."""
    group = col(InboxItem.topic) if by == "topic" else col(InboxItem.municipality)
    counts: defaultdict[str | None, InboxCounts] = defaultdict(InboxCounts)
    sent = _sent(municipality)
    received = select(group, func.count()).where(
        *sent, col(InboxItem.created_at) >= start, col(InboxItem.created_at) < end
    )
    for place, number in session.exec(received.group_by(group)):
        counts[place].received = number
    _count_people(session, counts, start, end, municipality, group)
    answered = select(group, InboxItem.created_at, InboxItem.first_answered_at).where(
        *sent, col(InboxItem.first_answered_at) >= start, col(InboxItem.first_answered_at) < end
    )
    for place, created, first in session.exec(answered):
        assert first is not None
        counts[place].answered += 1
        counts[place].answer_times.append(max((first - created).total_seconds(), 0.0))
    resolved = sa_select(
        group,
        col(InboxItem.created_at),
        col(InboxItem.resolved_at),
        col(InboxItem.confirmed),
        col(InboxItem.resolution_rating),
    ).where(*sent, col(InboxItem.resolved_at) >= start, col(InboxItem.resolved_at) < end)
    for place, created, done, confirmed, rating in session.execute(resolved).all():
        assert done is not None
        tally = counts[place]
        tally.resolved += 1
        tally.resolve_times.append(max((done - created).total_seconds(), 0.0))
        tally.asked += confirmed is not None
        tally.confirmed += confirmed is True
        if rating is not None:
            tally.ratings.append(rating)
    waiting = (
        select(group, func.min(InboxItem.created_at))
        .where(*sent, col(InboxItem.created_at) < end, _unanswered_at(end))
        .group_by(group)
    )
    for place, oldest in session.exec(waiting):
        first_id = session.exec(
            select(func.min(InboxItem.id)).where(
                *sent,
                group.is_(None) if place is None else group == place,
                col(InboxItem.created_at) == oldest,
                _unanswered_at(end),
            )
        ).one()
        counts[place].oldest_unanswered = (int(first_id or 0), oldest)
    return dict(counts)


def _count_people(
    session: Session,
    counts: defaultdict[str | None, InboxCounts],
    start: datetime,
    end: datetime,
    municipality: str | None,
    group: Mapped[str | None],
) -> None:
    """Who is affected: the authors of the reports sent in the period and those who joined
    one ("+1") in it. A joined report is not a new problem, so it adds people, not items."""
    authors = select(group, InboxItem.citizen_id).where(
        *_sent(municipality), col(InboxItem.created_at) >= start, col(InboxItem.created_at) < end
    )
    for place, citizen in session.exec(authors):
        if citizen is None:
            counts[place].erased_authors += 1
        else:
            counts[place].people.add(citizen)
    joined = (
        select(group, InboxSupporter.citizen_id)
        .join(InboxItem, col(InboxItem.id) == col(InboxSupporter.item_id))
        .where(
            *_sent(municipality),
            col(InboxSupporter.joined_at) >= start,
            col(InboxSupporter.joined_at) < end,
        )
    )
    for place, citizen in session.exec(joined):
        counts[place].joined += 1
        counts[place].people.add(citizen)


def _sent(municipality: str | None) -> list[ColumnElement[bool]]:
    conditions = [col(InboxItem.status) != InboxStatus.DRAFT]
    if municipality is not None:
        conditions.append(col(InboxItem.municipality) == municipality)
    return conditions


def _unanswered_at(end: datetime) -> ColumnElement[bool]:
    """Not answered, and not closed, by ``end``."""
    return and_(
        or_(col(InboxItem.first_answered_at).is_(None), col(InboxItem.first_answered_at) >= end),
        or_(col(InboxItem.closed_at).is_(None), col(InboxItem.closed_at) >= end),
    )
