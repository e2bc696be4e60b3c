"""The buttons under a question: each one is the AnswerCb its handler expects.

The question keyboards are packed by hand for speed (bot/views/questions.py); these tests hold
them to what ``AnswerCb.pack()`` would give, for every question of every built-in form in
every language it offers, and for every kind of question.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiogram.types import InlineKeyboardMarkup

from civic_feedback.bot.callbacks import AnswerCb, AnswerKind
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.views.questions import render_prompt
from civic_feedback.flows.engine import NO, NPS_MAX, YES
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.schema import Flow, Question, QuestionType
from civic_feedback.services.form_runs import Prompt

LARGEST_RESPONSE_ID = 2**31 - 1  # the longest callback data a database id can make
TELEGRAM_CALLBACK_BYTES = 64

I18N = create_i18n("bg")


def keyboard_of(flow: Flow, question: Question, language: str, **prompt: Any) -> list[str]:
    """The callback data of the buttons under ``question``, row by row flattened."""
    with I18N.context(), I18N.use_locale(language):
        _text, markup = render_prompt(
            Prompt(LARGEST_RESPONSE_ID, flow, language, question, **prompt)
        )
    assert isinstance(markup, InlineKeyboardMarkup)
    return [button.callback_data or "" for row in markup.inline_keyboard for button in row]


def buttoned_questions() -> Iterator[tuple[Flow, Question, str]]:
    for flow in library_flows():
        for question in flow.questions:
            if question.type not in (QuestionType.TEXT, QuestionType.NUMBER):
                for language in flow.languages:
                    yield flow, question, language


def expected_buttons(flow: Flow, question: Question) -> list[tuple[AnswerKind, str]]:
    """What the citizen should be offered under ``question``, in order."""
    kind = question.type
    offered: list[tuple[AnswerKind, str]]
    if kind is QuestionType.RATING:
        offered = [(AnswerKind.VALUE, str(n)) for n in range(1, question.rating_scale + 1)]
    elif kind is QuestionType.NPS:
        offered = [(AnswerKind.VALUE, str(n)) for n in range(NPS_MAX + 1)]
    elif kind is QuestionType.YES_NO:
        offered = [(AnswerKind.VALUE, YES), (AnswerKind.VALUE, NO)]
    elif kind is QuestionType.SINGLE_CHOICE:
        offered = [(AnswerKind.PICK, str(i)) for i in range(len(question.options or []))]
    else:
        assert kind is QuestionType.MULTI_CHOICE
        offered = [(AnswerKind.TOGGLE, str(i)) for i in range(len(question.options or []))]
        offered.append((AnswerKind.DONE, ""))
    if not question.required:
        offered.append((AnswerKind.SKIP, ""))
    return offered


CASES = list(buttoned_questions())


@pytest.mark.parametrize(
    ("flow", "question", "language"),
    CASES,
    ids=[f"{f.id}-{q.id}-{lang}" for f, q, lang in CASES],
)
def test_every_button_is_the_answer_callback_its_handler_reads(
    flow: Flow, question: Question, language: str
) -> None:
    data = keyboard_of(flow, question, language)
    unpacked = [AnswerCb.unpack(raw) for raw in data]

    position = flow.questions.index(question)
    assert {(cb.response, cb.question) for cb in unpacked} == {(LARGEST_RESPONSE_ID, position)}
    assert [(cb.kind, cb.value) for cb in unpacked] == expected_buttons(flow, question)
    assert [cb.pack() for cb in unpacked] == data  # byte for byte what pack() would give
    assert all(len(raw.encode()) <= TELEGRAM_CALLBACK_BYTES for raw in data)


def test_the_built_in_forms_show_every_kind_of_button() -> None:
    shown = {kind for f, q, lang in CASES for kind, _ in expected_buttons(f, q)}
    assert shown == set(AnswerKind)


def test_ticked_options_keep_their_buttons() -> None:
    flow, question = next(
        (f, q) for f, q, _ in CASES if q.type is QuestionType.MULTI_CHOICE and q.options
    )
    assert question.options is not None
    ticked = (question.options[0].id,)

    plain = keyboard_of(flow, question, flow.languages[0])
    with_tick = keyboard_of(flow, question, flow.languages[0], draft=ticked)

    assert with_tick == plain  # a tick changes the label, never what the button carries
