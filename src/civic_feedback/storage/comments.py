"""Citizens' free-text answers with where they came from, for reading and opinion analysis,
and their detected languages, for naming them again."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from civic_feedback.flows.schema import QuestionType
from civic_feedback.storage.export_rows import ResponseFilter
from civic_feedback.storage.models import Answer, Event, Response
from civic_feedback.storage.rollup_forgetting import forget_days_of
from civic_feedback.storage.tables import ANSWER_TABLE, RESPONSE_TABLE

_BATCH = 2000
_COMMENT_COLUMNS: list[Any] = [
    Answer.id,
    Event.code,
    Response.flow_id,
    Answer.question_id,
    Answer.text_language,
    Response.completed_at,
    Answer.text_value,
]


@dataclass(frozen=True)
class Comment:
    """One text answer (``id`` is its answer's); ``language`` is what was detected when it
    was stored."""

    id: int
    event_code: str | None
    flow_id: str
    question_id: str
    language: str | None
    completed_at: datetime | None
    text: str


def iter_comments(
    session: Session, where: ResponseFilter, *, language: str | None = None
) -> Iterator[Comment]:
    """The text answers of the responses ``where`` selects (in one language), oldest first."""
    statement = (
        select(*_COMMENT_COLUMNS)
        .join(Response, col(Response.id) == Answer.response_id)
        .outerjoin(Event, col(Event.id) == Response.event_id)
        .where(
            col(Answer.question_type) == QuestionType.TEXT.value,
            col(Answer.text_value).is_not(None),
            *where.conditions(),
        )
        .order_by(col(Answer.id))
        .execution_options(yield_per=_BATCH)
    )
    if language is not None:
        statement = statement.where(col(Answer.text_language) == language)
    for row in session.execute(statement):
        yield Comment(*row)


@dataclass(frozen=True)
class StoredLanguage:
    """A text answer and the language stored with it (None: never detected)."""

    answer_id: int
    text: str
    language: str | None


def text_answers_after(session: Session, after_id: int, limit: int) -> list[StoredLanguage]:
    """Up to ``limit`` text answers with an id above ``after_id``, in id order."""
    statement = (
        select(col(Answer.id), col(Answer.text_value), col(Answer.text_language))
        .where(
            col(Answer.id) > after_id,
            col(Answer.question_type) == QuestionType.TEXT.value,
            col(Answer.text_value).is_not(None),
        )
        .order_by(col(Answer.id))
        .limit(limit)
    )
    return [StoredLanguage(*row) for row in session.execute(statement)]


def set_text_languages(session: Session, languages: Mapping[int, str]) -> None:
    """Store each answer's new language (answer id -> language)."""
    if languages:  # an ORM bulk update by primary key: one executemany
        of_answers = select(ANSWER_TABLE.c.response_id).where(
            ANSWER_TABLE.c.id.in_(list(languages))
        )
        forget_days_of(session, RESPONSE_TABLE.c.id.in_(of_answers))  # languages are counted
        rows = [{"id": answer_id, "text_language": lang} for answer_id, lang in languages.items()]
        session.execute(update(Answer), rows)
