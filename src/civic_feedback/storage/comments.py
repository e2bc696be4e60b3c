"""Citizens' free-text answers with where they came from, for reading and opinion analysis,
and their detected languages, for naming them again."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, cast, func, literal, select, update
from sqlmodel import Session, col

from civic_feedback.flows.schema import QuestionType
from civic_feedback.storage.export_rows import ResponseFilter
from civic_feedback.storage.models import Answer, Event, Response
from civic_feedback.storage.rollup_forgetting import forget_days_of
from civic_feedback.storage.tables import ANSWER_TABLE, RESPONSE_TABLE

_BATCH = 2000
_SCRAMBLE, _RANGE = 2654435761, 2**32  # Knuth's multiplicative hash of a number
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


def _comments_of(where: ResponseFilter, language: str | None) -> list[Any]:
    conditions = [
        col(Answer.question_type) == QuestionType.TEXT.value,
        col(Answer.text_value).is_not(None),
        *where.conditions(),
    ]
    return conditions if language is None else [*conditions, Answer.text_language == language]


def iter_comments(
    session: Session, where: ResponseFilter, *, language: str | None = None, one_in: int = 1
) -> Iterator[Comment]:
    """The text answers of the responses ``where`` selects (in one language), oldest first;
    with ``one_in`` above 1, about one in that many: those whose number, scrambled, falls in
    the first ``1 / one_in`` of its range (the same every time, spread over the period, and
    blind to patterns in the numbers, such as comments being every other answer)."""
    statement = (
        select(*_COMMENT_COLUMNS)
        .join(Response, col(Response.id) == Answer.response_id)
        .outerjoin(Event, col(Event.id) == Response.event_id)
        .where(*_comments_of(where, language))
        .order_by(col(Answer.id))
        .execution_options(yield_per=_BATCH)
    )
    if one_in > 1:
        number = cast(col(Answer.id), BigInteger)  # the product needs 64 bits
        scrambled = (number * literal(_SCRAMBLE, BigInteger)) % literal(_RANGE, BigInteger)
        statement = statement.where(scrambled < _RANGE // one_in)
    for row in session.execute(statement):
        yield Comment(*row)


def count_comments(session: Session, where: ResponseFilter, *, language: str | None = None) -> int:
    """How many comments ``iter_comments`` gives (read from the index of texts given)."""
    statement = (
        select(func.count())
        .select_from(Answer)
        .join(Response, col(Response.id) == Answer.response_id)
        .outerjoin(Event, col(Event.id) == Response.event_id)
        .where(*_comments_of(where, language))
    )
    return int(session.execute(statement).scalar_one())


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
