"""The flow format organizers write, as pydantic models (see docs/flow-format.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from civic_feedback.core.form_windows import read_window_time, window_bound
from civic_feedback.core.sentences import Sentence

FLOW_ID_PATTERN = r"^[a-z0-9-]{1,64}$"
QUESTION_ID_PATTERN = r"^[a-z0-9_]{1,64}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
MAX_TEXT_LENGTH = 4000
DEFAULT_TEXT_LENGTH = 2000


class QuestionType(StrEnum):
    RATING = "rating"
    NPS = "nps"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    TEXT = "text"
    NUMBER = "number"


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE})
NUMERIC_TYPES = frozenset({QuestionType.RATING, QuestionType.NPS, QuestionType.NUMBER})


def _has_every_language(value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    # The flow's languages come through the validation context, so that a text missing a
    # language is reported where the text is, even when other parts of the flow are invalid.
    languages: list[str] = (info.context or {}).get("languages", [])
    missing = [lang for lang in languages if not value.get(lang, "").strip()]
    if missing:
        raise ValueError(
            Sentence(
                "missing_text",
                "missing text for language {languages}",
                languages=", ".join(missing),
            )
        )
    return value


LocalText = Annotated[dict[str, str], AfterValidator(_has_every_language)]


def in_language(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language``, else the first one there is ("" when there is none)."""
    return texts.get(language) or next(iter(texts.values()), "")


"""A text in every language of the flow: ``{bg: "...", en: "..."}``."""

Scalar = StrictBool | int | float | str


class Condition(BaseModel):
    """One test on an earlier answer; exactly one key is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    equals: Scalar | None = None
    any_of: list[Scalar] | None = Field(default=None, min_length=1)
    min: float | None = None
    max: float | None = None
    answered: StrictBool | None = None

    @model_validator(mode="after")
    def _exactly_one_test(self) -> Condition:
        given = [key for key in self.model_fields_set if getattr(self, key) is not None]
        if len(self.model_fields_set) != 1 or len(given) != 1:
            raise ValueError(
                Sentence("one_test", "write exactly one of equals, any_of, min, max, answered")
            )
        return self


class Option(BaseModel):
    """One choice of a single_choice or multi_choice question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=QUESTION_ID_PATTERN)
    text: LocalText


_ONLY_FOR: dict[str, frozenset[QuestionType]] = {
    "scale": frozenset({QuestionType.RATING}),
    "options": CHOICE_TYPES,
    "min_choices": frozenset({QuestionType.MULTI_CHOICE}),
    "max_choices": frozenset({QuestionType.MULTI_CHOICE}),
    "max_length": frozenset({QuestionType.TEXT}),
    "min": frozenset({QuestionType.NUMBER}),
    "max": frozenset({QuestionType.NUMBER}),
}


def _number(value: Any) -> float | None:
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if valid else None


