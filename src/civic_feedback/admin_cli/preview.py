"""Answer a form in the terminal, as a citizen would in Telegram."""

from __future__ import annotations

from gettext import NullTranslations

from rich.console import Console
from rich.markup import escape
from rich.prompt import Prompt

from civic_feedback.flows.engine import (
    AnswerValue,
    Done,
    Input,
    Rejected,
    Skip,
    Text,
    advance,
    next_question,
)
from civic_feedback.flows.messages import refusal_text
from civic_feedback.flows.schema import Flow, Question, QuestionType, text_in

_english = NullTranslations().gettext


def run_preview(flow: Flow, lang: str, console: Console) -> dict[str, AnswerValue]:
    """Ask every visible question in turn until the form ends; returns the answers."""
    default = flow.languages[0]
    if flow.intro:
        console.print(escape(text_in(flow.intro, lang, default)))
    answers: dict[str, AnswerValue] = {}
    question = next_question(flow, answers)
    while question is not None:
        console.print(f"\n[bold]{escape(text_in(question.text, lang, default))}[/bold]")
        console.print(f"[dim]{escape(_choices_hint(question, lang, default))}[/dim]")
        raw = Prompt.ask(">", console=console, default="", show_default=False)
        step = advance(flow, answers, question.id, _as_input(question, raw))
        if isinstance(step, Rejected):
            console.print(f"[yellow]{escape(refusal_text(step, _english))}[/yellow]")
            continue
        answers[question.id] = step.value
        question = step.next
    if flow.outro:
        console.print("\n" + escape(text_in(flow.outro, lang, default)))
    console.print("\n[green]End of the form.[/green] Answers:", answers)
    return answers


def _as_input(question: Question, raw: str) -> Input:
    if raw.strip() == "-" and not question.required:
        return Skip()
    if question.type is QuestionType.MULTI_CHOICE:
        return Done(tuple(part.strip() for part in raw.split(",") if part.strip()))
    return Text(raw)


def _choices_hint(question: Question, lang: str, default: str) -> str:
    kind = question.type
    skip = " ('-' skips)" if not question.required else ""
    if kind is QuestionType.RATING:
        return f"a number from 1 to {question.rating_scale}{skip}"
    if kind is QuestionType.NPS:
        return f"a number from 0 to 10{skip}"
    if kind is QuestionType.YES_NO:
        return f"yes or no{skip}"
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
        options = ", ".join(
            f"{o.id} = {text_in(o.text, lang, default)}" for o in question.options or []
        )
        several = " (several: separate with commas)" if kind is QuestionType.MULTI_CHOICE else ""
        return f"type the option id{several}{skip}: {options}"
    return f"type your answer{skip}"
