"""FormRuns on a real database: citizens start, answer, leave and resume forms.

Every test installs the built-in forms first. ``event-satisfaction`` asks, in order:
overall (rating 1-5), recommend (NPS), most_useful (multi-choice, 1-2 of information,
discussion, meeting_citizens, answers, materials), organisation (rating), comment (text,
only when overall <= 3) and suggestion (optional text).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.core.form_windows import ALWAYS_OPEN, FormWindow, WindowState
from civic_feedback.flows.engine import Button, Input, RefusalReason, Rejected, Skip, Text
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.schema import Flow
from civic_feedback.services.form_runs import Expected, FormRuns, NotOpen, Prompt, Refusal
from civic_feedback.services.personal_data import personal_data
from civic_feedback.storage.answer_rows import stored_answers
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.flow_versions import (
    FlowCatalog,
    flow_definition,
    form_window,
    install_library,
    latest_version,
    list_forms,
    publish_flow,
    set_form_window,
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
from civic_feedback.storage.summary_queries import response_counts
from civic_feedback.storage.summary_scope import Scope
from tests.support.citizens import add_citizen
from tests.support.clock import SOFIA, FakeClock
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
    return step(session, runs.start(session.connection(), citizen, flow_id, language="en"))


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
            prompt = step(
                session, runs.toggle(session.connection(), citizen, index, expected(prompt))
            )
        return step(session, runs.done(session.connection(), citizen, expected(prompt)))
    return step(session, runs.answer(session.connection(), citizen, action, expected(prompt)))


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
    prompt = prompt_of(
        runs.start(session.connection(), citizen, "event-satisfaction", language="de")
    )
    session.commit()

    assert prompt.language == "bg"


def test_start_of_an_unknown_form_is_refused(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    assert (
        runs.start(session.connection(), citizen, "no-such-form", language="en")
        is Refusal.UNKNOWN_FORM
    )
    session.commit()


def test_current_is_none_when_the_citizen_has_no_form_open(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    assert runs.current(session.connection(), citizen) is None


# --- answering ---------------------------------------------------------------------------


def test_answers_move_the_citizen_through_the_questions_in_order(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    asked = answer_to_the_end(runs, session, citizen, prompt, HAPPY_EVENT_ANSWERS)

    assert asked == ["overall", "recommend", "most_useful", "organisation", "suggestion"]
    assert runs.current(session.connection(), citizen) is None


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

    after = prompt_of(runs.answer(session.connection(), citizen, Button("4"), expected(prompt)))

    assert not session.new  # written, not left for a later flush
    assert not session.dirty
    with sessions() as other:
        assert stored_answers(other.connection(), prompt.response_id) == {}
    session.commit()
    with sessions() as other:
        assert stored_answers(other.connection(), prompt.response_id) == {"overall": 4}
    assert question_id(after) == "recommend"


def test_a_skipped_question_is_stored_as_no_answer(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    answer_to_the_end(runs, session, citizen, prompt, HAPPY_EVENT_ANSWERS)

    with sessions() as other:
        answers = stored_answers(other.connection(), prompt.response_id)
    assert answers["suggestion"] is None
    assert "comment" not in answers  # hidden, so not stored at all


def test_invalid_input_is_rejected_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")

    outcome = runs.answer(session.connection(), citizen, Button("6"), expected(prompt))
    session.commit()

    assert outcome == Rejected(RefusalReason.OUT_OF_RANGE, {"min": 1, "max": 5})
    assert answer_rows(sessions) == []
    assert question_id(prompt_of(runs.current(session.connection(), citizen))) == "overall"


def test_ticks_are_a_committed_draft_and_done_stores_them_in_flow_order(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("5"))
    prompt = act(runs, session, citizen, prompt, Button("9"))
    assert question_id(prompt) == "most_useful"

    prompt = step(
        session, runs.toggle(session.connection(), citizen, 3, expected(prompt))
    )  # answers
    prompt = step(
        session, runs.toggle(session.connection(), citizen, 0, expected(prompt))
    )  # information

    assert prompt.draft == ("answers", "information")
    with sessions() as other:
        conversation = other.get(Conversation, citizen.id)
        assert conversation is not None
        assert conversation.draft == ["answers", "information"]
        assert stored_answers(other.connection(), prompt.response_id) == {
            "overall": 5,
            "recommend": 9,
        }

    after = step(session, runs.done(session.connection(), citizen, expected(prompt)))

    assert question_id(after) == "organisation"
    with sessions() as other:
        assert stored_answers(other.connection(), prompt.response_id)["most_useful"] == (
            "information",
            "answers",
        )


def test_ticking_again_unticks_and_one_tick_too_many_is_refused(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("5"))
    prompt = act(runs, session, citizen, prompt, Button("9"))
    prompt = step(session, runs.toggle(session.connection(), citizen, 0, expected(prompt)))
    prompt = step(session, runs.toggle(session.connection(), citizen, 1, expected(prompt)))

    too_many = runs.toggle(session.connection(), citizen, 2, expected(prompt))
    session.commit()
    unticked = step(session, runs.toggle(session.connection(), citizen, 0, expected(prompt)))

    assert too_many == Rejected(RefusalReason.TOO_MANY_CHOICES, {"max": 2})
    assert unticked.draft == ("discussion",)


def test_done_with_nothing_ticked_is_refused_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("5"))
    prompt = act(runs, session, citizen, prompt, Button("9"))

    outcome = runs.done(session.connection(), citizen, expected(prompt))
    session.commit()

    assert outcome == Rejected(RefusalReason.TOO_FEW_CHOICES, {"min": 1})
    assert len(answer_rows(sessions)) == 2


# --- stale buttons -----------------------------------------------------------------------


def test_a_button_from_another_response_is_stale_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    wrong = Expected(prompt.response_id + 1, prompt.position)

    outcome = runs.answer(session.connection(), citizen, Button("4"), wrong)
    session.commit()

    assert outcome == Rejected(RefusalReason.STALE)
    assert answer_rows(sessions) == []


def test_a_button_from_an_earlier_question_is_stale_and_stores_nothing(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    first = start(runs, session, citizen, "event-satisfaction")
    act(runs, session, citizen, first, Button("4"))

    # The citizen presses "5" on the old message of the first question (now on 'recommend').
    again = runs.answer(session.connection(), citizen, Button("5"), expected(first))
    session.commit()
    toggle = runs.toggle(session.connection(), citizen, 0, expected(first))
    session.commit()
    done = runs.done(session.connection(), citizen, expected(first))
    session.commit()

    assert again == toggle == done == Rejected(RefusalReason.STALE)
    assert answer_rows(sessions) == [(first.response_id, "overall")]


def test_any_button_without_an_open_form_is_stale(
    runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    outcome = runs.answer(session.connection(), citizen, Button("5"), Expected(1, 0))
    session.commit()

    assert outcome == Rejected(RefusalReason.STALE)


# --- restart and switching ---------------------------------------------------------------


def test_a_restart_resumes_the_citizen_at_the_question_they_were_on(
    runs: FormRuns, session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    prompt = start(runs, session, citizen, "event-satisfaction")
    prompt = act(runs, session, citizen, prompt, Button("3"))
    prompt = act(runs, session, citizen, prompt, Button("8"))
    prompt = step(session, runs.toggle(session.connection(), citizen, 4, expected(prompt)))

    # The process dies: a new catalog and FormRuns, a new session, the citizen read again.
    restarted = FormRuns(FlowCatalog(), KEY)
    with sessions() as fresh:
        same = find_citizen(fresh, citizen.telegram_id)
        assert same is not None
        current = prompt_of(restarted.current(fresh.connection(), same))
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

    outcome = runs.start(session.connection(), citizen, "event-satisfaction", language="en")
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

    outcome = runs.start(session.connection(), citizen, "consultation-survey", language="en")
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


def test_install_library_publishes_the_built_in_forms_not_installed_yet(session: Session) -> None:
    installed, *shipped_since = library_flows()  # as when an upgrade ships new built-in forms
    publish_flow(session, installed)
    session.commit()

    added = install_library(session)

    assert [p.flow_id for p in added] == [flow.id for flow in shipped_since]
    assert [p.flow_id for p in install_library(session)] == []


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


# --- when the form takes answers -------------------------------------------------------------

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def timed_runs(session: Session, clock: FakeClock) -> FormRuns:
    """FormRuns on a clock the test moves (the built-in forms installed)."""
    install_library(session)
    session.commit()
    return FormRuns(FlowCatalog(), KEY, clock=clock)


def set_window(session: Session, flow_id: str, window: FormWindow) -> None:
    set_form_window(session, flow_id, window)
    session.commit()


def test_start_of_a_form_not_open_yet_is_refused_with_when_it_opens(
    timed_runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    set_window(session, "general-feedback", FormWindow(opens_at=NOW + HOUR))

    outcome = timed_runs.start(session.connection(), citizen, "general-feedback", language="en")
    session.commit()

    assert outcome == NotOpen(WindowState.NOT_YET_OPEN, NOW + HOUR)
    assert session.exec(select(Response)).all() == []
    assert session.get(Conversation, citizen.id) is None


def test_start_of_a_closed_form_is_refused_with_when_it_closed(
    timed_runs: FormRuns, session: Session, citizen: Citizen
) -> None:
    set_window(session, "general-feedback", FormWindow(opens_at=NOW - 2 * HOUR, closes_at=NOW))

    outcome = timed_runs.start(session.connection(), citizen, "general-feedback", language="en")

    assert outcome == NotOpen(WindowState.CLOSED, NOW)
    assert session.exec(select(Response)).all() == []


def test_a_form_starts_from_the_moment_it_opens(
    timed_runs: FormRuns, session: Session, citizen: Citizen, clock: FakeClock
) -> None:
    set_window(session, "general-feedback", FormWindow(NOW + HOUR, NOW + 2 * HOUR))
    clock.move_to(NOW + HOUR)

    prompt = start(timed_runs, session, citizen, "general-feedback")

    assert question_id(prompt) == "topic"


def test_a_run_whose_form_closed_ends_at_the_next_answer_keeping_the_earlier_ones(
    timed_runs: FormRuns, session: Session, citizen: Citizen, clock: FakeClock
) -> None:
    set_window(session, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    prompt = start(timed_runs, session, citizen, "event-satisfaction")
    prompt = act(timed_runs, session, citizen, prompt, Button("4"))
    clock.move_to(NOW + HOUR)

    outcome = timed_runs.answer(session.connection(), citizen, Button("9"), expected(prompt))
    session.commit()

    assert outcome == NotOpen(WindowState.CLOSED, NOW + HOUR, ended=True)
    response = session.get(Response, prompt.response_id)
    assert response is not None
    assert response.state == ResponseState.INCOMPLETE
    assert response.completed_at is None
    assert stored_answers(session.connection(), prompt.response_id) == {
        "overall": 4
    }  # not the late 9
    assert session.get(Conversation, citizen.id) is None
    assert timed_runs.current(session.connection(), citizen) is None


@pytest.mark.parametrize("late_step", ["tick", "done", "typed"])
def test_every_kind_of_step_after_the_close_ends_the_run_and_stores_nothing(
    timed_runs: FormRuns,
    session: Session,
    citizen: Citizen,
    clock: FakeClock,
    late_step: str,
) -> None:
    set_window(session, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    prompt = start(timed_runs, session, citizen, "event-satisfaction")
    prompt = act(timed_runs, session, citizen, prompt, Button("5"))
    prompt = act(timed_runs, session, citizen, prompt, Button("9"))
    prompt = step(session, timed_runs.toggle(session.connection(), citizen, 0, expected(prompt)))
    clock.move_to(NOW + 2 * HOUR)

    if late_step == "tick":
        outcome = timed_runs.toggle(session.connection(), citizen, 1, expected(prompt))
    elif late_step == "done":
        outcome = timed_runs.done(session.connection(), citizen, expected(prompt))
    else:
        outcome = timed_runs.answer(session.connection(), citizen, Text("two"))
    session.commit()

    assert outcome == NotOpen(WindowState.CLOSED, NOW + HOUR, ended=True)
    assert stored_answers(session.connection(), prompt.response_id) == {
        "overall": 5,
        "recommend": 9,
    }
    response = session.get(Response, prompt.response_id)
    assert response is not None
    assert response.state == ResponseState.INCOMPLETE


def test_the_forms_link_followed_again_after_the_close_ends_the_run_the_same_way(
    timed_runs: FormRuns, session: Session, citizen: Citizen, clock: FakeClock
) -> None:
    set_window(session, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    prompt = start(timed_runs, session, citizen, "event-satisfaction")
    act(timed_runs, session, citizen, prompt, Button("4"))
    clock.move_to(NOW + HOUR)

    outcome = timed_runs.start(session.connection(), citizen, "event-satisfaction", language="en")
    session.commit()

    assert outcome == NotOpen(WindowState.CLOSED, NOW + HOUR, ended=True)
    response = session.get(Response, prompt.response_id)
    assert response is not None
    assert response.state == ResponseState.INCOMPLETE
    assert session.get(Conversation, citizen.id) is None


def test_a_run_left_for_another_form_after_its_own_closed_is_incomplete_not_in_progress(
    timed_runs: FormRuns, session: Session, citizen: Citizen, clock: FakeClock
) -> None:
    set_window(session, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    event = start(timed_runs, session, citizen, "event-satisfaction")
    act(timed_runs, session, citizen, event, Button("4"))
    clock.move_to(NOW + HOUR)

    general = start(timed_runs, session, citizen, "general-feedback")

    left = session.get(Response, event.response_id)
    assert left is not None
    assert left.state == ResponseState.INCOMPLETE
    assert stored_answers(session.connection(), event.response_id) == {"overall": 4}
    assert question_id(general) == "topic"


def test_a_stale_button_after_the_close_is_only_stale(
    timed_runs: FormRuns, session: Session, citizen: Citizen, clock: FakeClock
) -> None:
    set_window(session, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    prompt = start(timed_runs, session, citizen, "event-satisfaction")
    clock.move_to(NOW + HOUR)
    foreign = Expected(prompt.response_id + 1000, prompt.position)

    outcome = timed_runs.answer(session.connection(), citizen, Button("4"), foreign)
    session.commit()

    assert outcome == Rejected(RefusalReason.STALE)
    response = session.get(Response, prompt.response_id)
    assert response is not None
    assert response.state == ResponseState.IN_PROGRESS  # ended by a step on the form itself


def test_a_form_opened_again_before_the_next_answer_goes_on_as_if_nothing_happened(
    timed_runs: FormRuns, session: Session, citizen: Citizen, clock: FakeClock
) -> None:
    set_window(session, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    prompt = start(timed_runs, session, citizen, "event-satisfaction")
    clock.move_to(NOW + 2 * HOUR)
    window = form_window(session, "event-satisfaction")
    assert window is not None
    set_window(session, "event-satisfaction", window.open_now(clock()))

    after = act(timed_runs, session, citizen, prompt, Button("4"))

    assert question_id(after) == "recommend"


def test_an_incomplete_response_counts_as_started_not_completed_and_is_in_the_citizens_data(
    timed_runs: FormRuns, session: Session, citizen: Citizen, clock: FakeClock
) -> None:
    set_window(session, "event-satisfaction", FormWindow(closes_at=NOW + HOUR))
    prompt = start(timed_runs, session, citizen, "event-satisfaction")
    prompt = act(timed_runs, session, citizen, prompt, Button("4"))
    clock.move_to(NOW + HOUR)
    timed_runs.answer(session.connection(), citizen, Button("9"), expected(prompt))
    session.commit()

    (counts,) = response_counts(session, Scope(NOW - 24 * HOUR, NOW + 24 * HOUR))
    (mine,) = personal_data(session, citizen)["responses"]

    assert (counts.started, counts.started_and_completed, counts.completed) == (1, 0, 0)
    assert mine["state"] == "incomplete"
    assert mine["answers"] == {"overall": 4}


def test_publishing_a_new_window_alone_keeps_the_version(session: Session) -> None:
    flow = library_flow("general-feedback")
    first = publish_flow(session, flow)
    session.commit()
    window = FormWindow(NOW, NOW + 24 * HOUR)

    again = publish_flow(session, flow, window=window)
    session.commit()
    kept = publish_flow(session, flow)  # no window given: the form keeps its own
    session.commit()

    assert (again.created, again.version_id) == (False, first.version_id)
    assert kept.version_id == first.version_id
    assert form_window(session, "general-feedback") == window
    assert len(session.exec(select(FlowVersion)).all()) == 1


def test_a_window_written_in_local_time_is_stored_and_read_back_as_the_same_moment(
    session: Session,
) -> None:
    publish_flow(session, library_flow("general-feedback"))
    session.commit()
    local = FormWindow(datetime(2026, 12, 3, 18, 0, tzinfo=SOFIA), None)

    set_window(session, "general-feedback", local)
    session.expire_all()

    stored = form_window(session, "general-feedback")
    assert stored == local
    assert stored is not None
    assert stored.opens_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def test_list_forms_open_at_leaves_out_the_forms_not_open_then(
    timed_runs: FormRuns, session: Session
) -> None:
    set_window(session, "consultation-survey", FormWindow(opens_at=NOW + HOUR))
    set_window(session, "general-feedback", FormWindow(closes_at=NOW + 2 * HOUR))

    def open_at(moment: datetime) -> list[str]:
        return [f.flow_id for f in list_forms(session, listed_only=True, open_at=moment)]

    assert open_at(NOW) == ["general-feedback"]
    assert open_at(NOW + HOUR) == ["consultation-survey", "general-feedback"]
    assert open_at(NOW + 2 * HOUR) == ["consultation-survey"]
    windows = {f.flow_id: f.window for f in list_forms(session)}
    assert windows["event-satisfaction"] == ALWAYS_OPEN
    assert windows["general-feedback"] == FormWindow(closes_at=NOW + 2 * HOUR)
