"""Responses with their answers, streamed in id order so any number fits in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.schema import Flow, QuestionType
from civic_feedback.storage.answer_rows import AnswerRow, answer_rows, collect_answers
from civic_feedback.storage.models import Answer, Citizen, Event, FlowVersion, Response

_BATCH = 2000

_RESPONSE_COLUMNS: list[Any] = [
    Response.id,
    FlowVersion.version,
    Citizen.telegram_id,
    Response.language,
    Response.started_at,
    Response.completed_at,
    Event.code,
    # The event's municipality; for a response to no event, the citizen's own choice.
    func.coalesce(Event.municipality, Citizen.municipality),
]


# Looked up per response by their own names, so that a query which joins Event or Citizen
# itself (the rows, the comments) is not correlated with the look-up by mistake.
_EVENT, _CITIZEN = aliased(Event), aliased(Citizen)


def response_municipality() -> ColumnElement[str | None]:
    """A response's municipality as exports show it: its event's, else its citizen's."""
    of_event = select(col(_EVENT.municipality)).where(col(_EVENT.id) == Response.event_id)
    of_citizen = select(col(_CITIZEN.municipality)).where(col(_CITIZEN.id) == Response.citizen_id)
    return func.coalesce(
        of_event.correlate(Response).scalar_subquery(),
        of_citizen.correlate(Response).scalar_subquery(),
    )


@dataclass(frozen=True)
class ResponseFilter:
    """Which responses to read: a form, an event, completed in [completed_from, before), of
    one municipality (``response_municipality``: staff of a municipality read only its own)."""

    flow_id: str | None = None
    event_id: int | None = None
    completed_from: datetime | None = None  # UTC, inclusive
    completed_before: datetime | None = None  # UTC, exclusive
    municipality: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE clauses on Response; a time bound leaves out responses never completed."""
        conditions: list[ColumnElement[bool]] = []
        if self.flow_id is not None:
            conditions.append(col(Response.flow_id) == self.flow_id)
        if self.event_id is not None:
            conditions.append(col(Response.event_id) == self.event_id)
        if self.completed_from is not None:
            conditions.append(col(Response.completed_at) >= self.completed_from)
        if self.completed_before is not None:
            conditions.append(col(Response.completed_at) < self.completed_before)
        if self.municipality is not None:
            conditions.append(response_municipality() == self.municipality)
        return conditions


EVERY_RESPONSE = ResponseFilter()


@dataclass
class ExportRow:
    """One response as exports show it; ``telegram_id`` is None for anonymous or erased."""

    response_id: int
    flow_id: str
    flow_version: int
    telegram_id: int | None
    language: str
    started_at: datetime
    completed_at: datetime | None
    event_code: str | None = None
    municipality: str | None = None
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    text_languages: dict[str, str] = field(default_factory=dict)  # detected, by question id


@dataclass(frozen=True)
class ExportColumn:
    question_id: str
    type: QuestionType


def export_columns(session: Session, flow_id: str) -> list[ExportColumn]:
    """Every question any version of the flow asked: the latest version's order first."""
    statement = (
        select(col(FlowVersion.definition))
        .where(col(FlowVersion.flow_id) == flow_id)
        .order_by(col(FlowVersion.version).desc())
    )
    columns: dict[str, ExportColumn] = {}
    for definition in session.execute(statement).scalars():
        for question in Flow.model_validate(definition).questions:
            columns.setdefault(question.id, ExportColumn(question.id, question.type))
    return list(columns.values())


def iter_export_rows(
    session: Session, flow_id: str, where: ResponseFilter = EVERY_RESPONSE
) -> Iterator[ExportRow]:
    """The form's responses (those ``where`` selects) in id order, each with its answers."""
    responses = session.execute(
        select(*_RESPONSE_COLUMNS)
        .join(FlowVersion, col(FlowVersion.id) == Response.flow_version_id)
        .outerjoin(Citizen, col(Citizen.id) == Response.citizen_id)
        .outerjoin(Event, col(Event.id) == Response.event_id)
        .where(col(Response.flow_id) == flow_id, *where.conditions())
        .order_by(col(Response.id))
        .execution_options(yield_per=_BATCH)
    )
    answers = groupby(_answer_rows(session, flow_id, where), key=lambda row: row[0])
    pending: tuple[int, Any] | None = next(answers, None)
    for rid, version, telegram_id, language, started, completed, code, place in responses:
        row = ExportRow(rid, flow_id, version, telegram_id, language, started, completed)
        row.event_code, row.municipality = code, place
        while pending is not None and pending[0] < rid:
            pending = next(answers, None)
        if pending is not None and pending[0] == rid:
            rows = list(pending[1])
            row.answers = collect_answers(rows)
            row.text_languages = {r[2]: r[8] for r in rows if r[8] is not None}
            pending = next(answers, None)
        yield row


def _answer_rows(session: Session, flow_id: str, where: ResponseFilter) -> Iterator[AnswerRow]:
    statement = (
        answer_rows()
        .join(Response, col(Response.id) == Answer.response_id)
        .where(col(Response.flow_id) == flow_id, *where.conditions())
        .execution_options(yield_per=_BATCH)
    )
    return iter(session.execute(statement))