def question_type_problems(question: Mapping[str, Any]) -> list[str]:
    """What does not fit the question's type, read from its keys as written.

    Works on raw data too, so the loader can report these while other keys of the same
    question are still invalid (pydantic only runs a model's checks once its fields pass).
    """
    try:
        kind = QuestionType(str(question.get("type")))
    except ValueError:
        return []
    problems: list[str] = [
        Sentence(
            "not_for_type", "'{key}' does not apply to a {type} question", key=key, type=kind.value
        )
        for key, types in _ONLY_FOR.items()
        if key in question and kind not in types
    ]
    scale = _number(question.get("scale", 5))
    if kind is QuestionType.RATING and scale is not None and not 3 <= scale <= 10:
        problems.append(
            Sentence(
                "scale_range", "scale must be between 3 and 10, not {scale}", scale=f"{scale:g}"
            )
        )
    options = question.get("options")
    options = options if isinstance(options, list) else []
    if kind in CHOICE_TYPES:
        ids = [o.get("id") for o in options if isinstance(o, dict)]
        if len(options) < 2:
            problems.append(Sentence("two_options", "a choice question needs at least 2 options"))
        if len(set(map(str, ids))) != len(ids):
            problems.append(Sentence("unique_options", "option ids must be unique"))
    if kind is QuestionType.MULTI_CHOICE:
        low = _number(question.get("min_choices", 1))
        high = _number(question.get("max_choices", len(options)))
        if low is not None and low < 1:
            problems.append(Sentence("min_choices_one", "min_choices must be at least 1"))
        if high is not None and high > len(options):
            problems.append(
                Sentence("max_choices_options", "max_choices is more than the number of options")
            )
        if low is not None and high is not None and low > high:
            problems.append(
                Sentence(
                    "choices_order",
                    "min_choices ({low}) is greater than max_choices ({high})",
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            )
    length = _number(question.get("max_length"))
    if length is not None and not 1 <= length <= MAX_TEXT_LENGTH:
        problems.append(
            Sentence(
                "max_length_range",
                "max_length must be between 1 and {limit}",
                limit=str(MAX_TEXT_LENGTH),
            )
        )
    low, high = _number(question.get("min")), _number(question.get("max"))
    if low is not None and high is not None and low > high:
        problems.append(
            Sentence(
                "min_max_order",
                "min ({low}) is greater than max ({high})",
                low=f"{low:g}",
                high=f"{high:g}",
            )
        )
    return problems


class Question(BaseModel):
    """One question; which keys apply depends on its type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=QUESTION_ID_PATTERN)
    type: QuestionType
    text: LocalText
    required: StrictBool = True
    private: StrictBool | None = None
    when: dict[str, Condition] | None = None
    scale: int | None = None
    options: list[Option] | None = None
    min_choices: int | None = None
    max_choices: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _keys_fit_the_type(self) -> Question:
        problems = question_type_problems(self.model_dump(mode="json", exclude_unset=True))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_private(self) -> bool:
        """Never shown in published results: free text unless the flow says otherwise."""
        return self.private if self.private is not None else self.type is QuestionType.TEXT

    @property
    def rating_scale(self) -> int:
        return 5 if self.scale is None else self.scale

    @property
    def choice_limits(self) -> tuple[int, int]:
        count = len(self.options or [])
        low = 1 if self.min_choices is None else self.min_choices
        return low, count if self.max_choices is None else self.max_choices

    @property
    def text_limit(self) -> int:
        return DEFAULT_TEXT_LENGTH if self.max_length is None else self.max_length

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options or [] if o.id == option_id), None)


class InboxFields(BaseModel):
    """Which questions make a submission a message to the municipality (the inbox)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message: str = Field(pattern=QUESTION_ID_PATTERN)  # a text question: the citizen's message
    topic: str | None = Field(default=None, pattern=QUESTION_ID_PATTERN)  # a single_choice
    contact: str | None = Field(default=None, pattern=QUESTION_ID_PATTERN)  # a yes_no: consent


INBOX_QUESTION_TYPES = {
    "message": QuestionType.TEXT,
    "topic": QuestionType.SINGLE_CHOICE,
    "contact": QuestionType.YES_NO,
}


class Flow(BaseModel):
    """A scripted form: questions asked one by one, in order, some only under conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=FLOW_ID_PATTERN)
    title: LocalText
    languages: list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]] = Field(min_length=1)
    anonymous: StrictBool = False
    repeatable: StrictBool = False
    intro: LocalText | None = None
    outro: LocalText | None = None
    inbox: InboxFields | None = None  # each submission becomes a message to the municipality
    questions: list[Question] = Field(min_length=1)
    # When the form takes answers, in UTC. They belong to the form, not to a version:
    # publishing sets them on the form, and no version's content (or hash) holds them.
    opens: datetime | None = Field(default=None, exclude=True)
    closes: datetime | None = Field(default=None, exclude=True)  # the first moment closed

    @field_validator("opens", "closes", mode="before")
    @classmethod
    def _window_bound(cls, value: Any, info: ValidationInfo) -> Any:
        # A time without an offset is in the zone the loader passes (TIMEZONE).
        if value is None:
            return None
        zone = (info.context or {}).get("zone", UTC)
        return window_bound(read_window_time(value), zone, closing=info.field_name == "closes")

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def pick_language(self, wanted: str | None) -> str:
        """The citizen's language when the flow has it, else the flow's default."""
        return wanted if wanted in self.languages else self.languages[0]


def text_in(text: dict[str, str], language: str, fallback: str) -> str:
    """A local text in one language, falling back to the flow's default language."""
    return text.get(language) or text[fallback]


def is_valid_flow_id(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(FLOW_ID_PATTERN, value) is not None
