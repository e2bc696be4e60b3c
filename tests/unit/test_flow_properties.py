"""Properties of the flow engine on random valid flows and random inputs (hypothesis)."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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
    is_valid_answer,
    is_visible,
    next_question,
    parse_input,
    toggle_choice,
)
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.flows.schema import CHOICE_TYPES, Flow, Question, QuestionType

PROPERTY = settings(max_examples=200, deadline=None)

OPTION_IDS = [f"o{i}" for i in range(5)]

# --- random valid flows ------------------------------------------------------------------

numbers = st.one_of(
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def question_specs(draw: st.DrawFn, qid: str) -> dict[str, Any]:
    """One question of a random type, with random but valid parameters for that type."""
    kind = draw(st.sampled_from(list(QuestionType)))
    spec: dict[str, Any] = {"id": qid, "type": kind.value, "text": {"en": f"Question {qid}?"}}
    if draw(st.booleans()):
        spec["required"] = draw(st.booleans())
    if kind is QuestionType.RATING and draw(st.booleans()):
        spec["scale"] = draw(st.integers(3, 10))
    if kind in CHOICE_TYPES:
        count = draw(st.integers(2, len(OPTION_IDS)))
        spec["options"] = [{"id": oid, "text": {"en": oid.upper()}} for oid in OPTION_IDS[:count]]
        if kind is QuestionType.MULTI_CHOICE:
            low = draw(st.integers(1, count))
            high = draw(st.integers(low, count))
            if low > 1 or draw(st.booleans()):
                spec["min_choices"] = low
            if high < count or draw(st.booleans()):
                spec["max_choices"] = high
    if kind is QuestionType.TEXT and draw(st.booleans()):
        spec["max_length"] = draw(st.one_of(st.sampled_from([1, 3, 4000]), st.integers(1, 4000)))
    if kind is QuestionType.NUMBER:
        bounds = sorted(draw(st.lists(numbers, max_size=2)))
        if len(bounds) == 2:
            spec["min"], spec["max"] = bounds
        elif bounds:
            spec[draw(st.sampled_from(["min", "max"]))] = bounds[0]
    return spec


@st.composite
def conditions(draw: st.DrawFn, target: dict[str, Any]) -> dict[str, Any]:
    """One test that makes sense for the type of the earlier question it refers to."""
    kind = QuestionType(target["type"])
    values: st.SearchStrategy[Any]
    if kind in CHOICE_TYPES:
        values = st.sampled_from([option["id"] for option in target["options"]])
    elif kind is QuestionType.YES_NO:
        values = st.booleans()
    elif kind is QuestionType.NUMBER:
        values = numbers
    else:
        values = st.integers(0, 11)
    tests: list[st.SearchStrategy[dict[str, Any]]] = [
        st.builds(lambda flag: {"answered": flag}, st.booleans())
    ]
    if kind is not QuestionType.TEXT:
        tests.append(st.builds(lambda value: {"equals": value}, values))
        tests.append(st.builds(lambda chosen: {"any_of": chosen}, st.lists(values, min_size=1)))
    if kind in {QuestionType.RATING, QuestionType.NPS, QuestionType.NUMBER}:
        tests.append(st.builds(lambda value: {"min": value}, values))
        tests.append(st.builds(lambda value: {"max": value}, values))
    return draw(st.one_of(tests))


@st.composite
def flow_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A flow as an organizer would write it; ``when`` only refers to earlier questions."""
    questions: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 7))):
        spec = draw(question_specs(f"q{index}"))
        if len(questions) > 0 and draw(st.booleans()):
            targets = draw(
                st.lists(
                    st.sampled_from(questions), min_size=1, max_size=2, unique_by=lambda q: q["id"]
                )
            )
            spec["when"] = {target["id"]: draw(conditions(target)) for target in targets}
        questions.append(spec)
    return {
        "id": "random-flow",
        "title": {"en": "Random"},
        "languages": ["en"],
        "questions": questions,
    }


flows = flow_specs().map(Flow.model_validate)

# --- random inputs -----------------------------------------------------------------------

