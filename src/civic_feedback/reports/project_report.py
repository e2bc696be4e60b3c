"""The figures of the project report, computed once into plain data that every format draws.

Each figure comes from the functions ``feedback-admin summary`` uses (``summarize_period``,
``period_headlines``, the trend's ``average_rating``, ``inbox_summary``) over the report's
period, so the report and the summary of the same selection say the same thing. A figure
resting on fewer than ``SMALL_BASE`` answers is flagged, never hidden.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.core.week_dates import date_range, month_name
from civic_feedback.flows.schema import QuestionType, in_language
from civic_feedback.reports.comment_themes import CommentThemes, comment_themes
from civic_feedback.reports.headline import Headline
from civic_feedback.reports.inbox_summary import InboxFigures, inbox_by_topic, inbox_summary
from civic_feedback.reports.summary import (
    EventSummary,
    PeriodSummary,
    headline_and_average,
    summarize_period,
)
from civic_feedback.reports.trend import average_of, average_rating
from civic_feedback.services.inbox import inbox_topics, topic_text
from civic_feedback.storage.consultations import ProposalCounts, all_consultations, proposal_counts
from civic_feedback.storage.events import event_kinds
from civic_feedback.storage.export_rows import ResponseFilter
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.summary_scope import Scope

SMALL_BASE = 10  # figures resting on fewer answers are flagged in the text and tables
THEMES_PER_LANGUAGE = 5


@dataclass(frozen=True)
class Satisfaction:
    """CSAT, average rating (1-5) and NPS of a selection, with the answers behind each."""

    label: str
    completed: int  # responses completed
    ratings: int  # rating answers: the base of CSAT and the average
    csat: float | None
    average: float | None
    nps_answers: int
    nps: int | None

    @property
    def thin_ratings(self) -> bool:
        return 0 < self.ratings < SMALL_BASE

    @property
    def thin_nps(self) -> bool:
        return 0 < self.nps_answers < SMALL_BASE


@dataclass(frozen=True)
class EventRow:
    code: str
    title: str
    kind: str
    municipality: str
    starts_at: datetime
    registered: int
    attended: int
    responses: int  # completed by the period's end: the response rate's numerator
    rate_base: str | None  # "attended", "registered" or None
    response_rate: float | None
    satisfaction: Satisfaction

    @property
    def base(self) -> int:
        return self.attended if self.rate_base == "attended" else self.registered

    @property
    def thin_rate(self) -> bool:
        return 0 < self.base < SMALL_BASE


@dataclass(frozen=True)
class ConsultationRow:
    code: str
    title: str
    counts: ProposalCounts


def thin_answers(figures: InboxFigures) -> bool:
    """The median time to a first answer rests on fewer than SMALL_BASE messages."""
    return 0 < figures.answered < SMALL_BASE


def thin_resolutions(figures: InboxFigures) -> bool:
    """The median time to resolve rests on fewer than SMALL_BASE messages."""
    return 0 < figures.resolved < SMALL_BASE


@dataclass(frozen=True)
class InboxPart:
    figures: InboxFigures  # the summary's inbox figures for the same period and municipality
    topics: dict[str, InboxFigures]  # topic name in the report's language -> its figures

    @property
    def thin(self) -> bool:
        rows = [self.figures, *self.topics.values()]
        return any(thin_answers(row) or thin_resolutions(row) for row in rows)


@dataclass(frozen=True)
class ProjectReport:
    title: str | None
    language: str
    timezone: str
    first_day: date
    last_day: date
    previous_first_day: date
    previous_last_day: date
    municipality: str | None  # the --municipality filter
    municipalities: list[str]  # those with figures in the period
    headline: Headline
    previous_headline: Headline
    overall: Satisfaction
    previous: Satisfaction
    events: list[EventRow]
    kinds: dict[str, int]  # event kind -> events of the period, most first
    months: list[Satisfaction]
    consultations: list[ConsultationRow]
    inbox: InboxPart | None  # None when nobody wrote, nothing was answered or resolved
    comment_languages: dict[str, int]  # language -> comments, most first (as in the summary)
    themes: CommentThemes

    @property
    def thin_figures(self) -> bool:
        """Whether any figure of the report rests on fewer than SMALL_BASE answers."""
        rows = [self.overall, *self.months, *(event.satisfaction for event in self.events)]
        return (
            any(row.thin_ratings or row.thin_nps for row in rows)
            or any(event.thin_rate for event in self.events)
            or (self.inbox is not None and self.inbox.thin)
        )


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in ``zone``, as UTC."""
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def satisfaction_of(label: str, period: PeriodSummary) -> Satisfaction:
    return satisfaction(label, period.headlines.overall, average_rating(period.flows))


def satisfaction(label: str, headline: Headline, average: float | None) -> Satisfaction:
    return Satisfaction(
        label=label,
        completed=headline.completed,
        ratings=headline.ratings,
        csat=headline.csat,
        average=average,
        nps_answers=headline.nps_answers,
        nps=headline.nps,
    )


