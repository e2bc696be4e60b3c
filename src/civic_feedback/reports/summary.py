"""The weekly satisfaction summary: overall, per municipality, per flow and per event.

Everything is built from the grouped counts of ``storage.summary_queries``; a summary of
a busy week reads a few hundred rows. Charts and trends use these dataclasses directly:
``weekly_summary(..., compare=False)`` for each of eight weeks is eight cheap calls.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.core.weeks import iso_week_bounds, parse_iso_week
from civic_feedback.flows.schema import Flow, Question, QuestionType, in_language
from civic_feedback.reports.figures import (
    PASSIVES,
    PROMOTERS,
    QuestionFigures,
    QuestionKey,
    Tally,
    mean,
    on_five,
    question_figures,
    question_key,
    share,
)
from civic_feedback.reports.headline import EMPTY_HEADLINE, Headline, HeadlineTally
from civic_feedback.reports.inbox_summary import InboxSummary, inbox_summary
from civic_feedback.storage.summary_queries import (
    EventFigures,
    OptionCount,
    ResponseCount,
    TextCount,
    ValueCount,
    event_figures,
    flow_versions,
    option_counts,
    response_counts,
    text_counts,
    value_counts,
)
from civic_feedback.storage.summary_scope import UNKNOWN_MUNICIPALITY, Scope


@dataclass(frozen=True)
class FlowSummary:
    flow_id: str
    title: str
    started: int
    completed: int
    completion_rate: float | None
    questions: list[QuestionFigures]


@dataclass(frozen=True)
class EventSummary:
    code: str
    title: str
    municipality: str
    flow_id: str
    starts_at: datetime
    started: int
    completed: int
    completion_rate: float | None
    registered: int
    attended: int
    rate_base: str | None  # "attended", "registered", or None when nobody registered
    responses: int  # completed before the period ended: the response rate's numerator
    response_rate: float | None
    questions: list[QuestionFigures]
    headline: Headline  # of the event's own responses: what ``summary --event`` heads with


@dataclass(frozen=True)
class Headlines:
    overall: Headline
    municipalities: dict[str, Headline]
    # Each event's responses, completed, ratings, CSAT, NPS and comments (by event id).
    events: dict[int, Headline] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodSummary:
    """Every figure of one period [start, end) in UTC."""

    start: datetime
    end: datetime
    headlines: Headlines
    flows: list[FlowSummary]
    events: list[EventSummary]


@dataclass(frozen=True)
class WeeklySummary:
    week: str
    timezone: str
    municipality: str | None  # the --municipality filter
    event: str | None  # the --event filter (its code)
    period: PeriodSummary
    previous_week: str | None
    previous: Headlines | None  # None when not compared
    inbox: InboxSummary | None = None  # None for one event's summary


Versions = dict[int, tuple[int, Flow]]


@dataclass
class _Counts:
    """What the queries returned for one period."""

    responses: list[ResponseCount]
    values: list[ValueCount]
    texts: list[TextCount]
    events: list[EventFigures]
    versions: Versions

    def __post_init__(self) -> None:
        self._events = {event.id: event for event in self.events}
        self._keys: dict[tuple[int, str], QuestionKey] = {}

    def question(self, version_id: int, question_id: str) -> Question:
        question = self.versions[version_id][1].question(question_id)
        if question is None:
            raise LookupError(f"question {question_id!r} is not in flow version {version_id}")
        return question

    def key(self, version_id: int, question_id: str) -> QuestionKey:
        """The question's key (looked up once per question: rows repeat them)."""
        found = self._keys.get((version_id, question_id))
        if found is None:
            found = self._keys[version_id, question_id] = question_key(
                self.question(version_id, question_id)
            )
        return found

    def flow_id(self, version_id: int) -> str:
        return self.versions[version_id][1].id

    def municipality(self, event_id: int | None, citizen_municipality: str | None) -> str:
        """A response's municipality: its event's, else its citizen's, else ``unknown``."""
        if event_id is not None:
            return _event_municipality(self._events[event_id])
        return citizen_municipality or UNKNOWN_MUNICIPALITY


# The only answers with a value headline figures read: CSAT and NPS (and texts: comments).
HEADLINE_TYPES = (QuestionType.RATING, QuestionType.NPS)


def _gather(session: Session, scope: Scope, *, headline_only: bool = False) -> _Counts:
    responses = response_counts(session, scope)
    events = event_figures(session, scope, {r.event_id for r in responses if r.event_id})
    values = value_counts(session, scope, HEADLINE_TYPES if headline_only else None)
    versions = flow_versions(
        session, {r.flow_version_id for r in responses}, {e.flow_id for e in events}
    )
    return _Counts(responses, values, text_counts(session, scope), events, versions)


