"""An event's anonymised results, as published to a public channel.

Only figures, never a person: counts, averages and shares of the questions that are not
private (free text is private unless the flow says otherwise). Texts in the channel's
language, from a short table here (reports/ has no Telegram and no translation catalogs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from sqlmodel import Session

from civic_feedback.flows.schema import Flow, Question, QuestionType, in_language
from civic_feedback.reports.charts import rating_distribution
from civic_feedback.reports.figures import QuestionFigures, percent_text
from civic_feedback.reports.summary import EventSummary, summarize_period
from civic_feedback.reports.summary_charts import answered_ratings
from civic_feedback.storage.flow_versions import FlowCatalog, latest_version_id
from civic_feedback.storage.models import Event
from civic_feedback.storage.summary_scope import Scope

_BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
_TOP_OPTIONS = 3

LABELS = {
    "en": {
        "responses": "Responses: {count}",
        "rate": " ({rate} of participants)",
        "average": "average {average} of {scale}, {csat} satisfied",
        "nps": "NPS {nps}: {promoters} would recommend it, {detractors} would not",
        "yes": "yes {share}",
        "mean": "average {average}",
        "nobody": "Nobody has answered yet.",
    },
    "bg": {
        "responses": "Отговорили: {count}",
        "rate": " ({rate} от участниците)",
        "average": "средно {average} от {scale}, доволни {csat}",
        "nps": "NPS {nps}: {promoters} биха го препоръчали, {detractors} не биха",
        "yes": "да {share}",
        "mean": "средно {average}",
        "nobody": "Все още никой не е отговорил.",
    },
    "tr": {
        "responses": "Yanıtlar: {count}",
        "rate": " (katılımcıların {rate})",
        "average": "ortalama {average} / {scale}, memnun {csat}",
        "nps": "NPS {nps}: {promoters} tavsiye eder, {detractors} etmez",
        "yes": "evet {share}",
        "mean": "ortalama {average}",
        "nobody": "Henüz kimse yanıt vermedi.",
    },
}


@dataclass(frozen=True)
class EventResults:
    event: Event
    flow: Flow
    summary: EventSummary | None  # None: nobody has answered


def event_results(session: Session, event: Event, now: datetime, language: str) -> EventResults:
    """Every completed response to the event's form up to ``now``."""
    assert event.id is not None
    period = summarize_period(session, Scope(_BEGINNING, now, None, event.id), language=language)
    summary = next((e for e in period.events if e.code == event.code), None)
    version = latest_version_id(session.connection(), event.flow_id)
    assert version is not None, f"the event's form {event.flow_id} was never published"
    return EventResults(event, FlowCatalog().flow(session.connection(), version), summary)


def figures_line(
    question: Question, figures: QuestionFigures, words: dict[str, str], language: str
) -> str:
    """One question's figures as plain text (``average 3.5 of 5, 50% satisfied``); empty
    when its type has none to show."""
    kind = QuestionType(figures.type)
    if kind is QuestionType.RATING and figures.average is not None:
        return words["average"].format(
            average=f"{figures.average:.1f}", scale=figures.scale, csat=percent_text(figures.csat)
        )
    if kind is QuestionType.NPS and figures.nps is not None and figures.answered:
        return words["nps"].format(
            nps=f"{figures.nps:+d}",
            promoters=percent_text((figures.promoters or 0) / figures.answered),
            detractors=percent_text((figures.detractors or 0) / figures.answered),
        )
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE) and figures.options:
        names = {o.id: o.text.get(language) or o.id for o in question.options or []}
        top = sorted(figures.options.items(), key=lambda item: -item[1])[:_TOP_OPTIONS]
        return ", ".join(
            f"{names.get(option, option)} {percent_text(count / figures.answered)}"
            for option, count in top
            if figures.answered
        )
    if kind is QuestionType.YES_NO and figures.yes_share is not None:
        return words["yes"].format(share=percent_text(figures.yes_share))
    if kind is QuestionType.NUMBER and figures.average is not None:
        return words["mean"].format(average=f"{figures.average:g}")
    return ""


@dataclass(frozen=True)
class QuestionResult:
    """A public question's figures, as the post and the console show them."""

    text: str  # the question, in the language asked
    answered: int
    figures: str  # plain text


def responses_line(results: EventResults, language: str) -> str:
    """``Responses: 2 (50% of participants)``, or that nobody has answered yet."""
    words = LABELS.get(language, LABELS["en"])
    summary = results.summary
    if summary is None or summary.responses == 0:
        return words["nobody"]
    rate = words["rate"].format(rate=percent_text(summary.response_rate))
    return words["responses"].format(count=summary.responses) + (
        rate if summary.response_rate is not None else ""
    )


def public_results(results: EventResults, language: str) -> list[QuestionResult]:
    """The figures of each question that is not private and was answered."""
    words = LABELS.get(language, LABELS["en"])
    if results.summary is None or results.summary.responses == 0:
        return []
    shown = []
    for figures in results.summary.questions:
        question = results.flow.question(figures.id)
        if question is None or question.is_private or not figures.answered:
            continue
        line = figures_line(question, figures, words, language)
        if line:
            text = in_language(question.text, language)
            shown.append(QuestionResult(text, figures.answered, line))
    return shown


def results_text(results: EventResults, language: str) -> str:
    """The post: the event, how many answered, and each public question's figures (HTML)."""
    title = in_language(results.event.title, language)
    lines = [f"<b>{escape(title)}</b>", responses_line(results, language)]
    for shown in public_results(results, language):
        lines.append(f"\n<b>{escape(shown.text)}</b>\n{escape(shown.figures)}")
    return "\n".join(lines)


def public_ratings(results: EventResults) -> list[QuestionFigures]:
    """The answered rating questions that are not private: what the chart draws."""
    if results.summary is None:
        return []
    return [
        figures
        for figures in answered_ratings(results.summary.questions)
        if (question := results.flow.question(figures.id)) is not None and not question.is_private
    ]


def results_chart(results: EventResults, language: str) -> bytes | None:
    """The rating chart of the event's public rating questions; None when none was answered."""
    public = public_ratings(results)
    if not public:
        return None
    title = in_language(results.event.title, language)
    return rating_distribution(title, public, language)
