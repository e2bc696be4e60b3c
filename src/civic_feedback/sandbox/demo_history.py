"""The sandbox's demo history: six past weeks of a municipality's work, so that the summary,
the console and ``feedback-admin report`` have something to show. One event a week with its
registrations, attendance and feedback (ratings, NPS, comments in Bulgarian, English and
Turkish), and citizens' messages answered and resolved at known times.

Added once, by ``feedback-bot sandbox --history`` on a database without responses. The same
``now`` always gives the same history: every choice comes from a random generator seeded
with fixed text.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.schema import Flow
from civic_feedback.sandbox.demo_history_texts import (
    ANSWERS,
    COMMENTS,
    EVENTS,
    LANGUAGES,
    MESSAGES,
    PastEvent,
)
from civic_feedback.storage.answer_rows import insert_answer
from civic_feedback.storage.codes import new_code
from civic_feedback.storage.flow_versions import FlowCatalog, latest_version_id
from civic_feedback.storage.models import (
    Citizen,
    DeliveryState,
    Event,
    InboxAuthor,
    InboxItem,
    InboxMessage,
    InboxStatus,
    Registration,
    RegistrationStatus,
    Response,
    ResponseState,
)

HISTORY_WEEKS = 6
FIRST_TELEGRAM_ID = 7_000_001  # the history's citizens: apart from the page's demo people
_STAFF_NAME = "Иван Петров"


def history_start(now: datetime, zone: ZoneInfo) -> date:
    """The Monday HISTORY_WEEKS weeks before the week of ``now``: the history's first day."""
    today = now.astimezone(zone).date()
    return today - timedelta(days=today.weekday() + 7 * HISTORY_WEEKS)


def demo_history(
    session: Session, zone: ZoneInfo, now: datetime, municipalities: list[str]
) -> bool:
    """Add the history (the first time only: not on a database with responses); the caller
    commits. True when it was added."""
    if session.exec(select(Response.id)).first() is not None:
        return False
    monday = history_start(now, zone)
    citizens = _Citizens(session, now, municipalities)
    version_id = latest_version_id(session.connection(), "event-satisfaction")
    assert version_id is not None, "the built-in forms are installed first"
    flow = FlowCatalog().flow(session.connection(), version_id)
    for number, past in enumerate(EVENTS):
        place = municipalities[number % len(municipalities)]
        day = monday + timedelta(weeks=number, days=3)  # Thursdays, 18:00 to 20:00
        starts = datetime.combine(day, time(18), zone).astimezone(UTC)
        event = Event(
            code=new_code(),
            kind=past.kind,
            municipality=place,
            title=dict(past.title),
            place="Читалище „Светлина“, ул. „Иван Вазов“ 12",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=past.registered + 10,
            flow_id=flow.id,
            created_at=starts - timedelta(days=14),
        )
        session.add(event)
        session.flush()
        _attend(session, event, past, flow, version_id, citizens, random.Random(f"event {number}"))
    for message in MESSAGES:
        _message(session, monday, zone, now, citizens, message)
    session.flush()
    return True


class _Citizens:
    """The history's citizens, one new one each time, in the languages of ``LANGUAGES``."""

    def __init__(self, session: Session, now: datetime, municipalities: list[str]) -> None:
        self.session, self.now, self.municipalities = session, now, municipalities
        self.count = 0

    def next(self, language: str | None = None) -> Citizen:
        number = self.count
        self.count += 1
        citizen = Citizen(
            telegram_id=FIRST_TELEGRAM_ID + number,
            language=language or LANGUAGES[number % len(LANGUAGES)],
            municipality=self.municipalities[number % len(self.municipalities)],
            first_seen=self.now - timedelta(weeks=HISTORY_WEEKS + 1),
            last_seen=self.now - timedelta(days=1),
            privacy_accepted_at=self.now - timedelta(weeks=HISTORY_WEEKS + 1),
        )
        self.session.add(citizen)
        self.session.flush()
        return citizen


