"""The summary's counts summed from the roll-ups of whole days (storage/rollups.py).

A period is cut into the days rolled up inside it, read here, and the stretches between
them (the first and last hours of a period that does not start or end at midnight, today,
a day a change reached), which storage/summary_queries.py counts from the answers. The rows
returned have the shape of the rows counted from the answers, so the two simply add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, case, func, select
from sqlmodel import Session

from civic_feedback.storage.summary_scope import UNKNOWN, Scope
from civic_feedback.storage.tables import (
    EVENT_TABLE,
    ROLLUP_COMPLETED_TABLE,
    ROLLUP_DAY_TABLE,
    ROLLUP_OPTION_TABLE,
    ROLLUP_STARTED_TABLE,
    ROLLUP_TEXT_TABLE,
    ROLLUP_VALUE_TABLE,
)


@dataclass(frozen=True)
class Plan:
    """How a period is counted: the rolled-up days inside it, and the stretches left."""

    day_ids: list[int]  # of the spans (months and days) summed
    gaps: list[tuple[datetime, datetime]]  # [start, end) in UTC, counted from the answers
    # Whether "started and completed before the period's end" can come from the roll-ups:
    # they know the day a response was completed on, so the period must end at a midnight.
    ends_at_midnight: bool

    @property
    def rolled(self) -> bool:
        return bool(self.day_ids)


def plan(session: Session, scope: Scope) -> Plan:
    """The rolled-up months, and days outside them, that lie wholly inside the period."""
    span = ROLLUP_DAY_TABLE.c
    spans = session.execute(
        select(span.id, span.span, span.starts_at, span.ends_at, span.zone)
        .where(span.starts_at >= scope.start, span.ends_at <= scope.end)
        .order_by(span.starts_at, span.ends_at.desc())  # a month before its first day
    ).all()
    if not spans:
        return Plan([], [(scope.start, scope.end)], ends_at_midnight=False)
    chosen, gaps, cursor = [], [], scope.start
    for span_id, _, starts_at, ends_at, _ in spans:
        starts_at, ends_at = _utc(starts_at), _utc(ends_at)
        if starts_at < cursor:
            continue  # a day of a month taken whole
        if starts_at > cursor:
            gaps.append((cursor, starts_at))
        chosen.append(span_id)
        cursor = ends_at
    if cursor < scope.end:
        gaps.append((cursor, scope.end))
    zone = ZoneInfo(spans[0][4])
    return Plan(chosen, gaps, ends_at_midnight=_midnight(scope.end, zone))


def _midnight(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.time() == time() and local.fold == 0


def _utc(moment: datetime) -> datetime:
    """SQLite gives back UTC times without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _owner(table: Table) -> list[Any]:
    return [table.c.event_id, table.c.citizen_municipality]


def _filtered(table: Table, scope: Scope, day_ids: list[int]) -> tuple[Any, list[Any]]:
    """The table joined to what the scope's filters read, and the filters."""
    joined: Any = table
    filters: list[ColumnElement[bool]] = [table.c.day_id.in_(day_ids)]
    if scope.municipality is not None:
        joined = joined.outerjoin(EVENT_TABLE, EVENT_TABLE.c.id == table.c.event_id)
        owner = func.coalesce(EVENT_TABLE.c.municipality, table.c.citizen_municipality, UNKNOWN)
        filters.append(owner == scope.municipality)
    if scope.event_id is not None:
        filters.append(table.c.event_id == scope.event_id)
    return joined, filters


def _summed(
    session: Session, table: Table, scope: Scope, day_ids: list[int], keys: list[Any], *sums: Any
) -> list[tuple[Any, ...]]:
    joined, filters = _filtered(table, scope, day_ids)
    statement = select(*keys, *sums).select_from(joined).where(*filters).group_by(*keys)
    return [tuple(row) for row in session.execute(statement)]


def started(session: Session, scope: Scope, day_ids: list[int]) -> list[tuple[Any, ...]]:
    """(event, citizen's municipality, version, started, of those completed by the end)."""
    by_end = case(
        (ROLLUP_STARTED_TABLE.c.completed_by <= scope.end, ROLLUP_STARTED_TABLE.c.responses),
        else_=0,
    )
    keys = [*_owner(ROLLUP_STARTED_TABLE), ROLLUP_STARTED_TABLE.c.flow_version_id]
    return _summed(
        session,
        ROLLUP_STARTED_TABLE,
        scope,
        day_ids,
        keys,
        func.sum(ROLLUP_STARTED_TABLE.c.responses),
        func.sum(by_end),
    )


def completed(session: Session, scope: Scope, day_ids: list[int]) -> list[tuple[Any, ...]]:
    """(event, citizen's municipality, version, completed)."""
    keys = [*_owner(ROLLUP_COMPLETED_TABLE), ROLLUP_COMPLETED_TABLE.c.flow_version_id]
    return _summed(
        session,
        ROLLUP_COMPLETED_TABLE,
        scope,
        day_ids,
        keys,
        func.sum(ROLLUP_COMPLETED_TABLE.c.responses),
    )


def values(
    session: Session, scope: Scope, day_ids: list[int], types: list[str] | None
) -> list[tuple[Any, ...]]:
    """The rows of ``ValueCount``, summed."""
    table = ROLLUP_VALUE_TABLE
    keys = [
        *_owner(table),
        table.c.flow_version_id,
        table.c.question_id,
        table.c.number_value,
        table.c.bool_value,
    ]
    joined, filters = _filtered(table, scope, day_ids)
    if types is not None:
        filters.append(table.c.question_type.in_(types))
    statement = (
        select(*keys, func.sum(table.c.answers)).select_from(joined).where(*filters).group_by(*keys)
    )
    return [tuple(row) for row in session.execute(statement)]


def texts(session: Session, scope: Scope, day_ids: list[int]) -> list[tuple[Any, ...]]:
    """The rows of ``TextCount``, summed."""
    table = ROLLUP_TEXT_TABLE
    keys = [*_owner(table), table.c.flow_version_id, table.c.question_id, table.c.text_language]
    return _summed(session, table, scope, day_ids, keys, func.sum(table.c.texts))


def options(session: Session, scope: Scope, day_ids: list[int]) -> list[tuple[Any, ...]]:
    """The rows of ``OptionCount``, summed."""
    table = ROLLUP_OPTION_TABLE
    keys = [table.c.event_id, table.c.flow_version_id, table.c.question_id, table.c.option_id]
    return _summed(
        session,
        table,
        scope,
        day_ids,
        keys,
        func.sum(table.c.ticks),
        func.sum(table.c.firsts),
    )


def completed_of_events(
    session: Session, day_ids: list[int], event_ids: list[int]
) -> dict[int, int]:
    """Event id -> responses completed in these spans."""
    table = ROLLUP_COMPLETED_TABLE
    statement = (
        select(table.c.event_id, func.sum(table.c.responses))
        .where(table.c.day_id.in_(day_ids), table.c.event_id.in_(event_ids))
        .group_by(table.c.event_id)
    )
    return {event_id: int(number) for event_id, number in session.execute(statement)}
