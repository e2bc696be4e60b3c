"""The counts behind satisfaction summaries, aggregated in the database (GROUP BY / COUNT / SUM).

Each query returns grouped rows, never answers one by one: a few hundred rows for a busy
week, whatever the number of answers. Every count is an integer and every grouped value a
stored value, so SQLite and PostgreSQL give the same results.

Which responses count (docs/summary-format.md): "started" counts responses started in the
period; "completed" and every answer figure count completed responses completed in it. A
response belongs to its event's municipality, else to its citizen's, else to ``unknown``.

What a summary costs is one look-up per response and a sort of the answers it groups (SQLite
sorts every row it groups, at a cost that grows with the number of grouping keys), so:
- every query reads covering indexes only (models.py: ``ix_response_completion``,
  ``ix_response_started_at``, ``ix_answer_values``, and ``ix_answer_texts`` of the texts
  given): the only table rows read are those of text answers, to see that a text was given;
- numbers and yes/no, texts, and ticked options are grouped by separate queries, each over
  only the answers it counts and by only the keys those need;
- the queries group by stored columns only: a response's owner is its event id or, for a
  response about no event, its citizen's municipality (the report maps events to their
  municipality); question type and flow follow from the flow version.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    union,
)
from sqlmodel import Session

from civic_feedback.flows.schema import CHOICE_TYPES, Flow, QuestionType
from civic_feedback.storage import rollup_counts
from civic_feedback.storage.events import ACTIVE
from civic_feedback.storage.models import (
    RegistrationStatus,
    ResponseState,
)
from civic_feedback.storage.summary_scope import UNKNOWN, UNKNOWN_MUNICIPALITY, Scope
from civic_feedback.storage.tables import (
    ANSWER_CHOICE_TABLE,
    ANSWER_TABLE,
    CITIZEN_TABLE,
    EVENT_TABLE,
    FLOW_VERSION_TABLE,
    REGISTRATION_TABLE,
    RESPONSE_TABLE,
)

# The citizen only counts for a response about no event: joined only then, so that grouping
# by the citizen's municipality never splits an event's responses.
_CITIZEN_OF_RESPONSE = and_(
    CITIZEN_TABLE.c.id == RESPONSE_TABLE.c.citizen_id, RESPONSE_TABLE.c.event_id.is_(None)
)
_MUNICIPALITY = func.coalesce(EVENT_TABLE.c.municipality, CITIZEN_TABLE.c.municipality, UNKNOWN)
_OWNER = (RESPONSE_TABLE.c.event_id, CITIZEN_TABLE.c.municipality)
_COMPLETED = RESPONSE_TABLE.c.state == ResponseState.COMPLETED.value


_EVER = datetime(1970, 1, 1, tzinfo=UTC)  # before any response


def _within(scope: Scope, column: Any) -> ColumnElement[bool]:
    return and_(column >= scope.start, column < scope.end)


def _responses(scope: Scope, *, citizens: bool) -> Any:
    """Responses, joined to what grouping by ``_OWNER`` or filtering by municipality reads.

    Each join costs a look-up per response, so only the ones a query reads are made.
    """
    joined: Any = RESPONSE_TABLE
    if scope.municipality is not None:
        joined = joined.outerjoin(EVENT_TABLE, EVENT_TABLE.c.id == RESPONSE_TABLE.c.event_id)
    if citizens or scope.municipality is not None:
        joined = joined.outerjoin(CITIZEN_TABLE, _CITIZEN_OF_RESPONSE)
    return joined


def _filters(scope: Scope) -> list[ColumnElement[bool]]:
    """The municipality and event a scope is limited to, on responses."""
    filters: list[ColumnElement[bool]] = []
    if scope.municipality is not None:
        owner = _MUNICIPALITY  # (a SQL expression, not a constant compared)
        filters.append(owner == scope.municipality)
    if scope.event_id is not None:
        filters.append(RESPONSE_TABLE.c.event_id == scope.event_id)
    return filters


def _count_where(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class ResponseCount:
    """Responses of one flow version and owner in the period."""

    event_id: int | None
    citizen_municipality: str | None  # of a response about no event; None: unknown
    flow_version_id: int
    started: int  # started in the period
    started_and_completed: int  # of those, completed before the period ended
    completed: int  # completed in the period (wherever they were started)


def response_counts(session: Session, scope: Scope) -> list[ResponseCount]:
    """Responses started in the period and those completed in it: the days rolled up summed,
    the rest counted from two range scans, one per index.

    (One query with ``started OR completed`` would merge both ranges row by row.)
    """
    route = rollup_counts.plan(session, scope)
    counts: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    started_gaps = route.gaps
    if route.rolled and route.ends_at_midnight:
        for *key, begun, finished in rollup_counts.started(session, scope, route.day_ids):
            _add(counts[tuple(key)], 0, begun, finished)
    elif route.rolled:
        started_gaps = [(scope.start, scope.end)]
    keys = [*_OWNER, RESPONSE_TABLE.c.flow_version_id]
    finished_by_end = and_(_COMPLETED, RESPONSE_TABLE.c.completed_at < scope.end)
    for start, end in started_gaps:
        part = scope.between(start, end)
        started = (
            select(*keys, func.count(), _count_where(finished_by_end))
            .select_from(_responses(part, citizens=True))
            .where(_within(part, RESPONSE_TABLE.c.started_at), *_filters(part))
            .group_by(*keys)
        )
        for *key, begun, finished in session.execute(started):
            _add(counts[tuple(key)], 0, begun, finished)
    if route.rolled:
        for *key, done in rollup_counts.completed(session, scope, route.day_ids):
            _add(counts[tuple(key)], 2, done)
    for start, end in route.gaps:
        part = scope.between(start, end)
        completed = (
            select(*keys, func.count())
            .select_from(_responses(part, citizens=True))
            .where(*_counted(part))
            .group_by(*keys)
        )
        for *key, done in session.execute(completed):
            _add(counts[tuple(key)], 2, done)
    return [ResponseCount(*key, *numbers) for key, numbers in counts.items()]


def _add(numbers: list[int], first: int, *added: int) -> None:
    for index, value in enumerate(added, start=first):
        numbers[index] += int(value)


def _summed(parts: list[list[tuple[Any, ...]]], width: int) -> list[tuple[Any, ...]]:
    """The rows of several grouped queries added up by key: ``width`` trailing counts.

    Each part has one row per key already (grouped in SQL): a single part is returned as is.
    """
    found = [part for part in parts if part]
    if len(found) <= 1:
        return found[0] if found else []
    totals: dict[tuple[Any, ...], list[int]] = {}
    for row in (row for part in found for row in part):
        numbers = totals.setdefault(row[:-width], [0] * width)
        _add(numbers, 0, *row[-width:])
    return [(*key, *numbers) for key, numbers in totals.items()]


def _counted(scope: Scope) -> list[ColumnElement[bool]]:
    """The responses whose answers the period counts."""
    return [_COMPLETED, _within(scope, RESPONSE_TABLE.c.completed_at), *_filters(scope)]


def _answers_of_counted(scope: Scope) -> Any:
    """Answers joined to their responses (and to what ``_OWNER`` reads)."""
    return _responses(scope, citizens=True).join(
        ANSWER_TABLE, ANSWER_TABLE.c.response_id == RESPONSE_TABLE.c.id
    )


@dataclass(frozen=True)
class ValueCount:
    """Answers to one question that share a number or a yes/no, per owner and flow version.

    The question's type follows from ``question_id`` in the version.
    """

    event_id: int | None
    citizen_municipality: str | None  # of a response about no event; None: unknown
    flow_version_id: int
    question_id: str
    number: float | None  # rating, NPS and number questions
    flag: bool | None  # yes/no questions
    answers: int


def value_counts(
    session: Session, scope: Scope, types: Iterable[QuestionType] | None = None
) -> list[ValueCount]:
    """Answers with a number or a yes/no of the counted responses (of these question types).

    ``ix_answer_values`` holds every column read here, so the answers' rows are never read.
    """
    kinds = None if types is None else [t.value for t in types]
    route = rollup_counts.plan(session, scope)
    keys = [
        *_OWNER,
        RESPONSE_TABLE.c.flow_version_id,
        ANSWER_TABLE.c.question_id,
        ANSWER_TABLE.c.number_value,
        ANSWER_TABLE.c.bool_value,
    ]
    parts: list[list[tuple[Any, ...]]] = []
    for start, end in route.gaps:
        part = scope.between(start, end)
        statement = (
            select(*keys, func.count())
            .select_from(_answers_of_counted(part))
            .where(
                *_counted(part),
                or_(
                    ANSWER_TABLE.c.number_value.is_not(None),
                    ANSWER_TABLE.c.bool_value.is_not(None),
                ),
            )
            .group_by(*keys)
        )
        if kinds is not None:
            statement = statement.where(ANSWER_TABLE.c.question_type.in_(kinds))
        parts.append([tuple(row) for row in session.execute(statement)])
    if route.rolled:
        parts.append(rollup_counts.values(session, scope, route.day_ids, kinds))
    return [ValueCount(*row) for row in _summed(parts, 1)]


@dataclass(frozen=True)
class TextCount:
    """Text answers to one question in one detected language, per owner and flow version."""

    event_id: int | None
    citizen_municipality: str | None  # of a response about no event; None: unknown
    flow_version_id: int
    question_id: str
    language: str | None  # None when not detected
    texts: int


def text_counts(session: Session, scope: Scope) -> list[TextCount]:
    """Answers with a text, from the partial index of those (``ix_answer_texts``)."""
    route = rollup_counts.plan(session, scope)
    keys = [
        *_OWNER,
        RESPONSE_TABLE.c.flow_version_id,
        ANSWER_TABLE.c.question_id,
        ANSWER_TABLE.c.text_language,
    ]
    parts: list[list[tuple[Any, ...]]] = []
    for start, end in route.gaps:
        part = scope.between(start, end)
        statement = (
            select(*keys, func.count())
            .select_from(_answers_of_counted(part))
            .where(*_counted(part), ANSWER_TABLE.c.text_value.is_not(None))
            .group_by(*keys)
        )
        parts.append([tuple(row) for row in session.execute(statement)])
    if route.rolled:
        parts.append(rollup_counts.texts(session, scope, route.day_ids))
    return [TextCount(*row) for row in _summed(parts, 1)]


@dataclass(frozen=True)
class OptionCount:
    """How often one option was ticked, per event (or none) and flow version."""

    event_id: int | None
    flow_version_id: int
    question_id: str
    option_id: str
    ticks: int
    # Answers listing it first (position 0 of the options ticked, as stored): added up over a
    # question's options, the answers with at least one option ticked.
    answers: int


def option_counts(session: Session, scope: Scope) -> list[OptionCount]:
    """Ticks per option of the counted responses: a multi-choice answer counts every option."""
    route = rollup_counts.plan(session, scope)
    parts = [
        option_counts_by_owner(session, scope.between(start, end), owner=False)
        for start, end in route.gaps
    ]
    if route.rolled:
        parts.append(rollup_counts.options(session, scope, route.day_ids))
    return [OptionCount(*row) for row in _summed(parts, 2)]


def option_counts_by_owner(session: Session, scope: Scope, *, owner: bool) -> list[tuple[Any, ...]]:
    """The rows of ``OptionCount`` counted from the answers, each after the citizen's
    municipality of a response about no event when ``owner`` (as the roll-ups keep them)."""
    keys = [
        *(_OWNER if owner else [RESPONSE_TABLE.c.event_id]),
        RESPONSE_TABLE.c.flow_version_id,
        ANSWER_TABLE.c.question_id,
        ANSWER_CHOICE_TABLE.c.option_id,
    ]
    statement = (
        select(*keys, func.count(), _count_where(ANSWER_CHOICE_TABLE.c.position == 0))
        .select_from(
            _responses(scope, citizens=owner)
            .join(ANSWER_TABLE, ANSWER_TABLE.c.response_id == RESPONSE_TABLE.c.id)
            .join(ANSWER_CHOICE_TABLE, ANSWER_CHOICE_TABLE.c.answer_id == ANSWER_TABLE.c.id)
        )
        .where(*_counted(scope), ANSWER_TABLE.c.question_type.in_([t.value for t in CHOICE_TYPES]))
        .group_by(*keys)
    )
    return [tuple(row) for row in session.execute(statement)]


@dataclass(frozen=True)
class EventFigures:
    """An event in the period with its registrations and responses up to the period's end."""

    id: int
    code: str
    title: dict[str, str]
    municipality: str | None
    flow_id: str
    starts_at: datetime
    registered: int  # registered or attended (waiting list and cancelled left out)
    attended: int  # checked in at the venue
    responses: int  # completed before the period ended


