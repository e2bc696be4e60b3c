"""Render a form's current step as one message: text and inline keyboard."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.callbacks import AnswerCb, AnswerKind
from civic_feedback.flows.engine import NO, NPS_MAX, YES
from civic_feedback.flows.schema import Question, QuestionType, text_in
from civic_feedback.services.form_runs import Prompt


def render_prompt(
    prompt: Prompt, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message for a prompt: an optional notice, the title and intro on the first
    question, then the question (or the thank-you when the form is finished)."""
    flow, lang = prompt.flow, prompt.language
    default = flow.languages[0]
    parts = [f"<i>{escape(notice)}</i>"] if notice else []
    if prompt.first:
        parts.append(f"<b>{escape(text_in(flow.title, lang, default))}</b>")
        if flow.intro:
            parts.append(escape(text_in(flow.intro, lang, default)))
    question = prompt.question
    if question is None:
        parts.append(
            escape(text_in(flow.outro, lang, default))
            if flow.outro
            else _("Thank you! Your answers are saved.")
        )
        return "\n\n".join(parts), None
    parts.append(f"<b>{escape(text_in(question.text, lang, default))}</b>")
    hint = _hint(question)
    if hint:
        parts.append(f"<i>{hint}</i>")
    return "\n\n".join(parts), _keyboard(prompt, question)


def _hint(question: Question) -> str | None:
    kind = question.type
    if kind is QuestionType.TEXT:
        return _("Write your answer in a message.")
    if kind is QuestionType.NUMBER:
        return _("Send the number in a message.")
    if kind is QuestionType.MULTI_CHOICE:
        low, high = question.choice_limits
        if low == high:
            return _("Choose {count} of the options, then press Done.").format(count=low)
        return _("Choose {low} to {high} of the options, then press Done.").format(
            low=low, high=high
        )
    return None


def _keyboard(prompt: Prompt, question: Question) -> InlineKeyboardMarkup | None:
    # Built as plain rows of AnswerCb's packed form, once per answer: aiogram's keyboard
    # builder deep-copies on export, and AnswerCb(...).pack() builds and dumps a model per
    # button (0.16 ms for the 11 buttons of an NPS question, against 0.015 ms so).
    # tests/unit/test_question_keyboards.py holds every button to what pack() gives.
    prefix = f"{AnswerCb.__prefix__}:{prompt.response_id}:{prompt.position}:"

    def button(text: str, kind: AnswerKind, value: str = "") -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=f"{prefix}{kind.value}:{value}")

    rows: list[list[InlineKeyboardButton]] = []
    kind = question.type
    if kind is QuestionType.RATING:
        scale = question.rating_scale
        values = [button(str(n), AnswerKind.VALUE, str(n)) for n in range(1, scale + 1)]
        rows += _rows(values, 5 if scale > 6 else scale)
    elif kind is QuestionType.NPS:
        rows += _rows([button(str(n), AnswerKind.VALUE, str(n)) for n in range(NPS_MAX + 1)], 6)
    elif kind is QuestionType.YES_NO:
        yes, no = button(_("Yes"), AnswerKind.VALUE, YES), button(_("No"), AnswerKind.VALUE, NO)
        rows.append([yes, no])
    elif kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
        default = prompt.flow.languages[0]
        multi = kind is QuestionType.MULTI_CHOICE
        option_kind = AnswerKind.TOGGLE if multi else AnswerKind.PICK
        for index, option in enumerate(question.options or []):
            label = text_in(option.text, prompt.language, default)
            if multi:
                label = ("✅ " if option.id in prompt.draft else "▫️ ") + label
            rows.append([button(label, option_kind, str(index))])
        if multi:
            rows.append([button(_("Done ✔️"), AnswerKind.DONE)])
    if not question.required:
        rows.append([button(_("Skip"), AnswerKind.SKIP)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]