def rate_base(event: EventFigures) -> tuple[str | None, int]:
    """Response rates divide by those who checked in, or by those registered when none did."""
    if event.attended:
        return "attended", event.attended
    if event.registered:
        return "registered", event.registered
    return None, 0


def _event_municipality(event: EventFigures) -> str:
    return event.municipality or UNKNOWN_MUNICIPALITY


def _headlines(counts: _Counts) -> Headlines:
    tallies: defaultdict[str, HeadlineTally] = defaultdict(HeadlineTally)
    of_events: defaultdict[int, HeadlineTally] = defaultdict(HeadlineTally)
    overall = HeadlineTally()

    def every(municipality: str, event_id: int | None = None) -> list[HeadlineTally]:
        found = [overall, tallies[municipality]]
        return found if event_id is None else [*found, of_events[event_id]]

    for row in counts.responses:
        municipality = counts.municipality(row.event_id, row.citizen_municipality)
        for tally in every(municipality, row.event_id):
            tally.started += row.started
            tally.started_and_completed += row.started_and_completed
            tally.completed += row.completed
    for event in counts.events:
        _, base = rate_base(event)
        for tally in every(_event_municipality(event)):
            tally.events += 1
            tally.registered += event.registered
            tally.attended += event.attended
            tally.event_responses += event.responses
            tally.rate_base += base
            tally.rate_responses += event.responses if base else 0
    for value in counts.values:
        municipality = counts.municipality(value.event_id, value.citizen_municipality)
        _, kind, scale = counts.key(value.flow_version_id, value.question_id)
        for tally in every(municipality, value.event_id):
            _add_to_headline(tally, kind, scale, value)
    for text in counts.texts:
        if counts.key(text.flow_version_id, text.question_id)[1] == QuestionType.TEXT:
            municipality = counts.municipality(text.event_id, text.citizen_municipality)
            for tally in every(municipality, text.event_id):
                tally.comments += text.texts
    return Headlines(
        overall.headline(),
        {name: tallies[name].headline() for name in sorted(tallies)},
        {event_id: tally.headline() for event_id, tally in of_events.items()},
    )


def _add_to_headline(tally: HeadlineTally, kind: str, scale: int | None, value: ValueCount) -> None:
    number, rows = value.number, value.answers
    if number is None:
        return  # not a number question
    if kind == QuestionType.RATING:
        tally.ratings += rows
        tally.top_two += rows if scale is not None and number >= scale - 1 else 0
    elif kind == QuestionType.NPS:
        tally.nps_answers += rows
        tally.promoters += rows if number >= PROMOTERS else 0
        tally.detractors += rows if number < PASSIVES else 0


def period_headlines(session: Session, scope: Scope) -> Headlines:
    """The headline figures only: what a trend or a week-on-week change needs."""
    return _headlines(_gather(session, scope, headline_only=True))


def headline_and_average(session: Session, scope: Scope) -> tuple[Headline, float | None]:
    """The overall headline and the average of every rating on 1-5, without the per-question
    figures: the same values ``summarize_period`` and ``trend.average_rating`` give."""
    counts = _gather(session, scope, headline_only=True)
    total, answered = Decimal(0), 0
    for value in counts.values:
        _, kind, scale = counts.key(value.flow_version_id, value.question_id)
        if kind == QuestionType.RATING and value.number is not None and scale is not None:
            total += value.answers * on_five(int(value.number), scale)
            answered += value.answers
    return _headlines(counts).overall, mean(total, answered)


def summarize_period(session: Session, scope: Scope, *, language: str) -> PeriodSummary:
    """Every figure of the period; titles in ``language`` where they have it."""
    counts = _gather(session, scope)
    by_flow: defaultdict[str, defaultdict[QuestionKey, Tally]] = defaultdict(
        lambda: defaultdict(Tally)
    )
    by_event: defaultdict[int, defaultdict[QuestionKey, Tally]] = defaultdict(
        lambda: defaultdict(Tally)
    )

    def tallies(row: ValueCount | TextCount | OptionCount) -> tuple[str, list[Tally]]:
        """The question's type, and its tallies in the row's flow (and event, if any)."""
        key = counts.key(row.flow_version_id, row.question_id)
        found = [by_flow[counts.flow_id(row.flow_version_id)][key]]
        if row.event_id is not None:
            found.append(by_event[row.event_id][key])
        return key[1], found

    for value in counts.values:
        kind, found = tallies(value)
        for tally in found:
            tally.add_values(kind, value)
    for text in counts.texts:
        kind, found = tallies(text)
        for tally in found:
            tally.add_texts(kind, text)
    for option in option_counts(session, scope):
        kind, found = tallies(option)
        for tally in found:
            tally.add_options(kind, option)
    headlines = _headlines(counts)
    of_events: defaultdict[int, list[ResponseCount]] = defaultdict(list)
    for row in counts.responses:
        if row.event_id is not None:
            of_events[row.event_id].append(row)
    return PeriodSummary(
        start=scope.start,
        end=scope.end,
        headlines=headlines,
        flows=_flows(counts, by_flow, language),
        events=[
            _event(event, counts, of_events[event.id], by_event[event.id], headlines, language)
            for event in counts.events
        ],
    )