def _attend(
    session: Session,
    event: Event,
    past: PastEvent,
    flow: Flow,
    version_id: int,
    citizens: _Citizens,
    rng: random.Random,
) -> None:
    """Registrations, attendance, and feedback from two in three of those who came."""
    assert event.id is not None
    for person in range(past.registered):
        citizen = citizens.next()
        assert citizen.id is not None
        came = person < past.attended
        status = RegistrationStatus.ATTENDED if came else RegistrationStatus.REGISTERED
        registered_at = event.starts_at - timedelta(days=rng.randint(1, 10))
        session.add(
            Registration(
                event_id=event.id,
                citizen_id=citizen.id,
                status=status,
                created_at=registered_at,
                updated_at=registered_at,
            )
        )
        if came and person % 3 != 2:
            _respond(session, event, past, (flow, version_id), citizen, rng)


def _respond(
    session: Session,
    event: Event,
    past: PastEvent,
    form: tuple[Flow, int],
    citizen: Citizen,
    rng: random.Random,
) -> None:
    """One completed feedback form, within a day and a half of the event's end."""
    flow, version_id = form
    overall = rng.choices(range(1, 6), weights=past.weights)[0]
    completed = event.ends_at + timedelta(minutes=rng.randint(30, 36 * 60))
    language = citizen.language or "bg"
    response = Response(
        flow_version_id=version_id,
        flow_id=flow.id,
        citizen_id=citizen.id,
        event_id=event.id,
        language=language,
        state=ResponseState.COMPLETED,
        started_at=completed - timedelta(minutes=3),
        completed_at=completed,
    )
    session.add(response)
    session.flush()
    assert response.id is not None
    answers: dict[str, AnswerValue] = {
        "overall": overall,
        "recommend": max(0, min(10, 2 * overall + rng.choice((-2, -1, 0, 0)))),
        "most_useful": tuple(rng.sample(("information", "discussion", "answers", "materials"), 1)),
        "organisation": max(1, min(5, overall + rng.choice((-1, 0, 0, 1)))),
    }
    db = session.connection()
    for question_id, value in answers.items():
        question = flow.question(question_id)
        assert question is not None
        insert_answer(db, response.id, question, value)
    if rng.random() < 0.45:  # about half leave a comment: what to improve when they rated low
        question = flow.question("comment" if overall <= 3 else "suggestion")
        assert question is not None
        text = rng.choice(COMMENTS[language])
        insert_answer(db, response.id, question, text, text_language=language)


def _message(
    session: Session,
    monday: date,
    zone: ZoneInfo,
    now: datetime,
    citizens: _Citizens,
    message: tuple[int, int, int, str, str, str, int | None, int | None],
) -> None:
    week, weekday, hour, topic, language, text, answer_hours, resolve_days = message
    day = monday + timedelta(weeks=HISTORY_WEEKS - week, days=weekday)
    sent = datetime.combine(day, time(hour), zone).astimezone(UTC)
    answered = sent + timedelta(hours=answer_hours) if answer_hours is not None else None
    resolved = sent + timedelta(days=resolve_days) if resolve_days is not None else None
    answered = answered if answered and answered < now else None
    resolved = resolved if resolved and answered and resolved < now else None
    citizen = citizens.next(language)
    status = (
        InboxStatus.RESOLVED if resolved else InboxStatus.ANSWERED if answered else InboxStatus.NEW
    )
    item = InboxItem(
        citizen_id=citizen.id,
        municipality=citizen.municipality,
        topic=topic,
        language=language,
        text_language=language,
        status=status,
        created_at=sent,
        updated_at=resolved or answered or sent,
        first_answered_at=answered,
        resolved_at=resolved,
        confirmation_asked=resolved is not None,  # asked already: the bot asks nobody again
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    delivered = DeliveryState.DELIVERED
    thread = [
        InboxMessage(
            item_id=item.id, author=InboxAuthor.CITIZEN, text=text, created_at=sent, state=delivered
        )
    ]
    if answered:
        thread.append(
            InboxMessage(
                item_id=item.id,
                author=InboxAuthor.STAFF,
                text=ANSWERS[language],
                staff_name=_STAFF_NAME,
                created_at=answered,
                state=delivered,
            )
        )
    session.add_all(thread)
