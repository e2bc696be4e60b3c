"""Roll-ups: the summary's counts of each settled day of TIMEZONE, kept in small tables.

A report over two years would otherwise read every answer of those years; with the days
rolled up, and each month whose days all are added up once more, it sums a few rows per
month (storage/rollup_counts.py) and counts from the answers only what is not rolled up:
today, the last days, a day a change reached.

A day's roll-up is exactly what the summary queries count for that day, computed by those
same queries, so the two can never disagree in how they count. They can only disagree in
time: every change to what a day counts forgets that day's roll-up (``forget_days_of``),
in the same transaction as the change, and the day is rolled up again later:
- a response completed after the day it was started was rolled up (its "started" count);
- a citizen erased (responses deleted or detached), or who changed municipality (their
  responses about no event move to the new one);
- comments whose language was detected again.
Only days that ended more than ``SETTLED`` ago are rolled up, so the answers of the day and
the day before never touch a roll-up at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    and_,
    func,
    insert,
    literal,
    select,
)
from sqlmodel import Session

from civic_feedback.storage.models import ResponseState
from civic_feedback.storage.rollup_forgetting import count_alone, forget
from civic_feedback.storage.summary_queries import (
    flow_versions,
    option_counts_by_owner,
    response_counts,
    text_counts,
    value_counts,
)
from civic_feedback.storage.summary_scope import Scope
from civic_feedback.storage.tables import (
    CITIZEN_TABLE,
    RESPONSE_TABLE,
    ROLLUP_COMPLETED_TABLE,
    ROLLUP_DAY_TABLE,
    ROLLUP_OPTION_TABLE,
    ROLLUP_STARTED_TABLE,
    ROLLUP_TEXT_TABLE,
    ROLLUP_VALUE_TABLE,
)

SETTLED = timedelta(days=1)  # a day is rolled up once it ended this long ago
DAY, MONTH = "day", "month"  # the spans rolled up

# What each table of counts adds up; its other columns (but the id and span) are the key.
_COUNTS = {
    ROLLUP_STARTED_TABLE: ("responses",),
    ROLLUP_COMPLETED_TABLE: ("responses",),
    ROLLUP_VALUE_TABLE: ("answers",),
    ROLLUP_TEXT_TABLE: ("texts",),
    ROLLUP_OPTION_TABLE: ("ticks", "firsts"),
}


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[midnight, the next midnight) of a day in ``zone``, in UTC."""
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def last_settled_day(zone: ZoneInfo, now: datetime) -> date:
    """The last day that ended ``SETTLED`` ago or earlier."""
    day = (now - SETTLED).astimezone(zone).date()
    return day - timedelta(days=1)


def roll_up(session: Session, zone: ZoneInfo, day: date, now: datetime) -> None:
    """Count one day from the answers and keep its counts (replacing any earlier ones)."""
    count_alone(session)
    span = ROLLUP_DAY_TABLE.c
    forget(session, span.zone == zone.key, span.span == DAY, span.day == day)
    start, end = day_bounds(day, zone)
    scope = Scope(start, end)  # no roll-up lies inside it any more: counted from the answers
    values = value_counts(session, scope)
    types = _question_types(session, {row.flow_version_id for row in values})
    facts: list[tuple[Any, list[dict[str, Any]]]] = [
        (ROLLUP_STARTED_TABLE, _started(session, scope, zone)),
        (
            ROLLUP_COMPLETED_TABLE,
            [
                {**_owner(row), "responses": row.completed}
                for row in response_counts(session, scope)
                if row.completed
            ],
        ),
        (
            ROLLUP_VALUE_TABLE,
            [
                {
                    **_owner(row),
                    "question_id": row.question_id,
                    "question_type": types[row.flow_version_id, row.question_id],
                    "number_value": row.number,
                    "bool_value": row.flag,
                    "answers": row.answers,
                }
                for row in values
            ],
        ),
        (
            ROLLUP_TEXT_TABLE,
            [
                {
                    **_owner(row),
                    "question_id": row.question_id,
                    "text_language": row.language,
                    "texts": row.texts,
                }
                for row in text_counts(session, scope)
            ],
        ),
        (
            ROLLUP_OPTION_TABLE,
            [
                {
                    "event_id": event_id,
                    "citizen_municipality": municipality,
                    "flow_version_id": version_id,
                    "question_id": question_id,
                    "option_id": option_id,
                    "ticks": ticks,
                    "firsts": firsts,
                }
                for event_id, municipality, version_id, question_id, option_id, ticks, firsts in (
                    option_counts_by_owner(session, scope, owner=True)
                )
            ],
        ),
    ]
    day_id = session.execute(
        insert(ROLLUP_DAY_TABLE)
        .values(zone=zone.key, span=DAY, day=day, starts_at=start, ends_at=end, built_at=now)
        .returning(ROLLUP_DAY_TABLE.c.id)
    ).scalar_one()
    for table, rows in facts:
        if rows:
            session.execute(insert(table), [{"day_id": day_id, **row} for row in rows])


def _owner(row: Any) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "citizen_municipality": row.citizen_municipality,
        "flow_version_id": row.flow_version_id,
    }


