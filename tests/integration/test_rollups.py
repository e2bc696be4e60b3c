"""Roll-ups: a summary or a report counts the same with settled days rolled up as from the
answers, whatever changed since, and only settled days are rolled up."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.reports.project_report import project_report
from civic_feedback.reports.summary import weekly_summary
from civic_feedback.reports.summary_formats import summary_json
from civic_feedback.services.erasure import erase_citizen
from civic_feedback.services.rollups import forget_all, roll_up_days
from civic_feedback.storage.citizens import set_municipality
from civic_feedback.storage.comments import set_text_languages
from civic_feedback.storage.models import Citizen, Event, ResponseState
from civic_feedback.storage.rollup_forgetting import forget_start_day
from civic_feedback.storage.rollups import roll_up, rollup_state
from civic_feedback.storage.summary_queries import (
    option_counts,
    response_counts,
    text_counts,
    value_counts,
)
from civic_feedback.storage.summary_scope import Scope
from civic_feedback.storage.tables import ANSWER_TABLE, RESPONSE_TABLE, ROLLUP_DAY_TABLE
from tests.support.clock import SOFIA
from tests.support.summary_data import WeekData, answers, sofia

AFTER = datetime(2026, 12, 2, 9, tzinfo=UTC)  # every day of November has settled
KEY = b"k" * 32


@pytest.fixture
def data(session: Session) -> WeekData:
    return WeekData(session)


class November:
    """Responses over November 2026 in two municipalities, with and without events."""

    def __init__(self, data: WeekData) -> None:
        self.data = data
        self.vidin = data.citizen("Видин")
        self.vratsa = data.citizen("Враца")
        self.event = data.event("Видин", sofia(17, 18))
        data.register(self.event, "attended", 3)
        for day in (2, 9, 16, 17, 18, 22, 23, 30):
            for hour, citizen in ((9, self.vidin), (13, self.vratsa), (23, None)):
                data.respond(
                    answers(
                        overall=1 + (day + hour) % 5,
                        recommend=(day * hour) % 11,
                        topics=("transport", "parks")[: 1 + day % 2],
                        role="ngo" if hour == 13 else "citizen",
                        again=day % 3 == 0,
                        comment=f"Паркирането на {day}",
                    ),
                    completed=sofia(day, hour),
                    citizen=citizen,
                    event=self.event if day in (17, 18) and hour == 9 else None,
                )
        # started one day, completed the next; and one never completed
        self.late = data.respond(
            answers(overall=5), started=sofia(19, 23, 50), completed=sofia(20, 0, 10)
        )
        self.open = data.respond(answers(overall=2), completed=None, started=sofia(21, 10))


def figures(session: Session) -> dict[str, Any]:
    """Everything a summary or a report says, as plain data, for several selections."""
    zone = ZoneInfo("Europe/Sofia")
    said: dict[str, Any] = {}
    for week in ("2026-W45", "2026-W47", "2026-W48"):
        for place in (None, "Видин", "unknown"):
            summary = weekly_summary(session, week, zone, language="bg", municipality=place)
            said[f"{week} {place}"] = summary_json(summary)
    report = project_report(session, date(2026, 11, 1), date(2026, 11, 30), zone, language="bg")
    said["report"] = asdict(report)
    # a period that starts and ends at no midnight: rolled days inside, hours outside
    odd = Scope(sofia(3, 10, 30), sofia(25, 7, 15))
    for count in (response_counts, value_counts, text_counts, option_counts):
        said[count.__name__] = sorted(map(repr, count(session, odd)))
    return said


def from_the_answers(session: Session) -> dict[str, Any]:
    """The figures with every roll-up dropped (in a transaction rolled back after)."""
    session.commit()
    session.execute(delete(ROLLUP_DAY_TABLE))
    try:
        return figures(session)
    finally:
        session.rollback()


def rolled_days(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(ROLLUP_DAY_TABLE)).scalar_one())


def test_rolled_up_days_give_the_figures_the_answers_give(data: WeekData) -> None:
    November(data)
    session = data.session
    counted = figures(session)

    assert roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER) == 29  # 2 to 30 November
    state = rollup_state(session)
    assert (state.days, state.months, state.first, state.last) == (
        29,
        0,  # November has no 1st rolled up: no response before the 2nd
        date(2026, 11, 2),
        date(2026, 11, 30),
    )
    assert figures(session) == counted


def test_a_month_whose_days_are_all_rolled_up_is_added_up_once(data: WeekData) -> None:
    November(data)
    data.respond(answers(overall=3), completed=sofia(1, 12))
    session = data.session
    counted = figures(session)

    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)

    assert rollup_state(session).months == 1
    assert figures(session) == counted


def test_only_settled_days_are_rolled_up_and_the_rest_counted_from_the_answers(
    data: WeekData,
) -> None:
    November(data)
    session = data.session
    counted = figures(session)
    # 23 November 08:00 in Sofia: the 21st is the last day that ended a day ago
    now = datetime(2026, 11, 23, 8, tzinfo=SOFIA)

    roll_up_days(session, ZoneInfo("Europe/Sofia"), now)

    assert rollup_state(session).last == date(2026, 11, 21)
    assert figures(session) == counted
    assert roll_up_days(session, ZoneInfo("Europe/Sofia"), now) == 0  # nothing left to do


def test_another_time_zone_starts_over(data: WeekData) -> None:
    November(data)
    session = data.session
    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)

    roll_up_days(session, ZoneInfo("Europe/Istanbul"), AFTER)

    zones = set(session.execute(select(ROLLUP_DAY_TABLE.c.zone)).scalars())
    assert zones == {"Europe/Istanbul"}


@pytest.mark.parametrize("policy", list(AnswersOnErasure))
def test_erasing_a_citizen_forgets_the_days_of_their_answers(
    data: WeekData, policy: AnswersOnErasure
) -> None:
    november = November(data)
    session = data.session
    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)

    erase_citizen(session, november.vidin, KEY, policy)
    session.commit()

    assert 0 < rolled_days(session) < 29  # the others stay
    assert figures(session) == from_the_answers(session)


def test_a_citizen_who_moves_takes_their_answers_about_no_event_along(data: WeekData) -> None:
    november = November(data)
    session = data.session
    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)
    citizen = session.get(Citizen, november.vratsa.id)
    assert citizen is not None

    set_municipality(session, citizen, "Видин")
    session.commit()

    assert 0 < rolled_days(session) < 29
    assert figures(session) == from_the_answers(session)


def test_comments_whose_language_changes_forget_their_days(data: WeekData) -> None:
    November(data)
    session = data.session
    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)
    some = session.execute(
        select(ANSWER_TABLE.c.id).where(ANSWER_TABLE.c.question_id == "comment").limit(3)
    ).scalars()

    set_text_languages(session, dict.fromkeys(some, "ru"))
    session.commit()

    assert 0 < rolled_days(session) < 29
    assert figures(session) == from_the_answers(session)


def test_a_response_completed_days_after_it_started_forgets_the_day_it_started(
    data: WeekData,
) -> None:
    november = November(data)
    session = data.session
    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)

    # as the form's last answer does: the start day forgotten, then the response completed
    forget_start_day(session.connection(), november.open)
    session.execute(
        RESPONSE_TABLE.update()
        .where(RESPONSE_TABLE.c.id == november.open)
        .values(state=ResponseState.COMPLETED.value, completed_at=AFTER + timedelta(hours=1))
    )
    session.commit()

    assert rolled_days(session) == 28
    assert figures(session) == from_the_answers(session)


def test_forgetting_everything_counts_from_the_answers_again(data: WeekData) -> None:
    November(data)
    session = data.session
    counted = figures(session)
    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)

    forget_all(session)

    assert rolled_days(session) == 0
    assert figures(session) == counted


def test_an_event_moved_to_another_municipality_moves_its_rolled_up_answers(
    data: WeekData,
) -> None:
    november = November(data)
    session = data.session
    roll_up_days(session, ZoneInfo("Europe/Sofia"), AFTER)
    event = session.get(Event, november.event.id)
    assert event is not None

    event.municipality = "Враца"
    session.add(event)
    session.commit()

    assert rolled_days(session) == 29  # the event's municipality is read when summing
    assert figures(session) == from_the_answers(session)


def advisory_waits(session: Session) -> int:
    """Sessions waiting for an advisory lock (PostgreSQL)."""
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    return int(session.execute(waiting).scalar_one())


def test_a_change_waits_for_a_day_being_counted_then_forgets_it(
    data: WeekData, sessions: sessionmaker[Session], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: nothing can slip past")
    november = November(data)
    zone = ZoneInfo("Europe/Sofia")
    roll_up_days(data.session, zone, AFTER)
    data.session.commit()
    counting = sessions()
    roll_up(counting, zone, date(2026, 11, 16), AFTER)  # counted again, not committed yet

    def erase() -> None:
        with sessions() as session:
            citizen = session.get(Citizen, november.vidin.id)
            assert citizen is not None
            erase_citizen(session, citizen, KEY, AnswersOnErasure.DELETE)
            session.commit()

    worker = threading.Thread(target=erase)
    worker.start()
    deadline = time.monotonic() + 30
    while advisory_waits(data.session) == 0:  # the erasure waits for the count
        assert time.monotonic() < deadline, "the erasure did not wait for the day being counted"
        data.session.rollback()  # a fresh look at pg_locks
    counting.commit()
    counting.close()
    worker.join(timeout=30)

    assert not worker.is_alive()
    assert figures(data.session) == from_the_answers(data.session)
