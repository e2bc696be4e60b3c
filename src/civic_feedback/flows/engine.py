"""The flow engine: answers so far + one input -> the answer to store and the next question.

Pure and deterministic. The answers given so far are the whole state: the current question
is always the first question not yet answered whose condition holds, so a run can resume
from whatever was stored, after any restart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from civic_feedback.flows.schema import Condition, Flow, Question, QuestionType

AnswerValue = int | float | str | bool | tuple[str, ...] | None
"""A stored answer: a number, an option id, option ids, yes/no, text; None when skipped."""

Answers = Mapping[str, AnswerValue]
"""Answers so far by question id; hidden questions are absent, skipped ones are None."""

YES, NO = "yes", "no"
NPS_MAX = 10


class RefusalReason(StrEnum):
    """Why an input was refused; the bot and the CLI turn these into sentences."""

    STALE = "stale"  # input for a question that is not the current one
    NEEDS_BUTTON = "needs_button"
    NEEDS_TEXT = "needs_text"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_OPTION = "unknown_option"
    TOO_FEW_CHOICES = "too_few_choices"
    TOO_MANY_CHOICES = "too_many_choices"
    REQUIRED = "required"


@dataclass(frozen=True)
class Rejected:
    """The input was not accepted; nothing is stored. ``limits`` fill in the message."""

    reason: RefusalReason
    limits: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Text:
    """Something the citizen typed."""

    text: str


@dataclass(frozen=True)
class Button:
    """A button the citizen pressed: a rating or NPS number, an option id, yes or no."""

    value: str


@dataclass(frozen=True)
class Pick:
    """The option button at this position (buttons carry positions: Telegram allows 64 bytes)."""

    index: int


@dataclass(frozen=True)
class Skip:
    """The Skip button of an optional question."""


@dataclass(frozen=True)
class Done:
    """The Done button of a multi-choice question, with the options ticked so far."""

    selected: tuple[str, ...]


Input = Text | Button | Pick | Skip | Done


@dataclass(frozen=True)
class Step:
    """An accepted input: store ``value`` for ``question``; ``next`` is None when finished."""

    question: Question
    value: AnswerValue
    next: Question | None

    @property
    def finished(self) -> bool:
        return self.next is None


def condition_holds(condition: Condition, value: AnswerValue, answered: bool) -> bool:
    """One ``when`` test; a skipped or hidden question counts as not answered."""
    if condition.answered is not None:
        return condition.answered == answered
    if not answered:
        return False
    if condition.equals is not None:
        return _matches(value, [condition.equals])
    if condition.any_of is not None:
        return _matches(value, condition.any_of)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    if condition.min is not None:
        return value >= condition.min
    return condition.max is not None and value <= condition.max


def _matches(value: AnswerValue, wanted: list[bool | int | float | str]) -> bool:
    if isinstance(value, tuple):
        return any(choice in wanted for choice in value)
    if isinstance(value, bool):
        return any(isinstance(w, bool) and w is value for w in wanted)
    return any(not isinstance(w, bool) and w == value for w in wanted)


def is_visible(question: Question, answers: Answers) -> bool:
    """True when every condition of the question holds on the answers so far."""
    return all(
        condition_holds(test, answers.get(ref), answers.get(ref) is not None)
        for ref, test in (question.when or {}).items()
    )


def next_question(flow: Flow, answers: Answers) -> Question | None:
    """The current question: the first one not answered yet whose condition holds."""
    return next((q for q in flow.questions if q.id not in answers and is_visible(q, answers)), None)


def advance(flow: Flow, answers: Answers, question_id: str, given: Input) -> Step | Rejected:
    """Check one input for the current question; on success say what to store and ask next."""
    question = next_question(flow, answers)
    if question is None or question.id != question_id:
        return Rejected(RefusalReason.STALE)
    outcome = parse_input(question, given)
    if isinstance(outcome, Rejected):
        return outcome
    after = {**answers, question.id: outcome}
    return Step(question, outcome, next_question(flow, after))


def parse_input(question: Question, given: Input) -> AnswerValue | Rejected:
    """The value an input stands for on this question, or why it is refused."""
    if isinstance(given, Skip):
        return None if not question.required else Rejected(RefusalReason.REQUIRED)
    kind = question.type
    if kind is QuestionType.TEXT:
        return _parse_text(question, given)
    if kind is QuestionType.NUMBER:
        if not isinstance(given, Text):
            return Rejected(RefusalReason.NEEDS_TEXT)
        return _parse_number(given.text, question.min, question.max)
    if kind is QuestionType.MULTI_CHOICE:
        return (
            check_choices(question, given.selected)
            if isinstance(given, Done)
            else Rejected(RefusalReason.NEEDS_BUTTON)
        )
    if isinstance(given, Done):
        return Rejected(RefusalReason.STALE)
    if isinstance(given, Pick):
        return _parse_pick(question, given.index)
    return _parse_button(question, given)


def _parse_pick(question: Question, index: int) -> str | Rejected:
    options = question.options or []
    if question.type is not QuestionType.SINGLE_CHOICE:
        return Rejected(RefusalReason.STALE)
    if not 0 <= index < len(options):
        return Rejected(RefusalReason.UNKNOWN_OPTION)
    return options[index].id


def _parse_text(question: Question, given: Input) -> str | Rejected:
    if not isinstance(given, Text):
        return Rejected(RefusalReason.NEEDS_TEXT)
    text = given.text.strip()
    if not text:
        return Rejected(RefusalReason.EMPTY)
    if len(text) > question.text_limit:
        return Rejected(RefusalReason.TOO_LONG, {"max": question.text_limit, "length": len(text)})
    return text


def _parse_button(question: Question, given: Text | Button) -> AnswerValue | Rejected:
    """Rating, NPS, single choice, yes/no: a button, or the same typed as text."""
    raw = given.value if isinstance(given, Button) else given.text.strip()
    kind = question.type
    if kind is QuestionType.RATING:
        return _parse_whole(raw, 1, question.rating_scale)
    if kind is QuestionType.NPS:
        return _parse_whole(raw, 0, NPS_MAX)
    if kind is QuestionType.YES_NO:
        if raw in (YES, NO):
            return raw == YES
        return Rejected(RefusalReason.NEEDS_BUTTON)
    if question.option(raw) is None:
        reason = (
            RefusalReason.UNKNOWN_OPTION
            if isinstance(given, Button)
            else RefusalReason.NEEDS_BUTTON
        )
        return Rejected(reason)
    return raw


def _parse_whole(raw: str, low: int, high: int) -> int | Rejected:
    if not (raw.isascii() and raw.isdigit()):  # "²" and "①" are digits to str.isdigit
        return Rejected(RefusalReason.NEEDS_BUTTON)
    value = int(raw)
    if not low <= value <= high:
        return Rejected(RefusalReason.OUT_OF_RANGE, {"min": low, "max": high})
    return value


def _parse_number(raw: str, low: float | None, high: float | None) -> int | float | Rejected:
    # Bulgarian and Turkish write a decimal comma: "2,5" is two and a half.
    text = raw.strip().replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return Rejected(RefusalReason.NOT_A_NUMBER)
    if not math.isfinite(number) or len(text) > 32:
        return Rejected(RefusalReason.NOT_A_NUMBER)
    if (low is not None and number < low) or (high is not None and number > high):
        limits = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        return Rejected(RefusalReason.OUT_OF_RANGE, limits)
    return int(number) if number.is_integer() else number


def check_choices(question: Question, selected: tuple[str, ...]) -> tuple[str, ...] | Rejected:
    """Validate the ticked options of a multi-choice question; returns them in flow order."""
    if any(question.option(option) is None for option in selected):
        return Rejected(RefusalReason.UNKNOWN_OPTION)
    low, high = question.choice_limits
    ordered = tuple(o.id for o in question.options or [] if o.id in selected)
    if len(ordered) < low:
        return Rejected(RefusalReason.TOO_FEW_CHOICES, {"min": low})
    if len(ordered) > high:
        return Rejected(RefusalReason.TOO_MANY_CHOICES, {"max": high})
    return ordered


def toggle_choice(
    question: Question, selected: tuple[str, ...], index: int
) -> tuple[str, ...] | Rejected:
    """Tick or untick the option at ``index``, refusing one tick too many."""
    options = question.options or []
    if question.type is not QuestionType.MULTI_CHOICE or not 0 <= index < len(options):
        return Rejected(RefusalReason.UNKNOWN_OPTION)
    option_id = options[index].id
    if option_id in selected:
        return tuple(o for o in selected if o != option_id)
    _, high = question.choice_limits
    if len(selected) >= high:
        return Rejected(RefusalReason.TOO_MANY_CHOICES, {"max": high})
    return (*selected, option_id)


def is_valid_answer(question: Question, value: AnswerValue) -> bool:
    """Whether a stored value is one this question can have (the property tests hold to it)."""
    if value is None:
        return not question.required
    kind = question.type
    if kind is QuestionType.MULTI_CHOICE:
        return isinstance(value, tuple) and check_choices(question, value) == value
    if kind is QuestionType.YES_NO:
        return isinstance(value, bool)
    if kind is QuestionType.TEXT:
        return isinstance(value, str) and 0 < len(value) <= question.text_limit
    if kind is QuestionType.SINGLE_CHOICE:
        return isinstance(value, str) and question.option(value) is not None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if kind is QuestionType.NUMBER:
        return (question.min is None or value >= question.min) and (
            question.max is None or value <= question.max
        )
    high = question.rating_scale if kind is QuestionType.RATING else NPS_MAX
    low = 1 if kind is QuestionType.RATING else 0
    return isinstance(value, int) and low <= value <= high