def months_between(first: date, last: date) -> list[tuple[date, date]]:
    """The calendar months the period touches, each cut to the period."""
    months = []
    start = first
    while start <= last:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append((start, min(last, following - timedelta(days=1))))
        start = following
    return months


def project_report(
    session: Session,
    first: date,
    last: date,
    zone: ZoneInfo,
    *,
    language: str,
    municipality: str | None = None,
    title: str | None = None,
) -> ProjectReport:
    """Every figure of the report on the days ``first`` to ``last`` (both included)."""
    if last < first:
        raise ValueError("the period ends before it starts")
    start, end = day_bounds(first, last, zone)
    period = summarize_period(session, Scope(start, end, municipality), language=language)
    previous_last = first - timedelta(days=1)
    previous_first = previous_last - (last - first)
    # The previous period and the months need their headline figures only.
    before, before_average = headline_and_average(
        session, Scope(*day_bounds(previous_first, previous_last, zone), municipality)
    )
    kinds = event_kinds(session, [event.code for event in period.events])
    events = [_event_row(event, kinds[event.code]) for event in period.events]
    months = [
        satisfaction(
            month_name(month_first, language),
            *headline_and_average(
                session, Scope(*day_bounds(month_first, month_last, zone), municipality)
            ),
        )
        for month_first, month_last in months_between(first, last)
    ]
    return ProjectReport(
        title=title,
        language=language,
        timezone=zone.key,
        first_day=first,
        last_day=last,
        previous_first_day=previous_first,
        previous_last_day=previous_last,
        municipality=municipality,
        municipalities=sorted(period.headlines.municipalities),
        headline=period.headlines.overall,
        previous_headline=before,
        overall=satisfaction_of(date_range(first, last, language, year=True), period),
        previous=satisfaction(
            date_range(previous_first, previous_last, language, year=True), before, before_average
        ),
        events=events,
        kinds=dict(Counter(event.kind for event in events).most_common()),
        months=months,
        consultations=_consultations(session, start, end, municipality, language),
        inbox=_inbox(session, start, end, municipality, language),
        comment_languages=_comment_languages(period),
        themes=comment_themes(
            session,
            ResponseFilter(completed_from=start, completed_before=end, municipality=municipality),
            top=THEMES_PER_LANGUAGE,
            expected=period.headlines.overall.comments,
        ),
    )


def _event_row(event: EventSummary, kind: str) -> EventRow:
    """An event's attendance and satisfaction from the period's summary: the figures of its
    own responses, as ``summary --event`` over the period gives them."""
    headline = event.headline
    return EventRow(
        code=event.code,
        title=event.title,
        kind=kind,
        municipality=event.municipality,
        starts_at=event.starts_at,
        registered=event.registered,
        attended=event.attended,
        responses=event.responses,
        rate_base=event.rate_base,
        response_rate=event.response_rate,
        satisfaction=Satisfaction(
            label=event.title,
            completed=headline.completed,
            ratings=headline.ratings,
            csat=headline.csat,
            average=average_of(event.questions),
            nps_answers=headline.nps_answers,
            nps=headline.nps,
        ),
    )


def _consultations(
    session: Session, start: datetime, end: datetime, place: str | None, language: str
) -> list[ConsultationRow]:
    """Consultations open at some moment of the period, with their proposals' decisions."""
    rows = []
    for consultation in all_consultations(session, place):
        if _utc(consultation.opens_at) < end and _utc(consultation.closes_at) > start:
            assert consultation.id is not None
            rows.append(
                ConsultationRow(
                    code=consultation.code,
                    title=in_language(consultation.title, language),
                    counts=proposal_counts(session, consultation.id),
                )
            )
    return rows


def _inbox(
    session: Session, start: datetime, end: datetime, place: str | None, language: str
) -> InboxPart | None:
    """The summary's inbox figures of the period, overall and per topic (computed alike)."""
    figures = inbox_summary(session, start, end, place).overall
    if not (figures.received or figures.answered or figures.resolved):
        return None
    names = inbox_topics(session, FlowCatalog())
    topics = sorted(
        (
            (topic_text(names, topic, language), found)
            for topic, found in inbox_by_topic(session, start, end, place).items()
        ),
        key=lambda pair: (-pair[1].received, pair[0]),
    )
    return InboxPart(figures, dict(topics))


def _comment_languages(period: PeriodSummary) -> dict[str, int]:
    """Comments per language, added up from the summary's text questions."""
    languages: Counter[str] = Counter()
    for flow in period.flows:
        for question in flow.questions:
            if question.type == QuestionType.TEXT.value and question.languages:
                languages.update(question.languages)
    return dict(sorted(languages.items(), key=lambda item: (-item[1], item[0])))


def _utc(moment: datetime) -> datetime:
    """SQLite gives back UTC times without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
