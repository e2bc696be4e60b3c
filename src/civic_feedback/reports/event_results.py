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
    version = latest_version_id(session, event.flow_id)
    assert version is not None, f"the event's form {event.flow_id} was never published"
    return EventResults(event, FlowCatalog().flow(session, version), summary)


def figures_line(
    question: Question, figures: QuestionFigures, words: dict[str, str], language: str
) -> str:
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
            f"{escape(names.get(option, option))} {percent_text(count / figures.answered)}"
            for option, count in top
            if figures.answered
        )
    if kind is QuestionType.YES_NO and figures.yes_share is not None:
        return words["yes"].format(share=percent_text(figures.yes_share))
    if kind is QuestionType.NUMBER and figures.average is not None:
        return words["mean"].format(average=f"{figures.average:g}")
    return ""


def results_text(results: EventResults, language: str) -> str:
    """The post: the event, how many answered, and each public question's figures (HTML)."""
    words = LABELS.get(language, LABELS["en"])
    event, summary = results.event, results.summary
    title = in_language(event.title, language)
    lines = [f"<b>{escape(title)}</b>"]
    if summary is None or summary.responses == 0:
        return "\n".join([*lines, words["nobody"]])
    rate = words["rate"].format(rate=percent_text(summary.response_rate))
    lines.append(
        words["responses"].format(count=summary.responses)
        + (rate if summary.response_rate is not None else "")
    )
    for figures in summary.questions:
        question = results.flow.question(figures.id)
        if question is None or question.is_private or not figures.answered:
            continue
        line = figures_line(question, figures, words, language)
        if line:
            text = in_language(question.text, language)
            lines.append(f"\n<b>{escape(text)}</b>\n{line}")
    return "\n".join(lines)


def results_chart(results: EventResults, language: str) -> bytes | None:
    """The rating chart of the event's public rating questions; None when none was answered."""
    if results.summary is None:
        return None
    public = [
        figures
        for figures in answered_ratings(results.summary.questions)
        if (question := results.flow.question(figures.id)) is not None and not question.is_private
    ]
    if not public:
        return None
    title = in_language(results.event.title, language)
    return rating_distribution(title, public, language)