# Any text at all, digit-like characters such as "²" and "①" included.
typed = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.integers(-20, 130).map(str),
    st.floats().map(str),
    st.from_regex(r"\A-?[0-9]{1,4}[.,][0-9]{1,3}\Z"),
    st.sampled_from(["", "  ", "yes", "no", "nan", "-inf", "o1", " 7 ", "x" * 5000]),
)
pressed = st.one_of(
    st.sampled_from([*OPTION_IDS, "zzz", "yes", "no"]),
    st.integers(-2, 12).map(str),
    typed,
)
any_input: st.SearchStrategy[Input] = st.one_of(
    typed.map(Text),
    pressed.map(Button),
    st.integers(-2, 6).map(Pick),
    st.just(Skip()),
    st.lists(st.sampled_from([*OPTION_IDS, "zzz"]), max_size=6).map(lambda ids: Done(tuple(ids))),
)


def valid_inputs(question: Question) -> st.SearchStrategy[Input]:
    """Inputs this question always accepts."""
    options = [option.id for option in question.options or []]
    kind = question.type
    found: list[st.SearchStrategy[Input]] = []
    if not question.required:
        found.append(st.just(Skip()))
    if kind is QuestionType.RATING:
        found.append(st.integers(1, question.rating_scale).map(lambda n: Button(str(n))))
        found.append(st.integers(1, question.rating_scale).map(lambda n: Text(f" {n} ")))
    elif kind is QuestionType.NPS:
        found.append(st.integers(0, 10).map(lambda n: Button(str(n))))
    elif kind is QuestionType.SINGLE_CHOICE:
        found.append(st.sampled_from(options).map(Button))
        found.append(st.integers(0, len(options) - 1).map(Pick))
    elif kind is QuestionType.MULTI_CHOICE:
        low, high = question.choice_limits
        ticked = st.lists(st.sampled_from(options), min_size=low, max_size=high, unique=True)
        found.append(ticked.map(lambda ids: Done(tuple(ids))))
    elif kind is QuestionType.YES_NO:
        found.append(st.sampled_from(["yes", "no"]).map(Button))
    elif kind is QuestionType.TEXT:
        words = st.text(min_size=1, max_size=min(question.text_limit, 20))
        found.append(words.filter(lambda s: s.strip() != "").map(Text))
    else:
        within = st.floats(
            min_value=question.min,
            max_value=question.max,
            allow_nan=False,
            allow_infinity=False,
        )
        found.append(within.map(lambda x: Text(repr(x))))
        found.append(within.map(lambda x: Text(repr(x).replace(".", ","))))
    return st.one_of(found)


def input_for(question: Question, value: AnswerValue) -> Input:
    """The input a citizen gives to have ``value`` stored (to replay stored answers)."""
    if value is None:
        return Skip()
    if isinstance(value, tuple):
        return Done(value)
    if isinstance(value, bool):
        return Button("yes" if value else "no")
    if question.type is QuestionType.NUMBER:
        return Text(repr(float(value)))
    if question.type is QuestionType.TEXT:
        return Text(str(value))
    return Button(str(value))


def typed_value(value: AnswerValue) -> tuple[type, AnswerValue]:
    """A value with its type, so that True and 1, or 2 and 2.0, are told apart."""
    return type(value), value


# --- properties --------------------------------------------------------------------------


@PROPERTY
@given(flow=flows, inputs=st.lists(any_input, max_size=20))
def test_parse_input_never_raises_and_accepts_only_valid_answers(
    flow: Flow, inputs: list[Input]
) -> None:
    for question in flow.questions:
        for given_input in inputs:
            outcome = parse_input(question, given_input)
            if not isinstance(outcome, Rejected):
                assert is_valid_answer(question, outcome), (question.type, given_input, outcome)


