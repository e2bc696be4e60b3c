"""The flow engine: which inputs each question accepts, conditions, skipping and stepping.

Pure functions only: no database, no Telegram.
"""

from __future__ import annotations

from typing import Any

import pytest

from civic_feedback.flows.engine import (
    AnswerValue,
    Button,
    Done,
    Input,
    Pick,
    RefusalReason,
    Rejected,
    Skip,
    Step,
    Text,
    advance,
    check_choices,
    condition_holds,
    is_visible,
    next_question,
    parse_input,
    toggle_choice,
)
from civic_feedback.flows.schema import Condition, Flow, Question

# --- a small factory for flows -----------------------------------------------------------


def question(qid: str, kind: str, **keys: Any) -> dict[str, Any]:
    """A question as an organizer would write it, with an English text."""
    return {"id": qid, "type": kind, "text": {"en": f"Question {qid}?"}, **keys}


def options(*ids: str) -> list[dict[str, Any]]:
    return [{"id": option_id, "text": {"en": option_id.title()}} for option_id in ids]


def make_flow(*questions: dict[str, Any]) -> Flow:
    return Flow.model_validate(
        {"id": "test", "title": {"en": "Test"}, "languages": ["en"], "questions": list(questions)}
    )


def make_question(kind: str, **keys: Any) -> Question:
    """A single question of a one-question flow."""
    return make_flow(question("q", kind, **keys)).questions[0]


RATING = make_question("rating")
RATING_10 = make_question("rating", scale=10)
NPS = make_question("nps")
SINGLE = make_question("single_choice", options=options("parks", "roads", "schools"))
MULTI = make_question(
    "multi_choice", options=options("parks", "roads", "schools", "health"), max_choices=2
)
MULTI_AT_LEAST_2 = make_question(
    "multi_choice", options=options("parks", "roads", "schools"), min_choices=2
)
YES_NO = make_question("yes_no")
TEXT = make_question("text", max_length=10)
TEXT_DEFAULT = make_question("text")
NUMBER = make_question("number", min=14, max=120)
NUMBER_ANY = make_question("number")
NUMBER_AT_LEAST_0 = make_question("number", min=0)


# --- accepted inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "given", "value"),
    [
        (RATING, Button("4"), 4),
        (RATING, Button("1"), 1),
        (RATING, Button("5"), 5),
        (RATING, Text("3"), 3),
        (RATING, Text(" 5 "), 5),
        (RATING_10, Button("10"), 10),
        (NPS, Button("0"), 0),
        (NPS, Button("10"), 10),
        (NPS, Text("7"), 7),
        (SINGLE, Button("roads"), "roads"),
        (SINGLE, Text("roads"), "roads"),
        (SINGLE, Pick(0), "parks"),
        (SINGLE, Pick(2), "schools"),
        (YES_NO, Button("yes"), True),
        (YES_NO, Button("no"), False),
        (TEXT, Text("Good talk"), "Good talk"),
        (TEXT, Text("  padded \n"), "padded"),
        (TEXT, Text("x" * 10), "x" * 10),
        (TEXT_DEFAULT, Text("y" * 2000), "y" * 2000),
        (NUMBER, Text("14"), 14),
        (NUMBER, Text("120"), 120),
        (NUMBER, Text("35.0"), 35),
        (NUMBER_ANY, Text("2,5"), 2.5),
        (NUMBER_ANY, Text("2.5"), 2.5),
        (NUMBER_ANY, Text("-3"), -3),
        (NUMBER_ANY, Text(" 1 000 "), 1000),
        (NUMBER_ANY, Text("0"), 0),
        (MULTI, Done(("roads",)), ("roads",)),
    ],
)
def test_accepted_input_gives_the_value_to_store(
    q: Question, given: Input, value: AnswerValue
) -> None:
    assert parse_input(q, given) == value


def test_typed_rating_is_stored_as_an_int() -> None:
    assert type(parse_input(RATING, Text("4"))) is int


def test_integral_number_is_stored_as_an_int() -> None:
    value = parse_input(NUMBER, Text("14"))
    assert value == 14
    assert type(value) is int


