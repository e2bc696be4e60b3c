"""Responses with their answers, streamed in id order so any number fits in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.schema import Flow, QuestionType
from civic_feedback.storage.answer_rows import AnswerRow, answer_rows, collect_answers
from civic_feedback.storage.models import Answer, Citizen, FlowVersion, Response

_BATCH = 2000

_RESPONSE_COLUMNS: list[Any] = [
    Response.id,
    FlowVersion.version,
    Citizen.telegram_id,
    Response.language,
    Response.started_at,
    Response.completed_at,
]


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
            row.answers = collect_answers(pending[1])
            pending = next(answers, None)
        yield row


def _answer_rows(session: Session, flow_id: str) -> Iterator[AnswerRow]:
    statement = (
        answer_rows()
        .join(Response, col(Response.id) == Answer.response_id)
        .where(col(Response.flow_id) == flow_id)
        .execution_options(yield_per=_BATCH)
    )
    return iter(session.execute(statement))
