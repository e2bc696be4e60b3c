"""The sandbox's demo history: six past weeks with an event each, feedback with comments in
Bulgarian, English and Turkish, and citizens' messages; added once, the same for the same
moment, all of it before that moment, and left in place by the fast-forward."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from civic_feedback.core.event_schedule import FollowUpPolicy
from civic_feedback.reports.project_report import project_report
from civic_feedback.sandbox.demo import CAST, seed_demo, skip_to_next_message
from civic_feedback.sandbox.demo_history import (
    FIRST_TELEGRAM_ID,
    HISTORY_WEEKS,
    demo_history,
    history_start,
)
from civic_feedback.services.registrations import Registrar
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Citizen, Event, InboxItem, Response
from tests.support.citizens import add_citizen

SOFIA = ZoneInfo("Europe/Sofia")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 30 November, 11:00 in Sofia
PLACES = ["Столична", "Пловдив", "Варна"]


def seeded(session: Session, now: datetime = NOW) -> bool:
    install_library(session)
    added = demo_history(session, SOFIA, now, PLACES)
    session.commit()
    return added


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_history_is_added_once_apart_from_the_pages_people(session: Session) -> None:
    assert seeded(session)
    counts = (
        len(session.exec(select(Event)).all()),
        len(session.exec(select(Response)).all()),
        len(session.exec(select(InboxItem)).all()),
    )

    assert not seeded(session)  # the sandbox started again on its kept database

    again = (
        len(session.exec(select(Event)).all()),
        len(session.exec(select(Response)).all()),
        len(session.exec(select(InboxItem)).all()),
    )
    assert again == counts == (HISTORY_WEEKS, 86, 14)
    ids = {citizen.telegram_id for citizen in session.exec(select(Citizen))}
    assert min(ids) == FIRST_TELEGRAM_ID
    assert not ids & {person.telegram_id for person in CAST}


def test_six_weeks_each_with_an_event_feedback_in_three_languages_and_messages(
    session: Session,
) -> None:
    seeded(session)
    first = history_start(NOW, SOFIA)
    assert first == date(2026, 10, 19)  # a Monday, six weeks before NOW's week

    report = project_report(
        session, first, first + timedelta(weeks=HISTORY_WEEKS, days=-1), SOFIA, language="bg"
    )

    weeks = {
        (event.starts_at.astimezone(SOFIA).date() - first).days // 7 for event in report.events
    }
    assert weeks == set(range(HISTORY_WEEKS))
    assert len(report.kinds) == HISTORY_WEEKS  # a different kind of event each week
    assert (report.headline.registered, report.headline.attended) == (185, 127)
    assert report.overall.ratings >= 10
    assert report.overall.nps_answers >= 10
    assert set(report.comment_languages) == {"bg", "en", "tr"}
    assert {found.language for found in report.themes.languages} == {"bg", "en", "tr"}
    assert report.inbox is not None
    figures = report.inbox.figures
    assert (figures.received, figures.answered, figures.resolved) == (14, 12, 8)
    assert len(report.inbox.topics) >= 4


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 29, 22, 30, tzinfo=UTC),  # Monday 00:30 in Sofia
        datetime(2026, 12, 6, 21, 0, tzinfo=UTC),  # Sunday 23:00
    ],
)
def test_nothing_happens_after_now_whatever_the_day(session: Session, now: datetime) -> None:
    seeded(session, now)

    moments = [utc(r.completed_at) for r in session.exec(select(Response)) if r.completed_at]
    for item in session.exec(select(InboxItem)):
        moments += [
            utc(m) for m in (item.created_at, item.first_answered_at, item.resolved_at) if m
        ]
    assert max(moments) < now
    assert min(moments) >= datetime.combine(history_start(now, SOFIA), datetime.min.time(), SOFIA)


def test_the_same_moment_gives_the_same_history(session: Session) -> None:
    seeded(session)
    first = history_start(NOW, SOFIA)
    last = first + timedelta(weeks=HISTORY_WEEKS, days=-1)
    report = project_report(session, first, last, SOFIA, language="en")

    # Figures of the first run, seen in the sample report; a change of the history (or of
    # its random choices) shows here.
    assert (report.headline.completed, report.overall.ratings, report.overall.csat) == (
        86,
        172,
        0.7326,
    )
    assert report.comment_languages == {"bg": 25, "en": 10, "tr": 9}


@pytest.mark.parametrize("history", [False, True])
def test_the_sandbox_adds_the_history_only_when_asked_after_the_event_to_try(
    session: Session, history: bool
) -> None:
    install_library(session)

    event, _ = seed_demo(session, SOFIA, NOW, PLACES, history=history)
    session.commit()

    events = session.exec(select(Event).order_by(col(Event.id))).all()
    assert events[0].id == event.id  # the page's demo event: the first, still to come
    assert event.starts_at > NOW
    assert len(events) == 1 + history * HISTORY_WEEKS
    assert (session.exec(select(Response.id)).first() is not None) is history
    assert (session.exec(select(InboxItem.id)).first() is not None) is history


def test_the_fast_forward_leaves_the_past_weeks_events_where_they_were(
    session: Session,
) -> None:
    install_library(session)
    event, _ = seed_demo(session, SOFIA, NOW, PLACES, history=True)
    session.commit()
    citizen = add_citizen(session, telegram_id=CAST[0].telegram_id, language="bg")
    session.commit()
    Registrar(FollowUpPolicy()).register(session, citizen, event, NOW)
    session.commit()
    others = select(Event).where(col(Event.id) != event.id)
    past = {e.id: e.starts_at for e in session.exec(others)}
    starts = event.starts_at

    gap = skip_to_next_message(session, NOW)

    assert gap
    session.refresh(event)
    assert event.starts_at == starts - gap
    assert {e.id: e.starts_at for e in session.exec(others)} == past