def test_number_with_a_decimal_comma_is_stored_as_a_float() -> None:
    value = parse_input(NUMBER_ANY, Text("2,5"))
    assert value == 2.5
    assert type(value) is float


def test_yes_no_is_stored_as_a_bool() -> None:
    assert parse_input(YES_NO, Button("yes")) is True
    assert parse_input(YES_NO, Button("no")) is False


# --- refused inputs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "given", "refusal"),
    [
        (RATING, Button("0"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 1, "max": 5})),
        (RATING, Button("6"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 1, "max": 5})),
        (RATING, Text("9"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 1, "max": 5})),
        (RATING_10, Text("11"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 1, "max": 10})),
        (RATING, Text("four"), Rejected(RefusalReason.NEEDS_BUTTON)),
        (RATING, Text("4.5"), Rejected(RefusalReason.NEEDS_BUTTON)),
        (RATING, Text("-1"), Rejected(RefusalReason.NEEDS_BUTTON)),
        (RATING, Text(""), Rejected(RefusalReason.NEEDS_BUTTON)),
        (RATING, Done(()), Rejected(RefusalReason.STALE)),
        (NPS, Button("11"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 0, "max": 10})),
        (NPS, Text("100"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 0, "max": 10})),
        (SINGLE, Button("gardens"), Rejected(RefusalReason.UNKNOWN_OPTION)),
        (SINGLE, Text("gardens"), Rejected(RefusalReason.NEEDS_BUTTON)),
        (SINGLE, Pick(3), Rejected(RefusalReason.UNKNOWN_OPTION)),
        (SINGLE, Pick(-1), Rejected(RefusalReason.UNKNOWN_OPTION)),
        (RATING, Pick(0), Rejected(RefusalReason.STALE)),
        (YES_NO, Pick(0), Rejected(RefusalReason.STALE)),
        (TEXT, Pick(0), Rejected(RefusalReason.NEEDS_TEXT)),
        (NUMBER, Pick(0), Rejected(RefusalReason.NEEDS_TEXT)),
        (MULTI, Pick(0), Rejected(RefusalReason.NEEDS_BUTTON)),
        (YES_NO, Button("maybe"), Rejected(RefusalReason.NEEDS_BUTTON)),
        (YES_NO, Text("Yes"), Rejected(RefusalReason.NEEDS_BUTTON)),
        (TEXT, Text(""), Rejected(RefusalReason.EMPTY)),
        (TEXT, Text("  \n\t "), Rejected(RefusalReason.EMPTY)),
        (TEXT, Text("x" * 11), Rejected(RefusalReason.TOO_LONG, {"max": 10, "length": 11})),
        (
            TEXT_DEFAULT,
            Text("y" * 2001),
            Rejected(RefusalReason.TOO_LONG, {"max": 2000, "length": 2001}),
        ),
        (TEXT, Button("yes"), Rejected(RefusalReason.NEEDS_TEXT)),
        (TEXT, Done(()), Rejected(RefusalReason.NEEDS_TEXT)),
        (NUMBER, Text("abc"), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER, Text(""), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER, Text("1,2,3"), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER_ANY, Text("nan"), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER_ANY, Text("NaN"), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER_ANY, Text("inf"), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER_ANY, Text("-Infinity"), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER_ANY, Text("1e400"), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER_ANY, Text("1" * 33), Rejected(RefusalReason.NOT_A_NUMBER)),
        (NUMBER, Text("13"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 14, "max": 120})),
        (NUMBER, Text("120,5"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 14, "max": 120})),
        (NUMBER_AT_LEAST_0, Text("-1"), Rejected(RefusalReason.OUT_OF_RANGE, {"min": 0})),
        (NUMBER, Button("20"), Rejected(RefusalReason.NEEDS_TEXT)),
        (MULTI, Button("roads"), Rejected(RefusalReason.NEEDS_BUTTON)),
        (MULTI, Text("roads"), Rejected(RefusalReason.NEEDS_BUTTON)),
    ],
)
def test_refused_input_says_why(q: Question, given: Input, refusal: Rejected) -> None:
    assert parse_input(q, given) == refusal


