"""Figures of one question from grouped answer counts, and the rounding every report uses.

Rates are fractions 0..1 with 4 decimals, averages have 2 decimals, NPS is a whole number;
all are rounded half away from zero from exact integer counts, so the same counts give the
same figures on every database. A figure of nothing (no answers, no base) is None, never 0
and never NaN.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from civic_feedback.core.text_language import UNDETERMINED
from civic_feedback.flows.schema import CHOICE_TYPES, Question, QuestionType
from civic_feedback.storage.summary_queries import OptionCount, TextCount, ValueCount

NPS_SCALE = range(11)
PROMOTERS = 9  # 9-10
PASSIVES = 7  # 7-8; below is a detractor


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def share(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction with 4 decimals; None when ``whole`` is 0."""
    return float(_rounded(Decimal(part) / whole, 4)) if whole else None


def mean(total: Decimal, count: int) -> float | None:
    return float(_rounded(total / count, 2)) if count else None


def on_five(point: int, scale: int) -> Decimal:
    """A rating on a 1-``scale`` scale put on 1-5: 1 stays 1, the top of any scale is 5."""
    return 1 + Decimal(4) / (scale - 1) * (point - 1)


def net_score(promoters: int, detractors: int, answered: int) -> int | None:
    """NPS: 100 × (promoters − detractors) / answered, whole; None when nobody answered."""
    if not answered:
        return None
    return int(_rounded(Decimal(100 * (promoters - detractors)) / answered, 0))


def point(value: float) -> str:
    """A scale point as a JSON key: ``4``, or ``4.5`` should a value not be whole."""
    return str(int(value)) if value.is_integer() else str(value)


QuestionKey = tuple[str, str, int | None]
"""(question id, type, rating scale): answers under one key are summarised together."""


def question_key(question: Question) -> QuestionKey:
    scale = question.rating_scale if question.type is QuestionType.RATING else None
    return question.id, question.type.value, scale


@dataclass
class Tally:
    """Counts gathered for one question, from any number of grouped rows."""

    answered: int = 0
    values: Counter[float] = field(default_factory=Counter)
    yes: int = 0
    no: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    options: Counter[str] = field(default_factory=Counter)

    def add_values(self, kind: str, counted: ValueCount) -> None:
        """Add answers of a question of this type that share a number or a yes/no."""
        if kind == QuestionType.YES_NO:
            self.yes += counted.answers if counted.flag is True else 0
            self.no += counted.answers if counted.flag is False else 0
            self.answered += counted.answers if counted.flag is not None else 0
        elif counted.number is not None:
            self.values[counted.number] += counted.answers
            self.answered += counted.answers

    def add_texts(self, kind: str, counted: TextCount) -> None:
        """Add the texts a question of this type got in one language."""
        if kind == QuestionType.TEXT:
            self.languages[counted.language or UNDETERMINED] += counted.texts
            self.answered += counted.texts

    def add_options(self, kind: str, counted: OptionCount) -> None:
        """Add the ticks of one option of a question of this type."""
        if kind in CHOICE_TYPES:
            self.options[counted.option_id] += counted.ticks
            self.answered += counted.answers


@dataclass(frozen=True)
class QuestionFigures:
    """What a summary says about one question; fields that do not fit its type are None."""

    id: str
    type: str
    scale: int | None
    answered: int
    average: float | None = None
    distribution: dict[str, int] | None = None
    csat: float | None = None
    nps: int | None = None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    options: dict[str, int] | None = None
    yes: int | None = None
    no: int | None = None
    yes_share: float | None = None
    no_share: float | None = None
    languages: dict[str, int] | None = None

    def as_json(self) -> dict[str, Any]:
        """The documented keys of this question's type only (docs/summary-format.md)."""
        return {"id": self.id, "type": self.type} | {
            key: getattr(self, key) for key in _JSON_KEYS[self.type]
        }


_JSON_KEYS = {
    QuestionType.RATING.value: ("scale", "answered", "average", "distribution", "csat"),
    QuestionType.NPS.value: (
        "answered",
        "average",
        "distribution",
        "nps",
        "promoters",
        "passives",
        "detractors",
    ),
    QuestionType.NUMBER.value: ("answered", "average"),
    QuestionType.SINGLE_CHOICE.value: ("answered", "options"),
    QuestionType.MULTI_CHOICE.value: ("answered", "options"),
    QuestionType.YES_NO.value: ("answered", "yes", "no", "yes_share", "no_share"),
    QuestionType.TEXT.value: ("answered", "languages"),
}


def question_figures(key: QuestionKey, tally: Tally, option_order: list[str]) -> QuestionFigures:
    """The figures of one question; ``option_order`` lists a choice question's options."""
    question_id, kind, scale = key
    answered = tally.answered
    total = sum((Decimal(str(v)) * n for v, n in tally.values.items()), Decimal(0))
    base = QuestionFigures(question_id, kind, scale, answered)
    if kind == QuestionType.RATING and scale is not None:
        top_two = tally.values[scale] + tally.values[scale - 1]
        return replace(
            base,
            average=mean(total, answered),
            distribution={str(p): tally.values[p] for p in range(1, scale + 1)},
            csat=share(top_two, answered),
        )
    if kind == QuestionType.NPS:
        promoters = sum(n for v, n in tally.values.items() if v >= PROMOTERS)
        passives = sum(n for v, n in tally.values.items() if PASSIVES <= v < PROMOTERS)
        detractors = answered - promoters - passives
        return replace(
            base,
            average=mean(total, answered),
            distribution={str(p): tally.values[p] for p in NPS_SCALE},
            nps=net_score(promoters, detractors, answered),
            promoters=promoters,
            passives=passives,
            detractors=detractors,
        )
    if kind == QuestionType.NUMBER:
        return replace(base, average=mean(total, answered))
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
        # Options of older versions that were ticked come after the current ones.
        known = option_order + sorted(set(tally.options) - set(option_order))
        return replace(base, options={option: tally.options[option] for option in known})
    if kind == QuestionType.YES_NO:
        return replace(
            base,
            yes=tally.yes,
            no=tally.no,
            yes_share=share(tally.yes, answered),
            no_share=share(tally.no, answered),
        )
    ranked = sorted(tally.languages.items(), key=lambda item: (-item[1], item[0]))
    return replace(base, languages=dict(ranked))


def percent_text(value: float | None) -> str:
    """A share 0..1 as a whole percentage for people to read; "—" when there is none."""
    return "—" if value is None else f"{value * 100:.0f}%"
