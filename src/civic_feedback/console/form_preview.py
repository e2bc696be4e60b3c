"""Answer a form in the console as a citizen would, with the bot's own engine; nothing is
stored. The page sends every input given so far, and the engine replays them from the start,
so the server keeps no state and no answer can be forged past the engine's checks.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from civic_feedback.flows.engine import (
    AnswerValue,
    Button,
    Done,
    Input,
    Rejected,
    Skip,
    Text,
    advance,
    next_question,
)
from civic_feedback.flows.schema import Flow, Question, QuestionType, text_in
from civic_feedback.storage.flow_versions import FlowCatalog, latest_version

BUTTONS = {"rating", "nps", "yes_no", "single_choice"}  # the rest take a message


class PreviewRefusedError(Exception):
    """Inputs that are not a list of answers to replay."""


def published_flow(session: Session, flow_id: str) -> Flow | None:
    version = latest_version(session, flow_id)
    if version is None or version.id is None:
        return None
    return FlowCatalog().flow(session.connection(), version.id)


def preview(flow: Flow, body: Any, wanted_language: str) -> dict[str, Any]:
    """The form after the inputs in ``body["inputs"]`` (each ``{"question", "value"}``; a
    value of null skips): the answers so far and the current step, or the refusal of the
    last input, or the end."""
    inputs = body.get("inputs", []) if isinstance(body, dict) else None
    if not isinstance(inputs, list) or len(inputs) > 4 * len(flow.questions):
        raise PreviewRefusedError
    wanted = body.get("language") if isinstance(body.get("language"), str) else wanted_language
    lang = flow.pick_language(wanted)
    answers: dict[str, AnswerValue] = {}
    refused: Rejected | None = None
    for given in inputs:
        if not isinstance(given, dict) or not isinstance(given.get("question"), str):
            raise PreviewRefusedError
        question = next_question(flow, answers)
        step = advance(flow, answers, given["question"], _as_input(question, given.get("value")))
        if isinstance(step, Rejected):
            refused = step
            continue
        refused = None
        answers[step.question.id] = step.value
    current = next_question(flow, answers)
    default = flow.languages[0]
    return {
        "language": lang,
        "languages": list(flow.languages),
        "title": text_in(flow.title, lang, default),
        "intro": text_in(flow.intro, lang, default) if flow.intro else None,
        "outro": text_in(flow.outro, lang, default) if flow.outro else None,
        "answers": {key: list(v) if isinstance(v, tuple) else v for key, v in answers.items()},
        "refused": None if refused is None else {"reason": refused.reason.value, **refused.limits},
        "step": None if current is None else question_view(current, lang, default),
    }


def question_view(question: Question, lang: str, default: str) -> dict[str, Any]:
    """What the citizen sees of a question: its text, its buttons and what it takes."""
    kind = question.type
    view: dict[str, Any] = {
        "id": question.id,
        "type": kind.value,
        "text": text_in(question.text, lang, default),
        "input": "buttons" if kind.value in BUTTONS else "message",
        "required": question.required,
    }
    if kind is QuestionType.RATING:
        view["buttons"] = [str(n) for n in range(1, question.rating_scale + 1)]
    elif kind is QuestionType.NPS:
        view["buttons"] = [str(n) for n in range(11)]
    elif kind is QuestionType.YES_NO:
        view["buttons"] = ["yes", "no"]
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
        view["options"] = [
            {"id": o.id, "text": text_in(o.text, lang, default)} for o in question.options or []
        ]
    if kind is QuestionType.MULTI_CHOICE:
        view["input"] = "choices"
        view["min_choices"], view["max_choices"] = question.choice_limits
    elif kind is QuestionType.NUMBER:
        view["min"], view["max"] = question.min, question.max
    elif kind is QuestionType.TEXT:
        view["max_length"] = question.text_limit
    return view


def _as_input(question: Question | None, value: Any) -> Input:
    """An input as the bot would receive it: a button, ticked options, a message, Skip."""
    if value is None:
        return Skip()
    if isinstance(value, list):
        return Done(tuple(str(part) for part in value[:64]))
    text = str(value)[:10_000] if isinstance(value, str | int | float) else ""
    if question is not None and question.type.value in BUTTONS:
        return Button(text)
    return Text(text)