def test_number_out_of_range_gives_the_limits_for_the_message() -> None:
    refusal = parse_input(NUMBER, Text("7"))

    assert isinstance(refusal, Rejected)
    assert refusal.reason is RefusalReason.OUT_OF_RANGE
    assert refusal.limits == {"min": 14.0, "max": 120.0}


@pytest.mark.parametrize("q", [RATING, NPS], ids=["rating", "nps"])
@pytest.mark.parametrize("digit_like", ["²", "①"], ids=["superscript-two", "circled-one"])
def test_digit_like_character_is_refused_not_crashing(q: Question, digit_like: str) -> None:
    assert parse_input(q, Text(digit_like)) == Rejected(RefusalReason.NEEDS_BUTTON)
    assert parse_input(q, Button(digit_like)) == Rejected(RefusalReason.NEEDS_BUTTON)


# --- multi-choice: ticking and Done ------------------------------------------------------


# MULTI's options, by position: 0 parks, 1 roads, 2 schools, 3 health.


def test_toggle_ticks_the_option_at_the_index() -> None:
    assert toggle_choice(MULTI, (), 1) == ("roads",)
    assert toggle_choice(MULTI, ("roads",), 0) == ("roads", "parks")


def test_toggle_unticks_a_ticked_option() -> None:
    assert toggle_choice(MULTI, ("roads", "parks"), 1) == ("parks",)


def test_toggle_refuses_a_tick_beyond_max_choices() -> None:
    assert toggle_choice(MULTI, ("roads", "parks"), 2) == Rejected(
        RefusalReason.TOO_MANY_CHOICES, {"max": 2}
    )


def test_toggle_still_unticks_when_at_max_choices() -> None:
    assert toggle_choice(MULTI, ("roads", "parks"), 0) == ("roads",)


@pytest.mark.parametrize("index", [-1, 4, 99])
def test_toggle_refuses_an_index_with_no_option(index: int) -> None:
    assert toggle_choice(MULTI, (), index) == Rejected(RefusalReason.UNKNOWN_OPTION)


def test_toggle_refuses_a_question_that_is_not_multi_choice() -> None:
    assert toggle_choice(SINGLE, (), 0) == Rejected(RefusalReason.UNKNOWN_OPTION)


@pytest.mark.parametrize(
    ("q", "selected", "outcome"),
    [
        (MULTI, (), Rejected(RefusalReason.TOO_FEW_CHOICES, {"min": 1})),
        (MULTI_AT_LEAST_2, ("roads",), Rejected(RefusalReason.TOO_FEW_CHOICES, {"min": 2})),
        (MULTI, ("roads", "parks", "health"), Rejected(RefusalReason.TOO_MANY_CHOICES, {"max": 2})),
        (MULTI, ("roads", "gardens"), Rejected(RefusalReason.UNKNOWN_OPTION)),
        (MULTI, ("health", "parks"), ("parks", "health")),
        (MULTI, ("roads", "roads"), ("roads",)),
        (MULTI_AT_LEAST_2, ("schools", "roads", "parks"), ("parks", "roads", "schools")),
    ],
    ids=["none", "too-few", "too-many", "unknown", "flow-order", "duplicate", "all"],
)
def test_done_checks_the_ticked_options(
    q: Question, selected: tuple[str, ...], outcome: tuple[str, ...] | Rejected
) -> None:
    assert parse_input(q, Done(selected)) == outcome
    assert check_choices(q, selected) == outcome