def event_figures(session: Session, scope: Scope, responded: Iterable[int]) -> list[EventFigures]:
    """Events held in the period or listed in ``responded``, with their counts.

    Registrations and responses are counted for those events only, not for every event.
    """
    held = _within(scope, EVENT_TABLE.c.starts_at)
    if scope.municipality is not None:
        held = and_(held, func.coalesce(EVENT_TABLE.c.municipality, UNKNOWN) == scope.municipality)
    if scope.event_id is not None:
        held = and_(held, EVENT_TABLE.c.id == scope.event_id)
    listed = select(EVENT_TABLE.c.id).where(or_(held, EVENT_TABLE.c.id.in_(list(responded))))
    registrations = (
        select(
            REGISTRATION_TABLE.c.event_id,
            _count_where(REGISTRATION_TABLE.c.status.in_([s.value for s in ACTIVE])).label("held"),
            _count_where(REGISTRATION_TABLE.c.status == RegistrationStatus.ATTENDED.value).label(
                "came"
            ),
        )
        .where(REGISTRATION_TABLE.c.event_id.in_(listed))
        .group_by(REGISTRATION_TABLE.c.event_id)
        .subquery("registrations")
    )
    statement = (
        select(
            EVENT_TABLE.c.id,
            EVENT_TABLE.c.code,
            EVENT_TABLE.c.title,
            EVENT_TABLE.c.municipality,
            EVENT_TABLE.c.flow_id,
            EVENT_TABLE.c.starts_at,
            func.coalesce(registrations.c.held, 0),
            func.coalesce(registrations.c.came, 0),
        )
        .select_from(
            EVENT_TABLE.outerjoin(registrations, registrations.c.event_id == EVENT_TABLE.c.id)
        )
        .where(EVENT_TABLE.c.id.in_(listed))
        .order_by(EVENT_TABLE.c.starts_at, EVENT_TABLE.c.id)
    )
    rows = session.execute(statement).all()
    done = _completed_before(session, scope.end, [row[0] for row in rows])
    return [
        EventFigures(event, code, title, place, flow_id, starts_at, held, came, done.get(event, 0))
        for event, code, title, place, flow_id, starts_at, held, came in rows
    ]


