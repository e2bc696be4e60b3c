"""Responses with their answers, streamed in id order so any number fits in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.schema import Flow, QuestionType
from civic_feedback.storage.models import Answer, AnswerChoice, Citizen, FlowVersion, Response
from civic_feedback.storage.responses import answer_value

_BATCH = 2000

_RESPONSE_COLUMNS: list[Any] = [
    Response.id,
    FlowVersion.version,
    Citizen.telegram_id,
    Response.language,
    Response.started_at,
    Response.completed_at,
]
_ANSWER_COLUMNS: list[Any] = [
    Answer.response_id,
    Answer.id,
    Answer.question_id,
    Answer.question_type,
    Answer.number_value,
    Answer.text_value,
    Answer.bool_value,
    AnswerChoice.option_id,
]
AnswerRow = Sequence[Any]


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
    answers: dict[str, AnswerValue] = field(default_factory=dict)


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


def iter_export_rows(session: Session, flow_id: str) -> Iterator[ExportRow]:
    """Every response to the flow, in id order, each with its answers (hidden ones absent)."""
    responses = session.execute(
        select(*_RESPONSE_COLUMNS)
        .join(FlowVersion, col(FlowVersion.id) == Response.flow_version_id)
        .outerjoin(Citizen, col(Citizen.id) == Response.citizen_id)
        .where(col(Response.flow_id) == flow_id)
        .order_by(col(Response.id))
        .execution_options(yield_per=_BATCH)
    )
    answers = groupby(_answer_rows(session, flow_id), key=lambda row: row[0])
    pending: tuple[int, Any] | None = next(answers, None)
    for rid, version, telegram_id, language, started, completed in responses:
        row = ExportRow(rid, flow_id, version, telegram_id, language, started, completed)
        while pending is not None and pending[0] < rid:
            pending = next(answers, None)
        if pending is not None and pending[0] == rid:
            row.answers = _collect(pending[1])
            pending = next(answers, None)
        yield row


def _answer_rows(session: Session, flow_id: str) -> Iterator[AnswerRow]:
    return iter(
        session.execute(
            select(*_ANSWER_COLUMNS)
            .join(Response, col(Response.id) == Answer.response_id)
            .outerjoin(AnswerChoice, col(AnswerChoice.answer_id) == Answer.id)
            .where(col(Response.flow_id) == flow_id)
            .order_by(col(Answer.response_id), col(Answer.id), col(AnswerChoice.position))
            .execution_options(yield_per=_BATCH)
        )
    )


def _collect(rows: Iterator[AnswerRow]) -> dict[str, AnswerValue]:
    values: dict[str, AnswerValue] = {}
    for _, group in groupby(rows, key=lambda row: row[1]):
        items = list(group)
        first = items[0]
        answer = Answer(
            response_id=first[0],
            question_id=first[2],
            question_type=first[3],
            number_value=first[4],
            text_value=first[5],
            bool_value=first[6],
        )
        options = [item[7] for item in items if item[7] is not None]
        values[first[2]] = answer_value(answer, options)
    return values