# --- conditions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "test", "answer", "shown"),
    [
        (question("t", "rating"), {"equals": 3}, 3, True),
        (question("t", "rating"), {"equals": 3}, 4, False),
        (question("t", "nps"), {"equals": 0}, 0, True),
        (question("t", "rating"), {"any_of": [1, 2]}, 2, True),
        (question("t", "rating"), {"any_of": [1, 2]}, 3, False),
        (question("t", "rating"), {"min": 4}, 4, True),
        (question("t", "rating"), {"min": 4}, 3, False),
        (question("t", "rating"), {"max": 3}, 3, True),
        (question("t", "rating"), {"max": 3}, 4, False),
        (question("t", "nps"), {"max": 6}, 0, True),
        (question("t", "number"), {"min": 2.5}, 2.5, True),
        (question("t", "number"), {"min": 2.5}, 2, False),
        (question("t", "number"), {"max": 0}, -1.5, True),
        (question("t", "single_choice", options=options("a", "b")), {"equals": "a"}, "a", True),
        (question("t", "single_choice", options=options("a", "b")), {"equals": "a"}, "b", False),
        (
            question("t", "single_choice", options=options("a", "b", "c")),
            {"any_of": ["a", "c"]},
            "c",
            True,
        ),
        (
            question("t", "multi_choice", options=options("a", "b")),
            {"equals": "a"},
            ("a", "b"),
            True,
        ),
        (question("t", "multi_choice", options=options("a", "b")), {"equals": "a"}, ("b",), False),
        (
            question("t", "multi_choice", options=options("a", "b", "c")),
            {"any_of": ["a", "c"]},
            ("b", "c"),
            True,
        ),
        (
            question("t", "multi_choice", options=options("a", "b", "c")),
            {"any_of": ["a", "c"]},
            ("b",),
            False,
        ),
        (question("t", "yes_no"), {"equals": True}, True, True),
        (question("t", "yes_no"), {"equals": True}, False, False),
        (question("t", "yes_no"), {"equals": False}, False, True),
        (question("t", "yes_no"), {"equals": False}, True, False),
        (question("t", "yes_no"), {"any_of": [False]}, False, True),
        (question("t", "text"), {"answered": True}, "hello", True),
        (question("t", "text", required=False), {"answered": True}, None, False),
        (question("t", "text"), {"answered": False}, "hello", False),
        (question("t", "text", required=False), {"answered": False}, None, True),
        (question("t", "rating", required=False), {"max": 3}, None, False),
        (question("t", "yes_no", required=False), {"equals": False}, None, False),
    ],
)
def test_condition_decides_whether_the_question_is_shown(
    target: dict[str, Any], test: dict[str, Any], answer: AnswerValue, shown: bool
) -> None:
    flow = make_flow(target, question("follow_up", "text", when={"t": test}))

    expected = flow.questions[1] if shown else None
    assert next_question(flow, {"t": answer}) == expected


@pytest.mark.parametrize(
    ("test", "shown"), [({"answered": True}, False), ({"answered": False}, True)]
)
def test_hidden_question_counts_as_not_answered(test: dict[str, Any], shown: bool) -> None:
    flow = make_flow(
        question("overall", "rating"),
        question("comment", "text", when={"overall": {"max": 3}}),
        question("thanks", "yes_no", when={"comment": test}),
    )

    current = next_question(flow, {"overall": 5})

    assert (current == flow.questions[2]) is shown


def test_yes_no_answer_does_not_equal_a_number() -> None:
    assert not condition_holds(Condition(equals=1), True, answered=True)
    assert not condition_holds(Condition(equals=0), False, answered=True)
    assert not condition_holds(Condition(equals=True), 1, answered=True)


def test_every_condition_of_a_question_must_hold() -> None:
    flow = make_flow(
        question("overall", "rating"),
        question("attended", "yes_no"),
        question("why", "text", when={"overall": {"max": 2}, "attended": {"equals": True}}),
    )
    why = flow.questions[2]

    assert is_visible(why, {"overall": 1, "attended": True})
    assert not is_visible(why, {"overall": 1, "attended": False})
    assert not is_visible(why, {"overall": 5, "attended": True})


# --- skipping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        make_question("rating", required=False),
        make_question("text", required=False),
        make_question("multi_choice", required=False, options=options("a", "b")),
        make_question("number", required=False),
    ],
    ids=lambda q: q.type.value,
)
def test_skip_on_optional_question_stores_none(q: Question) -> None:
    assert parse_input(q, Skip()) is None


@pytest.mark.parametrize(
    "q", [RATING, NPS, SINGLE, MULTI, YES_NO, TEXT, NUMBER], ids=lambda q: q.type.value
)
def test_skip_on_required_question_is_refused(q: Question) -> None:
    assert parse_input(q, Skip()) == Rejected(RefusalReason.REQUIRED)


