"""FormRuns on a real database: citizens start, answer, leave and resume forms.

Every test installs the built-in forms first. ``event-satisfaction`` asks, in order:
overall (rating 1-5), recommend (NPS), most_useful (multi-choice, 1-2 of information,
discussion, meeting_citizens, answers, materials), organisation (rating), comment (text,
only when overall <= 3) and suggestion (optional text).
"""

from __future__ import annotations

from typing import Any, TypeAlias

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.flows.engine import Button, Input, RefusalReason, Rejected, Skip, Text
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.schema import Flow
from civic_feedback.services.form_runs import Expected, FormRuns, Prompt, Refusal
from civic_feedback.storage.answer_rows import stored_answers
from civic_feedback.storage.citizens import add_citizen, find_citizen
from civic_feedback.storage.flow_versions import (
    FlowCatalog,
    flow_definition,
    install_library,
    latest_version,
    list_forms,
    publish_flow,
)
from civic_feedback.storage.models import (
    AnonymousReceipt,
    Answer,
    Citizen,
    Conversation,
    FlowVersion,
    Response,
    ResponseState,
)
from tests.support.keys import PSEUDONYM_KEY

KEY = PSEUDONYM_KEY.encode()

# What a test does on one question: an input, or option positions to tick before Done.
Action: TypeAlias = Input | tuple[int, ...]

# event-satisfaction answered with a high rating: the comment question stays hidden.
HAPPY_EVENT_ANSWERS: dict[str, Action] = {
    "overall": Button("5"),
    "recommend": Button("9"),
    "most_useful": (0, 1),
    "organisation": Button("4"),
    "suggestion": Skip(),
}
CONSULTATION_ANSWERS: dict[str, Action] = {
    "respondent_group": Button("ngo"),
    "settlement": Skip(),
    "priorities": (0, 3),
    "informed": Button("3"),
    "consulted_before": Button("no"),
    "proposals": Text("More buses to the villages"),
}
GENERAL_FEEDBACK_ANSWERS: dict[str, Action] = {
    "topic": Button("roads_transport"),
    "message": Text("A pothole on Vitosha Blvd 12"),
    "contact_consent": Button("yes"),
}


@pytest.fixture
def runs(session: Session) -> FormRuns:
    install_library(session)
    session.commit()
    return FormRuns(FlowCatalog(), KEY)


@pytest.fixture
def citizen(session: Session) -> Citizen:
    return new_citizen(session, 1001)


def new_citizen(session: Session, telegram_id: int, language: str = "en") -> Citizen:
    citizen = add_citizen(session, telegram_id=telegram_id, language=language)
    session.commit()
    return citizen


def prompt_of(outcome: Any) -> Prompt:
    assert isinstance(outcome, Prompt), f"expected a prompt, got {outcome!r}"
    return outcome


def step(session: Session, outcome: Any) -> Prompt:
    """A step's prompt, the step committed as the bot's unit of work commits it."""
    session.commit()
    return prompt_of(outcome)


def start(runs: FormRuns, session: Session, citizen: Citizen, flow_id: str) -> Prompt:
    return step(session, runs.start(session, citizen, flow_id, language="en"))


def expected(prompt: Prompt) -> Expected:
    """What the buttons under this prompt carry."""
    return Expected(prompt.response_id, prompt.position)


def question_id(prompt: Prompt) -> str | None:
    return None if prompt.question is None else prompt.question.id


def act(
    runs: FormRuns, session: Session, citizen: Citizen, prompt: Prompt, action: Action
) -> Prompt:
    """Answer the prompt's question as the bot would: press buttons or send a message."""
    if isinstance(action, tuple):
        for index in action:
            prompt = step(session, runs.toggle(session, citizen, index, expected(prompt)))
        return step(session, runs.done(session, citizen, expected(prompt)))
    return step(session, runs.answer(session, citizen, action, expected(prompt)))