def _latest_first(counts: _Counts, flow_id: str) -> list[Flow]:
    versions = [entry for entry in counts.versions.values() if entry[1].id == flow_id]
    return [flow for _, flow in sorted(versions, key=lambda entry: -entry[0])]


def _questions(flows: list[Flow], tallies: dict[QuestionKey, Tally]) -> list[QuestionFigures]:
    """Every question of the latest version, then those of older versions that were answered."""
    order: dict[QuestionKey, list[str]] = {}
    for index, flow in enumerate(flows):
        for question in flow.questions:
            key = question_key(question)
            if key not in order and (index == 0 or key in tallies):
                order[key] = [option.id for option in question.options or []]
    return [
        question_figures(key, tallies.get(key, Tally()), options) for key, options in order.items()
    ]


def _flows(
    counts: _Counts, tallies: dict[str, defaultdict[QuestionKey, Tally]], language: str
) -> list[FlowSummary]:
    started: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in counts.responses:
        totals = started[counts.flow_id(row.flow_version_id)]
        totals[0] += row.started
        totals[1] += row.started_and_completed
        totals[2] += row.completed
    summaries = []
    for flow_id in sorted(started):
        flows = _latest_first(counts, flow_id)
        begun, finished, completed = started[flow_id]
        summaries.append(
            FlowSummary(
                flow_id=flow_id,
                title=in_language(flows[0].title, language),
                started=begun,
                completed=completed,
                completion_rate=share(finished, begun),
                questions=_questions(flows, tallies.get(flow_id, {})),
            )
        )
    return summaries


def _event(
    event: EventFigures,
    counts: _Counts,
    rows: list[ResponseCount],
    tallies: dict[QuestionKey, Tally],
    headlines: Headlines,
    language: str,
) -> EventSummary:
    """An event's figures from its own response counts and answer tallies."""
    begun = sum(row.started for row in rows)
    kind, base = rate_base(event)
    return EventSummary(
        code=event.code,
        title=in_language(event.title, language),
        municipality=_event_municipality(event),
        flow_id=event.flow_id,
        starts_at=event.starts_at,
        started=begun,
        completed=sum(row.completed for row in rows),
        completion_rate=share(sum(row.started_and_completed for row in rows), begun),
        registered=event.registered,
        attended=event.attended,
        rate_base=kind,
        responses=event.responses,
        response_rate=share(event.responses, base),
        questions=_questions(_latest_first(counts, event.flow_id), tallies),
        headline=headlines.events.get(event.id, EMPTY_HEADLINE),
    )


def week_before(week: str) -> str:
    year, number = parse_iso_week(week)
    calendar = (datetime.fromisocalendar(year, number, 1) - timedelta(days=7)).isocalendar()
    return f"{calendar.year}-W{calendar.week:02d}"


def weekly_summary(
    session: Session,
    week: str,
    zone: ZoneInfo,
    *,
    language: str,
    municipality: str | None = None,
    event: tuple[int, str] | None = None,
    compare: bool = True,
) -> WeeklySummary:
    """The summary of an ISO week in ``zone``; ``compare`` adds the previous week's headlines.

    ``event`` is (id, code) of the one event to summarise. Raises ValueError for a bad week.
    """
    event_id, code = event if event else (None, None)
    start, end = iso_week_bounds(week, zone)
    period = summarize_period(session, Scope(start, end, municipality, event_id), language=language)
    inbox = None if event else inbox_summary(session, start, end, municipality)
    if not compare:
        return WeeklySummary(week, zone.key, municipality, code, period, None, None, inbox)
    before = week_before(week)
    start, end = iso_week_bounds(before, zone)
    previous = period_headlines(session, Scope(start, end, municipality, event_id))
    names = sorted(set(period.headlines.municipalities) | set(previous.municipalities))
    current = Headlines(
        period.headlines.overall, _every(period.headlines, names), period.headlines.events
    )
    return WeeklySummary(
        week=week,
        timezone=zone.key,
        municipality=municipality,
        event=code,
        period=PeriodSummary(period.start, period.end, current, period.flows, period.events),
        previous_week=before,
        previous=Headlines(previous.overall, _every(previous, names)),
        inbox=inbox,
    )


def _every(headlines: Headlines, names: list[str]) -> dict[str, Headline]:
    """A headline for each municipality named: empty for one with nothing in the week."""
    return {name: headlines.municipalities.get(name, EMPTY_HEADLINE) for name in names}
