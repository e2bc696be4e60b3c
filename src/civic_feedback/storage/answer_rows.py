"""Answers between values and rows: one query shape for the engine and the exports.

Plain column queries and inserts, no ORM objects: this runs on every answer a citizen gives
and for every row of an export.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Join,
    Select,
    bindparam,
    insert,
    select,
)

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.schema import Question, QuestionType
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.tables import ANSWER_CHOICE_TABLE, ANSWER_TABLE

AnswerRow = Sequence[Any]
"""(response_id, answer_id, question_id, question_type, number, text, yes/no, option_id,
text_language)."""

ANSWER_COLUMNS = (
    ANSWER_TABLE.c.response_id,
    ANSWER_TABLE.c.id,
    ANSWER_TABLE.c.question_id,
    ANSWER_TABLE.c.question_type,
    ANSWER_TABLE.c.number_value,
    ANSWER_TABLE.c.text_value,
    ANSWER_TABLE.c.bool_value,
    ANSWER_CHOICE_TABLE.c.option_id,
    ANSWER_TABLE.c.text_language,
)
ANSWER_ORDER = (ANSWER_TABLE.c.id, ANSWER_CHOICE_TABLE.c.position)
_NUMBER_TYPES = {QuestionType.RATING, QuestionType.NPS, QuestionType.NUMBER}


def answer_rows() -> Select[Any]:
    """Answers with their ticked options, in answer and option order; add a where clause."""
    return (
        select(*ANSWER_COLUMNS)
        .select_from(
            ANSWER_TABLE.outerjoin(
                ANSWER_CHOICE_TABLE, ANSWER_CHOICE_TABLE.c.answer_id == ANSWER_TABLE.c.id
            )
        )
        .order_by(ANSWER_TABLE.c.response_id, *ANSWER_ORDER)
    )


def join_answers(left: FromClause, response_id: ColumnElement[Any]) -> Join:
    """``left`` joined to the answers of ``response_id`` with their ticked options, so that
    one query reads a response and its answers (``ANSWER_COLUMNS`` in ``ANSWER_ORDER``);
    with no answer yet, one row of NULLs."""
    return left.outerjoin(ANSWER_TABLE, ANSWER_TABLE.c.response_id == response_id).outerjoin(
        ANSWER_CHOICE_TABLE, ANSWER_CHOICE_TABLE.c.answer_id == ANSWER_TABLE.c.id
    )


def collect_answers(rows: Iterable[AnswerRow]) -> dict[str, AnswerValue]:
    """The rows of one response as values by question id (None for a skipped question).

    Rows without an answer (the NULLs of ``join_answers``) are passed over."""
    values: dict[str, AnswerValue] = {}
    for answer_id, group in groupby(rows, key=lambda row: row[1]):
        if answer_id is None:
            continue
        items = list(group)
        _, _, question_id, kind, number, text, flag, _, _ = items[0]
        options = [item[7] for item in items if item[7] is not None]
        values[question_id] = value_of(kind, number, text, flag, options)
    return values


def value_of(
    kind: str, number: float | None, text: str | None, flag: bool | None, options: list[str]
) -> AnswerValue:
    """A stored answer back as a value: the number, the option(s), yes/no or the text."""
    if kind == QuestionType.MULTI_CHOICE:
        return tuple(options) or None
    if kind == QuestionType.SINGLE_CHOICE:
        return options[0] if options else None
    if kind == QuestionType.YES_NO:
        return flag
    if kind == QuestionType.TEXT:
        return text
    return int(number) if number is not None and number.is_integer() else number


# Built once: a statement object reused with new parameters skips SQLAlchemy's cache-key work.
_INSERT_ANSWER = insert(ANSWER_TABLE)
_INSERT_CHOICE = insert(ANSWER_CHOICE_TABLE)
_ONE_RESPONSE = answer_rows().where(ANSWER_TABLE.c.response_id == bindparam("response_id"))


def stored_answers(db: Connection, response_id: int) -> dict[str, AnswerValue]:
    """The answers of one response as the engine sees them."""
    rows = db.execute(_ONE_RESPONSE, {"response_id": response_id})
    return collect_answers(rows)


def insert_answer(
    db: Connection,
    response_id: int,
    question: Question,
    value: AnswerValue,
    *,
    text_language: str | None = None,
) -> None:
    """Write one answer (and its ticked options); the caller commits."""
    kind = question.type
    number = float(value) if kind in _NUMBER_TYPES and isinstance(value, int | float) else None
    row = {
        "response_id": response_id,
        "question_id": question.id,
        "question_type": kind.value,
        "number_value": None if isinstance(value, bool) else number,
        "text_value": value if kind is QuestionType.TEXT and isinstance(value, str) else None,
        "bool_value": value if isinstance(value, bool) else None,
        "text_language": text_language,
        "answered_at": utcnow(),
    }
    inserted = db.execute(_INSERT_ANSWER, row).inserted_primary_key
    assert inserted is not None
    answer_id = inserted[0]
    options = (value,) if kind is QuestionType.SINGLE_CHOICE and isinstance(value, str) else value
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE) and isinstance(
        options, tuple
    ):
        db.execute(
            _INSERT_CHOICE,
            [
                {"answer_id": answer_id, "option_id": o, "position": i}
                for i, o in enumerate(options)
            ],
        )
