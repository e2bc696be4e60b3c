"""Walking a citizen through a whole form with FormRuns, as the bot would store it."""

from __future__ import annotations

from sqlmodel import Session

from civic_feedback.flows.engine import Input
from civic_feedback.services.form_runs import Expected, FormRuns, Prompt
from civic_feedback.storage.models import Citizen

Step = Input | int
"""An input for the current question; an int ticks that option and then presses Done."""


def walk_form(
    session: Session,
    runs: FormRuns,
    citizen: Citizen,
    flow_id: str,
    steps: list[Step],
    *,
    language: str,
    event_id: int | None = None,
) -> None:
    """Answer every step in turn; the form must be finished after the last one."""
    prompt = runs.start(
        session.connection(), citizen, flow_id, language=language, event_id=event_id
    )
    session.commit()
    for step in steps:
        assert isinstance(prompt, Prompt)
        expected = Expected(prompt.response_id, prompt.position)
        if isinstance(step, int):
            runs.toggle(session.connection(), citizen, step, expected)
            session.commit()
            outcome = runs.done(session.connection(), citizen, expected)
            session.commit()
        else:
            outcome = runs.answer(session.connection(), citizen, step, expected)
            session.commit()
        assert isinstance(outcome, Prompt)
        prompt = outcome
    assert isinstance(prompt, Prompt)
    assert prompt.question is None