def _completed_before(session: Session, end: datetime, event_ids: list[int]) -> dict[int, int]:
    """Responses of these events completed before ``end``, whenever: the days rolled up
    summed, the rest counted from the responses."""
    if not event_ids:
        return {}
    route = rollup_counts.plan(session, Scope(_EVER, end))
    counts: Counter[int] = Counter()
    if route.rolled:
        counts.update(rollup_counts.completed_of_events(session, route.day_ids, event_ids))
    for start, stop in route.gaps:
        counted = (
            select(RESPONSE_TABLE.c.event_id, func.count())
            .where(
                _COMPLETED,
                RESPONSE_TABLE.c.completed_at >= start,
                RESPONSE_TABLE.c.completed_at < stop,
                RESPONSE_TABLE.c.event_id.in_(event_ids),
            )
            .group_by(RESPONSE_TABLE.c.event_id)
        )
        counts.update(dict(session.execute(counted).all()))
    return dict(counts)


def flow_versions(
    session: Session, version_ids: Iterable[int], flow_ids: Iterable[str]
) -> dict[int, tuple[int, Flow]]:
    """Every version of the flows of ``version_ids`` and of ``flow_ids``.

    Version id -> (version number, the flow as published).
    """
    of_versions = select(FLOW_VERSION_TABLE.c.flow_id).where(
        FLOW_VERSION_TABLE.c.id.in_(list(version_ids))
    )
    statement = select(
        FLOW_VERSION_TABLE.c.id, FLOW_VERSION_TABLE.c.version, FLOW_VERSION_TABLE.c.definition
    ).where(
        or_(
            FLOW_VERSION_TABLE.c.flow_id.in_(of_versions),
            FLOW_VERSION_TABLE.c.flow_id.in_(list(flow_ids)),
        )
    )
    return {
        version_id: (number, Flow.model_validate(definition))
        for version_id, number, definition in session.execute(statement)
    }


def municipality_names(session: Session) -> set[str]:
    """Municipalities events or citizens belong to, and ``unknown``."""
    named: Select[Any] = union(
        select(EVENT_TABLE.c.municipality).where(EVENT_TABLE.c.municipality.is_not(None)),
        select(CITIZEN_TABLE.c.municipality).where(CITIZEN_TABLE.c.municipality.is_not(None)),
    )  # type: ignore[assignment]
    return {UNKNOWN_MUNICIPALITY, *session.execute(named).scalars()}
