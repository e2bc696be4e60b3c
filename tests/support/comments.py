"""Free-text remarks in two languages, answered on a form of their own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.citizens import set_municipality
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import Event, Response
from tests.support.citizens import add_citizen
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

REMARKS = """\
id: remarks
title: {bg: "Бележки", en: "Remarks"}
languages: [bg, en]
repeatable: true
questions:
  - {id: score, type: rating, text: {bg: "Оценка?", en: "Score?"}}
  - {id: note, type: text, required: false, text: {bg: "Бележка?", en: "Note?"}}
"""

BULGARIAN = "Нямаше достатъчно време за въпроси към кмета."
ENGLISH = "There was not enough time for questions to the mayor."


def answer(
    session: Session,
    telegram_id: int,
    note: str | None,
    *,
    event: Event | None = None,
    completed_at: datetime | None = None,
    municipality: str = "Сливен",
) -> int:
    """A citizen of ``municipality`` answers remarks (about an event); returns the response
    id."""
    citizen = add_citizen(session, telegram_id=telegram_id, language="bg")
    session.commit()
    set_municipality(session, citizen, municipality)
    session.commit()
    runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
    event_id = None if event is None else event.id
    steps: list[Step] = [Button("4"), Skip() if note is None else Text(note)]
    walk_form(session, runs, citizen, "remarks", steps, language="bg", event_id=event_id)
    response_id = session.exec(select(func.max(Response.id))).one()
    assert response_id is not None
    if completed_at is not None:
        session.execute(
            update(Response)
            .where(col(Response.id) == response_id)
            .values(completed_at=completed_at)
        )
        session.commit()
    return response_id