def test_skip_on_required_question_is_refused_by_advance() -> None:
    flow = make_flow(question("overall", "rating"))
    assert advance(flow, {}, "overall", Skip()) == Rejected(RefusalReason.REQUIRED)


def test_skipped_question_is_stored_as_none_and_not_asked_again() -> None:
    flow = make_flow(question("comment", "text", required=False), question("age", "number"))

    step = advance(flow, {}, "comment", Skip())

    assert step == Step(flow.questions[0], None, flow.questions[1])
    assert next_question(flow, {"comment": None}) == flow.questions[1]


def test_skipped_question_counts_as_not_answered() -> None:
    flow = make_flow(
        question("comment", "text", required=False),
        question("contact", "yes_no", when={"comment": {"answered": True}}),
        question("age", "number", required=False),
    )

    step = advance(flow, {}, "comment", Skip())

    assert isinstance(step, Step)
    assert step.next == flow.questions[2]


# --- stepping through a flow -------------------------------------------------------------

EVENT = make_flow(
    question("overall", "rating"),
    question("comment", "text", required=False, when={"overall": {"max": 3}}),
    question("attended", "yes_no"),
)


def test_first_question_is_asked_first() -> None:
    assert next_question(EVENT, {}) == EVENT.questions[0]


def test_hidden_question_is_skipped_by_next_question() -> None:
    assert next_question(EVENT, {"overall": 5}) == EVENT.questions[2]


def test_question_is_shown_when_its_condition_holds() -> None:
    assert next_question(EVENT, {"overall": 2}) == EVENT.questions[1]


def test_advance_stores_the_value_and_names_the_next_question() -> None:
    step = advance(EVENT, {}, "overall", Button("2"))

    assert step == Step(EVENT.questions[0], 2, EVENT.questions[1])
    assert not step.finished


def test_advance_passes_a_hidden_question() -> None:
    step = advance(EVENT, {}, "overall", Button("5"))

    assert isinstance(step, Step)
    assert step.next == EVENT.questions[2]


def test_answering_the_last_question_finishes_the_flow() -> None:
    step = advance(EVENT, {"overall": 5}, "attended", Button("no"))

    assert isinstance(step, Step)
    assert step.value is False
    assert step.next is None
    assert step.finished


def test_finished_flow_has_no_next_question() -> None:
    assert next_question(EVENT, {"overall": 2, "comment": "ok", "attended": True}) is None


@pytest.mark.parametrize(
    ("answers", "question_id"),
    [
        ({}, "attended"),
        ({"overall": 4}, "overall"),
        ({"overall": 4}, "comment"),
        ({"overall": 4}, "unknown"),
        ({"overall": 4, "attended": True}, "attended"),
    ],
    ids=["later", "already-answered", "hidden", "unknown", "finished"],
)
def test_input_for_a_question_that_is_not_the_current_one_is_stale(
    answers: dict[str, AnswerValue], question_id: str
) -> None:
    assert advance(EVENT, answers, question_id, Button("yes")) == Rejected(RefusalReason.STALE)


def test_refused_input_is_returned_by_advance() -> None:
    assert advance(EVENT, {}, "overall", Button("9")) == Rejected(
        RefusalReason.OUT_OF_RANGE, {"min": 1, "max": 5}
    )


def test_advance_does_not_change_the_answers_it_is_given() -> None:
    answers: dict[str, AnswerValue] = {"overall": 2}

    advance(EVENT, answers, "comment", Text("More chairs"))

    assert answers == {"overall": 2}


def test_a_whole_run_stores_the_expected_answers() -> None:
    answers: dict[str, AnswerValue] = {}
    inputs: list[Input] = [Text("2"), Text("  More chairs  "), Button("yes")]
    for given in inputs:
        current = next_question(EVENT, answers)
        assert current is not None
        step = advance(EVENT, answers, current.id, given)
        assert isinstance(step, Step)
        answers[current.id] = step.value

    assert answers == {"overall": 2, "comment": "More chairs", "attended": True}
    assert next_question(EVENT, answers) is None