@PROPERTY
@given(flow=flows, indices=st.lists(st.integers(-2, 6), max_size=15))
def test_toggling_never_ticks_beyond_max_choices_or_unknown_options(
    flow: Flow, indices: list[int]
) -> None:
    for question in flow.questions:
        selected: tuple[str, ...] = ()
        _, high = question.choice_limits
        for index in indices:
            outcome = toggle_choice(question, selected, index)
            if isinstance(outcome, Rejected):
                continue
            assert question.type is QuestionType.MULTI_CHOICE
            assert len(outcome) <= high
            assert len(set(outcome)) == len(outcome)
            assert all(question.option(option) is not None for option in outcome)
            selected = outcome


@PROPERTY
@given(flow=flows, data=st.data())
def test_random_inputs_only_ever_store_valid_answers(flow: Flow, data: st.DataObject) -> None:
    answers: dict[str, AnswerValue] = {}
    targets = st.one_of(st.none(), st.sampled_from([q.id for q in flow.questions] + ["nope"]))
    for _ in range(25):
        current = next_question(flow, answers)
        if current is None:
            break
        target = data.draw(targets) or current.id
        given_input = data.draw(st.one_of(any_input, valid_inputs(current)))

        outcome = advance(flow, answers, target, given_input)

        if target != current.id:
            assert outcome == Rejected(RefusalReason.STALE)
        elif isinstance(outcome, Rejected):
            assert outcome == parse_input(current, given_input)
        else:
            assert outcome.question == current
            assert is_valid_answer(current, outcome.value)
            answers = {**answers, current.id: outcome.value}
            assert outcome.next == next_question(flow, answers)
            if outcome.next is not None:
                assert outcome.next.id not in answers
                assert is_visible(outcome.next, answers)

    for qid, value in answers.items():
        question = flow.question(qid)
        assert question is not None
        assert is_valid_answer(question, value)


@PROPERTY
@given(flow=flows, data=st.data())
def test_always_valid_inputs_finish_within_one_step_per_question(
    flow: Flow, data: st.DataObject
) -> None:
    answers: dict[str, AnswerValue] = {}
    current = next_question(flow, answers)
    steps: list[Step] = []
    while current is not None:
        assert len(steps) < len(flow.questions)
        assert is_visible(current, answers)
        assert current.id not in answers
        step = advance(flow, answers, current.id, data.draw(valid_inputs(current)))
        assert isinstance(step, Step), (current, step)
        answers = {**answers, current.id: step.value}
        current = step.next
        steps.append(step)

    # The first question has no condition, so there is always at least one step.
    assert steps
    assert steps[-1].finished
    assert not any(step.finished for step in steps[:-1])
    assert next_question(flow, answers) is None


@PROPERTY
@given(flow=flows, data=st.data())
def test_replaying_stored_answers_resumes_at_the_same_question(
    flow: Flow, data: st.DataObject
) -> None:
    # A run interrupted after some valid answers...
    answers: dict[str, AnswerValue] = {}
    for _ in range(data.draw(st.integers(0, len(flow.questions)))):
        current = next_question(flow, answers)
        if current is None:
            break
        step = advance(flow, answers, current.id, data.draw(valid_inputs(current)))
        assert isinstance(step, Step)
        answers[current.id] = step.value
    resumed_at = next_question(flow, answers)

    # ...resumes at the same question whatever order the answers come back in...
    assert next_question(flow, dict(reversed(list(answers.items())))) == resumed_at
    assert next_question(flow, dict(answers)) == resumed_at

    # ...and giving the same answers again through the engine stores exactly the same values.
    replayed: dict[str, AnswerValue] = {}
    for qid, value in answers.items():
        current = next_question(flow, replayed)
        assert current is not None
        assert current.id == qid
        step = advance(flow, replayed, qid, input_for(current, value))
        assert isinstance(step, Step)
        assert typed_value(step.value) == typed_value(value)
        replayed[qid] = step.value
    assert next_question(flow, replayed) == resumed_at


@settings(max_examples=100, deadline=None)
@given(spec=flow_specs())
def test_generated_flows_are_valid_flow_files(spec: dict[str, Any]) -> None:
    """The strategy above only builds flows the loader accepts (``when`` refers back, etc.)."""
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    assert load_flow_text(text, "random.yaml") == Flow.model_validate(spec)
