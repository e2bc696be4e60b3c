"""Responses placed at chosen moments, for summary tests: answers stored as the bot stores them.

Times are given in Sofia's local time, so a test reads like the week it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import update
from sqlmodel import Session

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.flows.schema import Flow
from civic_feedback.storage.answer_rows import insert_answer
from civic_feedback.storage.codes import new_code
from civic_feedback.storage.flow_versions import publish_flow
from civic_feedback.storage.models import (
    Answer,
    Citizen,
    Event,
    Registration,
    Response,
    ResponseState,
)
from tests.support.clock import SOFIA

WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026, EET (UTC+2)
PREVIOUS = "2026-W46"

DEMO_FLOW = """\
id: week-demo
title: {bg: "Седмична анкета", en: "Weekly survey"}
languages: [bg, en]
questions:
  - {id: overall, type: rating, text: {bg: "Оценка?", en: "Overall?"}}
  - {id: short, type: rating, scale: 3, required: false, text: {bg: "Кратко?", en: "Short?"}}
  - {id: wide, type: rating, scale: 10, required: false, text: {bg: "Широко?", en: "Wide?"}}
  - {id: recommend, type: nps, required: false, text: {bg: "Препоръка?", en: "Recommend?"}}
  - id: topics
    type: multi_choice
    required: false
    text: {bg: "Теми?", en: "Topics?"}
    options:
      - {id: transport, text: {bg: "Транспорт", en: "Transport"}}
      - {id: parks, text: {bg: "Паркове", en: "Parks"}}
      - {id: schools, text: {bg: "Училища", en: "Schools"}}
  - id: role
    type: single_choice
    required: false
    text: {bg: "Роля?", en: "Role?"}
    options:
      - {id: citizen, text: {bg: "Гражданин", en: "Citizen"}}
      - {id: ngo, text: {bg: "НПО", en: "NGO"}}
  - {id: again, type: yes_no, required: false, text: {bg: "Отново?", en: "Again?"}}
  - {id: age, type: number, required: false, text: {bg: "Възраст?", en: "Age?"}}
  - {id: comment, type: text, required: false, text: {bg: "Коментар?", en: "Comment?"}}
  - id: improve
    type: text
    required: false
    when: {overall: {max: 3}}
    text: {bg: "Какво да подобрим?", en: "What to improve?"}
"""
QUESTIONS = [
    "overall",
    "short",
    "wide",
    "recommend",
    "topics",
    "role",
    "again",
    "age",
    "comment",
    "improve",
]


def sofia(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of November 2026 in Sofia, as the UTC time the database stores."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SOFIA).astimezone(UTC)


@dataclass
class Answers:
    """A response's answers; None stores a skipped answer, a missing key a hidden question."""

    values: dict[str, AnswerValue]
    languages: dict[str, str | None]


def answers(**values: AnswerValue) -> Answers:
    return Answers(values, {})


class WeekData:
    """Citizens, events, registrations and responses of a test, written through ``session``."""

    def __init__(self, session: Session, flow_text: str = DEMO_FLOW) -> None:
        self.session = session
        self.flow: Flow = load_flow_text(flow_text)
        self.version_id = publish_flow(session, self.flow).version_id
        session.commit()
        self._ids = count(1)

    def publish(self, flow: Flow) -> None:
        """A new version; responses added afterwards use it."""
        self.flow = flow
        self.version_id = publish_flow(self.session, flow).version_id

    def citizen(self, municipality: str | None = None) -> Citizen:
        citizen = Citizen(telegram_id=900_000 + next(self._ids), municipality=municipality)
        self.session.add(citizen)
        self.session.commit()
        return citizen

    def event(self, municipality: str | None, starts_at: datetime, title: str = "Среща") -> Event:
        event = Event(
            code=new_code(),
            kind="consultation",
            municipality=municipality,
            title={"bg": title, "en": "Meeting"},
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            flow_id=self.flow.id,
        )
        self.session.add(event)
        self.session.commit()
        return event

    def register(self, event: Event, status: str, people: int = 1) -> None:
        for _ in range(people):
            citizen = self.citizen()
            assert event.id is not None
            assert citizen.id is not None
            self.session.add(Registration(event_id=event.id, citizen_id=citizen.id, status=status))
        self.session.commit()

    def respond(
        self,
        given: Answers,
        *,
        completed: datetime | None,
        started: datetime | None = None,
        citizen: Citizen | None = None,
        event: Event | None = None,
    ) -> int:
        """A response started at ``started`` (default: 5 minutes before completing)."""
        began = started or (completed - timedelta(minutes=5) if completed else None)
        assert began is not None
        response = Response(
            flow_version_id=self.version_id,
            flow_id=self.flow.id,
            citizen_id=None if citizen is None else citizen.id,
            event_id=None if event is None else event.id,
            language="bg",
            state=ResponseState.COMPLETED if completed else ResponseState.IN_PROGRESS,
            started_at=began,
            completed_at=completed,
        )
        self.session.add(response)
        self.session.flush()
        assert response.id is not None
        db = self.session.connection()
        for question_id, value in given.values.items():
            question = self.flow.question(question_id)
            assert question is not None, question_id
            insert_answer(db, response.id, question, value)
        for question_id, language in given.languages.items():
            db.execute(
                update(Answer)
                .where(Answer.response_id == response.id, Answer.question_id == question_id)  # type: ignore[arg-type]
                .values(text_language=language)
            )
        self.session.commit()
        return response.id