def _question_types(session: Session, version_ids: set[int]) -> dict[tuple[int, str], str]:
    return {
        (version_id, question.id): question.type.value
        for version_id, (_, flow) in flow_versions(session, version_ids, []).items()
        for question in flow.questions
    }


def _started(session: Session, scope: Scope, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Responses started in the scope by owner, version and the end of the day they were
    completed on (None: not completed when the day was rolled up)."""
    response = RESPONSE_TABLE.c
    completed = response.state == ResponseState.COMPLETED.value
    statement = (
        select(
            response.event_id,
            CITIZEN_TABLE.c.municipality,
            response.flow_version_id,
            response.completed_at,
        )
        .select_from(
            RESPONSE_TABLE.outerjoin(
                CITIZEN_TABLE,
                and_(CITIZEN_TABLE.c.id == response.citizen_id, response.event_id.is_(None)),
            )
        )
        .where(response.started_at >= scope.start, response.started_at < scope.end)
    )
    counts: Counter[tuple[Any, ...]] = Counter()
    ends: dict[date, datetime] = {}
    for event_id, municipality, version_id, completed_at, done in session.execute(
        statement.add_columns(completed)
    ):
        completed_by = None
        if done and completed_at is not None:
            day = _utc(completed_at).astimezone(zone).date()
            completed_by = ends.setdefault(day, day_bounds(day, zone)[1])
        counts[event_id, municipality, version_id, completed_by] += 1
    return [
        {
            "event_id": event_id,
            "citizen_municipality": municipality,
            "flow_version_id": version_id,
            "completed_by": completed_by,
            "responses": number,
        }
        for (event_id, municipality, version_id, completed_by), number in counts.items()
    ]


def _utc(moment: datetime) -> datetime:
    """SQLite gives back UTC times without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RollupState:
    zone: str | None  # the zone of the days rolled up; None when none is
    days: int
    months: int
    first: date | None
    last: date | None
    built_at: datetime | None  # the most recent


def rollup_state(session: Session) -> RollupState:
    span = ROLLUP_DAY_TABLE.c
    zone, days, first, last, built = session.execute(
        select(
            func.min(span.zone),
            func.count(),
            func.min(span.day),
            func.max(span.day),
            func.max(span.built_at),
        ).where(span.span == DAY)
    ).one()
    months = session.execute(select(func.count()).where(span.span == MONTH)).scalar_one()
    return RollupState(zone, days, months, first, last, None if built is None else _utc(built))


def days_to_roll_up(session: Session, zone: ZoneInfo, now: datetime) -> list[date]:
    """Settled days with responses that are not rolled up, oldest first."""
    first = session.execute(select(func.min(RESPONSE_TABLE.c.started_at))).scalar()
    if first is None:
        return []
    last = last_settled_day(zone, now)
    span = ROLLUP_DAY_TABLE.c
    rolled = set(
        session.execute(select(span.day).where(span.zone == zone.key, span.span == DAY)).scalars()
    )
    day, missing = _utc(first).astimezone(zone).date(), []
    while day <= last:
        if day not in rolled:
            missing.append(day)
        day += timedelta(days=1)
    return missing


def month_bounds(first: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[the first midnight of the month, that of the next month) in ``zone``, in UTC."""
    following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    return day_bounds(first, zone)[0], day_bounds(following, zone)[0]


def months_to_roll_up(session: Session, zone: ZoneInfo) -> list[date]:
    """The first days of months whose every day is rolled up, and they not as a month."""
    span = ROLLUP_DAY_TABLE.c
    days = set(
        session.execute(select(span.day).where(span.zone == zone.key, span.span == DAY)).scalars()
    )
    months = set(
        session.execute(select(span.day).where(span.zone == zone.key, span.span == MONTH)).scalars()
    )
    ready = []
    for first in sorted({day.replace(day=1) for day in days} - months):
        following = (first + timedelta(days=32)).replace(day=1)
        if all(first + timedelta(days=n) in days for n in range((following - first).days)):
            ready.append(first)
    return ready


def roll_up_month(session: Session, zone: ZoneInfo, first: date, now: datetime) -> None:
    """Add up the rolled-up days of a month into the month's own counts."""
    count_alone(session)
    span = ROLLUP_DAY_TABLE.c
    start, end = month_bounds(first, zone)
    days = select(span.id).where(
        span.zone == zone.key, span.span == DAY, span.starts_at >= start, span.ends_at <= end
    )
    month_id = session.execute(
        insert(ROLLUP_DAY_TABLE)
        .values(zone=zone.key, span=MONTH, day=first, starts_at=start, ends_at=end, built_at=now)
        .returning(span.id)
    ).scalar_one()
    for table, counts in _COUNTS.items():
        keys = [c for c in table.c if c.name not in ("id", "day_id", *counts)]
        summed = select(
            literal(month_id), *keys, *(func.sum(table.c[name]) for name in counts)
        ).where(table.c.day_id.in_(days))
        session.execute(
            insert(table).from_select(
                ["day_id", *(c.name for c in keys), *counts], summed.group_by(*keys)
            )
        )