def answer_to_the_end(
    runs: FormRuns,
    session: Session,
    citizen: Citizen,
    prompt: Prompt,
    script: dict[str, Action],
) -> list[str]:
    """Answer every question asked from ``prompt`` on; returns the ids asked, in order."""
    asked: list[str] = []
    while prompt.question is not None:
        asked.append(prompt.question.id)
        prompt = act(runs, session, citizen, prompt, script[prompt.question.id])
    return asked


def answer_rows(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    """(response id, question id) of every stored answer, read in a session of its own."""
    with sessions() as other:
        rows = other.exec(select(Answer.response_id, Answer.question_id)).all()
    return [(response_id, question) for response_id, question in rows]


def library_flow(flow_id: str) -> Flow:
    return next(flow for flow in library_flows() if flow.id == flow_id)


def edited_event_satisfaction() -> Flow:
    """event-satisfaction with 'recommend' replaced by a yes/no question 'venue_ok'."""
    definition = flow_definition(library_flow("event-satisfaction"))
    questions = [q for q in definition["questions"] if q["id"] != "recommend"]
    venue = {
        "id": "venue_ok",
        "type": "yes_no",
        "text": {"bg": "Удобна ли беше залата?", "en": "Was the venue fine?", "tr": "Salon?"},
    }
    definition["questions"] = [questions[0], venue, *questions[1:]]
    return Flow.model_validate(definition)


# --- starting ----------------------------------------------------------------------------


def test_start_shows_the_first_question_as_the_beginning_of_a_form(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    assert prompt.flow.id == "event-satisfaction"
    assert question_id(prompt) == "overall"
    assert prompt.position == 0
    assert prompt.first is True
    assert prompt.language == "en"
    assert prompt.draft == ()


def test_start_uses_the_forms_default_language_when_the_citizens_is_not_offered(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = prompt_of(runs.start(session, citizen, "event-satisfaction", language="de"))
    session.commit()

    assert prompt.language == "bg"


def test_start_of_an_unknown_form_is_refused(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    assert runs.start(session, citizen, "no-such-form", language="en") is Refusal.UNKNOWN_FORM
    session.commit()


def test_start_gives_a_citizen_met_in_this_very_update_an_id_in_the_callers_transaction(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session]
) -> None:
    newcomer = add_citizen(session, telegram_id=2002, language="en")  # not flushed yet

    runs.start(session, newcomer, "event-satisfaction", language="en")

    assert newcomer.id is not None  # flushed: the conversation row needed it
    with sessions() as other:  # nothing is visible before the caller commits
        assert find_citizen(other, 2002) is None
    session.commit()
    with sessions() as other:
        stored = find_citizen(other, 2002)
        assert stored is not None
        assert other.get(Conversation, stored.id) is not None


def test_current_is_none_when_the_citizen_has_no_form_open(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    assert runs.current(session, citizen) is None


# --- answering ---------------------------------------------------------------------------


def test_answers_move_the_citizen_through_the_questions_in_order(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    asked = answer_to_the_end(runs, session, citizen, prompt, HAPPY_EVENT_ANSWERS)

    assert asked == ["overall", "recommend", "most_useful", "organisation", "suggestion"]
    assert runs.current(session, citizen) is None


def test_a_low_rating_also_asks_what_to_improve(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    script = {**HAPPY_EVENT_ANSWERS, "overall": Button("2"), "comment": Text("Too cold")}

    asked = answer_to_the_end(runs, session, citizen, prompt, script)

    assert asked == [
        "overall",
        "recommend",
        "most_useful",
        "organisation",
        "comment",
        "suggestion",
    ]


def test_an_answer_is_written_in_the_callers_transaction_and_stored_by_its_commit(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    after = prompt_of(runs.answer(session, citizen, Button("4"), expected(prompt)))

    assert not session.new  # written, not left for a later flush
    assert not session.dirty
    with sessions() as other:
        assert stored_answers(other, prompt.response_id) == {}
    session.commit()
    with sessions() as other:
        assert stored_answers(other, prompt.response_id) == {"overall": 4}
    assert question_id(after) == "recommend"


def test_a_skipped_question_is_stored_as_no_answer(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    answer_to_the_end(runs, session, citizen, prompt, HAPPY_EVENT_ANSWERS)

    with sessions() as other:
        answers = stored_answers(other, prompt.response_id)
    assert answers["suggestion"] is None
    assert "comment" not in answers  # hidden, so not stored at all


def test_invalid_input_is_rejected_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    outcome = runs.answer(session, citizen, Button("6"), expected(prompt))
    session.commit()

    assert outcome == Rejected(RefusalReason.OUT_OF_RANGE, {"min": 1, "max": 5})
    assert answer_rows(sessions) == []
    assert question_id(prompt_of(runs.current(session, citizen))) == "overall"


def test_ticks_are_a_committed_draft_and_done_stores_them_in_flow_order(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("5"))
    prompt = act(runs, session, citizen, prompt, Button("9"))
    assert question_id(prompt) == "most_useful"

    prompt = step(session, runs.toggle(session, citizen, 3, expected(prompt)))  # answers
    prompt = step(session, runs.toggle(session, citizen, 0, expected(prompt)))  # information

    assert prompt.draft == ("answers", "information")
    with sessions() as other:
        conversation = other.get(Conversation, citizen.id)
        assert conversation is not None
        assert conversation.draft == ["answers", "information"]
        assert stored_answers(other, prompt.response_id) == {"overall": 5, "recommend": 9}

    after = step(session, runs.done(session, citizen, expected(prompt)))

    assert question_id(after) == "organisation"
    with sessions() as other:
        assert stored_answers(other, prompt.response_id)["most_useful"] == (
            "information",
            "answers",
        )


def test_ticking_again_unticks_and_one_tick_too_many_is_refused(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("5"))
    prompt = act(runs, session, citizen, prompt, Button("9"))
    prompt = step(session, runs.toggle(session, citizen, 0, expected(prompt)))
    prompt = step(session, runs.toggle(session, citizen, 1, expected(prompt)))

    too_many = runs.toggle(session, citizen, 2, expected(prompt))
    session.commit()
    unticked = step(session, runs.toggle(session, citizen, 0, expected(prompt)))

    assert too_many == Rejected(RefusalReason.TOO_MANY_CHOICES, {"max": 2})
    assert unticked.draft == ("discussion",)


def test_done_with_nothing_ticked_is_refused_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("5"))
    prompt = act(runs, session, citizen, prompt, Button("9"))

    outcome = runs.done(session, citizen, expected(prompt))
    session.commit()

    assert outcome == Rejected(RefusalReason.TOO_FEW_CHOICES, {"min": 1})
    assert len(answer_rows(sessions)) == 2


# --- stale buttons -----------------------------------------------------------------------


def test_a_button_from_another_response_is_stale_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    wrong = Expected(prompt.response_id + 1, prompt.position)

    outcome = runs.answer(session, citizen, Button("4"), wrong)
    session.commit()

    assert outcome == Rejected(RefusalReason.STALE)
    assert answer_rows(sessions) == []


def test_a_button_from_an_earlier_question_is_stale_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    first = start(runs, session, citizen, "event-satisfaction")
    act(runs, session, citizen, first, Button("4"))

    # The citizen presses "5" on the old message of the first question (now on 'recommend').
    again = runs.answer(session, citizen, Button("5"), expected(first))
    session.commit()
    toggle = runs.toggle(session, citizen, 0, expected(first))
    session.commit()
    done = runs.done(session, citizen, expected(first))
    session.commit()

    assert again == toggle == done == Rejected(RefusalReason.STALE)
    assert answer_rows(sessions) == [(first.response_id, "overall")]


def test_any_button_without_an_open_form_is_stale(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    outcome = runs.answer(session, citizen, Button("5"), Expected(1, 0))
    session.commit()

    assert outcome == Rejected(RefusalReason.STALE)


# --- restart and switching ---------------------------------------------------------------


def test_a_restart_resumes_the_citizen_at_the_question_they_were_on(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("3"))
    prompt = act(runs, session, citizen, prompt, Button("8"))
    prompt = step(session, runs.toggle(session, citizen, 4, expected(prompt)))

    # The process dies: a new catalog and FormRuns, a new session, the citizen read again.
    restarted = FormRuns(FlowCatalog(), KEY)
    with sessions() as fresh:
        same = find_citizen(fresh, citizen.telegram_id)
        assert same is not None
        current = prompt_of(restarted.current(fresh, same))
        resumed = start(restarted, fresh, same, "event-satisfaction")

    assert (current.response_id, question_id(current)) == (prompt.response_id, "most_useful")
    assert current.draft == ("materials",)
    assert resumed.response_id == prompt.response_id
    assert question_id(resumed) == "most_useful"
    assert resumed.first is True


def test_a_named_form_left_for_another_is_resumed_later_where_it_was(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    event = start(runs, session, citizen, "event-satisfaction")
    act(runs, session, citizen, event, Button("4"))

    general = start(runs, session, citizen, "general-feedback")
    back = start(runs, session, citizen, "event-satisfaction")

    assert question_id(general) == "topic"
    assert back.response_id == event.response_id
    assert question_id(back) == "recommend"
    left = session.get(Response, event.response_id)
    assert left is not None
    assert left.state == ResponseState.IN_PROGRESS


def test_an_anonymous_form_left_for_another_is_abandoned(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    survey = start(runs, session, citizen, "consultation-survey")
    act(runs, session, citizen, survey, Button("citizen"))

    start(runs, session, citizen, "event-satisfaction")
    again = start(runs, session, citizen, "consultation-survey")

    left = session.get(Response, survey.response_id)
    assert left is not None
    assert left.state == ResponseState.ABANDONED
    assert again.response_id != survey.response_id
    assert question_id(again) == "respondent_group"


# --- completing --------------------------------------------------------------------------


def test_a_completed_form_that_is_not_repeatable_cannot_be_started_again(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    answer_to_the_end(runs, session, citizen, prompt, HAPPY_EVENT_ANSWERS)

    outcome = runs.start(session, citizen, "event-satisfaction", language="en")
    session.commit()

    assert outcome is Refusal.ALREADY_COMPLETED
    response = session.get(Response, prompt.response_id)
    assert response is not None
    assert response.state == ResponseState.COMPLETED
    assert response.completed_at is not None


def test_a_repeatable_form_starts_a_new_response_after_each_completion(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    first = start(runs, session, citizen, "general-feedback")
    answer_to_the_end(runs, session, citizen, first, GENERAL_FEEDBACK_ANSWERS)

    second = start(runs, session, citizen, "general-feedback")

    assert second.response_id != first.response_id
    assert question_id(second) == "topic"


def test_a_completed_anonymous_response_keeps_no_link_to_the_citizen(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "consultation-survey")

    answer_to_the_end(runs, session, citizen, prompt, CONSULTATION_ANSWERS)

    with sessions() as other:
        response = other.get(Response, prompt.response_id)
        assert response is not None
        assert response.state == ResponseState.COMPLETED
        assert response.citizen_id is None
        assert other.exec(select(Conversation)).all() == []
        receipts = other.exec(select(AnonymousReceipt)).all()
    assert len(receipts) == 1
    assert str(citizen.telegram_id) not in receipts[0].key


def test_an_anonymous_form_answered_once_is_refused_the_second_time(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "consultation-survey")
    answer_to_the_end(runs, session, citizen, prompt, CONSULTATION_ANSWERS)

    outcome = runs.start(session, citizen, "consultation-survey", language="en")
    session.commit()

    assert outcome is Refusal.ALREADY_COMPLETED
    other_citizen = new_citizen(session, 1002)
    assert question_id(start(runs, session, other_citizen, "consultation-survey")) == (
        "respondent_group"
    )


# --- versions ----------------------------------------------------------------------------


def test_a_run_in_progress_finishes_on_the_version_it_started_on(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    old_run = start(runs, session, citizen, "event-satisfaction")
    old_run = act(runs, session, citizen, old_run, Button("5"))

    published = publish_flow(session, edited_event_satisfaction(), listed=False)
    session.commit()
    resumed = start(runs, session, citizen, "event-satisfaction")
    asked_on_old = answer_to_the_end(runs, session, citizen, resumed, HAPPY_EVENT_ANSWERS)

    newcomer = new_citizen(session, 1003)
    new_run = start(runs, session, newcomer, "event-satisfaction")
    script = {**HAPPY_EVENT_ANSWERS, "venue_ok": Button("yes")}
    asked_on_new = answer_to_the_end(runs, session, newcomer, new_run, script)

    assert (published.created, published.version) == (True, 2)
    assert resumed.response_id == old_run.response_id
    assert asked_on_old == ["recommend", "most_useful", "organisation", "suggestion"]
    assert asked_on_new == ["overall", "venue_ok", "most_useful", "organisation", "suggestion"]
    old_response = session.get(Response, old_run.response_id)
    new_response = session.get(Response, new_run.response_id)
    assert old_response is not None
    assert new_response is not None
    assert old_response.flow_version_id != published.version_id
    assert new_response.flow_version_id == published.version_id


def test_a_named_run_left_for_another_form_is_resumed_on_its_version_after_a_republish(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    old_run = start(runs, session, citizen, "event-satisfaction")
    act(runs, session, citizen, old_run, Button("5"))
    start(runs, session, citizen, "general-feedback")

    publish_flow(session, edited_event_satisfaction(), listed=False)
    session.commit()
    back = start(runs, session, citizen, "event-satisfaction")

    assert back.response_id == old_run.response_id
    assert question_id(back) == "recommend"  # a question the new version no longer has
    assert back.flow.question("venue_ok") is None


def test_publishing_unchanged_content_keeps_the_same_version(session: Session) -> None:
    flow = library_flow("general-feedback")
    first = publish_flow(session, flow)
    session.commit()

    again = publish_flow(session, flow)
    session.commit()

    assert first.created is True
    assert again.created is False
    assert (again.version, again.version_id) == (first.version, first.version_id)
    assert len(session.exec(select(FlowVersion)).all()) == 1


def test_install_library_publishes_each_built_in_form_once(session: Session) -> None:
    first = install_library(session)
    session.commit()

    again = install_library(session)
    session.commit()

    assert sorted(p.flow_id for p in first) == sorted(f.id for f in library_flows())
    assert all(p.created and p.version == 1 for p in first)
    assert again == []


def test_install_library_never_overwrites_a_changed_flow(session: Session) -> None:
    install_library(session)
    session.commit()
    edited = publish_flow(session, edited_event_satisfaction())
    session.commit()

    installed = install_library(session)
    session.commit()

    assert installed == []
    latest = latest_version(session, "event-satisfaction")
    assert latest is not None
    assert (latest.id, latest.version) == (edited.version_id, 2)
    assert [q["id"] for q in latest.definition["questions"]][:2] == ["overall", "venue_ok"]


def test_list_forms_counts_responses_of_every_version_and_marks_event_forms_unlisted(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    start(runs, session, citizen, "event-satisfaction")
    publish_flow(session, edited_event_satisfaction())
    session.commit()
    start(runs, session, new_citizen(session, 1004), "event-satisfaction")
    general = start(runs, session, citizen, "general-feedback")
    answer_to_the_end(runs, session, citizen, general, GENERAL_FEEDBACK_ANSWERS)

    forms = {form.flow_id: form for form in list_forms(session)}
    listed = [form.flow_id for form in list_forms(session, listed_only=True)]

    assert {flow_id: (f.version, f.listed, f.responses) for flow_id, f in forms.items()} == {
        "consultation-survey": (1, True, 0),
        "event-satisfaction": (2, False, 2),
        "general-feedback": (1, True, 1),
        "training-evaluation": (1, False, 0),
    }
    assert listed == ["consultation-survey", "general-feedback"]


def test_responses_are_stored_under_the_version_they_answered(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    answer_to_the_end(runs, session, citizen, prompt, HAPPY_EVENT_ANSWERS)

    version = latest_version(session, "event-satisfaction")
    rows = session.exec(select(Response).where(col(Response.flow_id) == "event-satisfaction"))

    assert version is not None
    assert [r.flow_version_id for r in rows] == [version.id]
