"""Erasing a citizen (/forget, ``users forget``, RETENTION_DAYS) and the daily purge.

After an erasure no table holds the citizen's Telegram id, their row id, or a receipt that
could be matched to them with ``PSEUDONYM_KEY``; the answers stay (detached) or go, and
the aggregate figures are what they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel, col

from civic_feedback.bot.jobs.housekeeping import Housekeeper
from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.core.pseudonyms import anonymous_receipt_key
from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.broadcasts import queue_broadcast, start_draft
from civic_feedback.services.erasure import erase_citizen
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.retention import purge
from civic_feedback.settings import Settings
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import (
    AnonymousReceipt,
    Answer,
    Broadcast,
    BroadcastState,
    Citizen,
    Outbox,
    ProcessedUpdate,
    Response,
    Role,
)
from civic_feedback.storage.roles import grant
from tests.support.events import NOW, REGISTRAR, new_citizen, new_event
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

KEY = PSEUDONYM_KEY.encode()
ANA, BORIS = 4_100_000_001, 4_100_000_002
LOW_RATING: list[Step] = [Button("2"), Button("7"), 1, Button("4"), Text("Too long"), Skip()]


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        install_library(session)
        session.commit()
        yield session


def a_citizen_with_everything(db: Session, telegram_id: int) -> Citizen:
    """A citizen with a registration and reminders, a completed event form, a form in
    progress, an announcement in the outbox, an anonymous receipt and a staff role."""
    citizen = new_citizen(db, telegram_id)
    citizen.municipality = "Сливен"
    event = new_event(db)
    REGISTRAR.register(db, citizen, event, NOW)
    db.commit()
    runs = FormRuns(FlowCatalog(), KEY)
    walk_form(db, runs, citizen, "event-satisfaction", LOW_RATING, language="en", event_id=event.id)
    runs.start(db.connection(), citizen, "general-feedback", language="en")  # left half-way
    db.commit()
    db.add(
        AnonymousReceipt(key=anonymous_receipt_key(KEY, telegram_id, "consultation-survey", None))
    )
    db.add(
        AnonymousReceipt(
            key=anonymous_receipt_key(KEY, telegram_id, "event-satisfaction", event.id)
        )
    )
    db.commit()
    queue_broadcast(db, Broadcast(texts={"bg": "Покана"}, segment="all", send_at=NOW))
    db.commit()
    grant(db, telegram_id, Role.STAFF, granted_by="test")
    db.commit()
    return citizen


def rows_mentioning(db: Session, citizen: Citizen, receipts: list[str]) -> dict[str, list[Any]]:
    """Every row of every table holding the citizen's Telegram id, row id (in a citizen
    reference) or one of their receipts."""
    found: dict[str, list[Any]] = {}
    for table in SQLModel.metadata.sorted_tables:
        for row in db.execute(select(table)).mappings():
            for column, value in row.items():
                is_id = value == citizen.telegram_id and column != "id"
                is_ref = column == "citizen_id" and value == citizen.id
                if is_id or is_ref or value in receipts:
                    found.setdefault(table.name, []).append(dict(row))
    return found


def figures(db: Session) -> tuple[int, float | None]:
    """What a summary would show: answers stored and the average of all ratings."""
    count = db.execute(select(func.count()).select_from(Answer)).scalar_one()
    average = db.execute(
        select(func.avg(Answer.number_value)).where(col(Answer.question_type) == "rating")
    ).scalar_one()
    return count, average


def test_erasing_leaves_no_trace_in_any_table_and_the_figures_stay_the_same(db: Session) -> None:
    ana = a_citizen_with_everything(db, ANA)
    boris = new_citizen(db, BORIS)
    receipts = list(db.execute(select(col(AnonymousReceipt.key))).scalars())
    assert set(rows_mentioning(db, ana, receipts)) >= {
        "citizen", "registration", "notification", "response", "conversation",
        "anonymous_receipt", "outbox", "staff_member",
    }  # fmt: skip
    before = figures(db)

    erased = erase_citizen(db, ana, KEY, AnswersOnErasure.DETACH)
    db.commit()

    assert (erased.responses, erased.receipts) == (2, 2)
    assert rows_mentioning(db, ana, receipts) == {}
    assert figures(db) == before
    responses = db.execute(select(col(Response.citizen_id), col(Response.state))).all()
    assert len(responses) == 2
    assert {citizen_id for citizen_id, _state in responses} == {None}
    assert db.get(Citizen, boris.id) is not None  # nobody else is touched


def test_erasing_with_delete_removes_the_answers_too(db: Session) -> None:
    ana = a_citizen_with_everything(db, ANA)

    erase_citizen(db, ana, KEY, AnswersOnErasure.DELETE)
    db.commit()

    assert db.execute(select(func.count()).select_from(Response)).scalar_one() == 0
    assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == 0


def test_the_same_person_can_start_afresh_after_being_erased(db: Session) -> None:
    erase_citizen(db, a_citizen_with_everything(db, ANA), KEY, AnswersOnErasure.DETACH)
    db.commit()

    again = new_citizen(db, ANA)
    runs = FormRuns(FlowCatalog(), KEY)
    walk_form(db, runs, again, "event-satisfaction", LOW_RATING, language="en")

    assert db.execute(select(func.count()).select_from(Citizen)).scalar_one() == 1


# --- the daily purge ---------------------------------------------------------------------------


def purge_now(db: Session, retention_days: int | None = None) -> Any:
    return purge(db, NOW, key=KEY, retention_days=retention_days, answers=AnswersOnErasure.DETACH)


def test_purge_drops_update_ids_older_than_seven_days_only(db: Session) -> None:
    for update_id, age in [(1, timedelta(days=8)), (2, timedelta(days=6, hours=23))]:
        db.add(ProcessedUpdate(update_id=update_id, processed_at=NOW - age))
    db.commit()

    assert purge_now(db).update_ids == 1

    assert list(db.execute(select(col(ProcessedUpdate.update_id))).scalars()) == [2]


def test_purge_drops_the_outbox_of_broadcasts_finished_over_ninety_days_ago(db: Session) -> None:
    new_citizen(db, ANA)
    old, recent, running = (
        Broadcast(texts={"bg": "x"}, segment="all", send_at=NOW - timedelta(days=days))
        for days in (91, 89, 200)
    )
    for broadcast in (old, recent, running):
        queue_broadcast(db, broadcast)
        db.commit()
    for broadcast in (old, recent):
        broadcast.state = BroadcastState.DONE
        db.add(broadcast)
    db.commit()

    assert purge_now(db).outbox_rows == 1

    kept = set(db.execute(select(col(Outbox.broadcast_id))).scalars())
    assert kept == {recent.id, running.id}
    assert db.get(Broadcast, old.id) is not None  # the broadcast itself stays, for the record


def test_purge_drops_drafts_left_for_a_day(db: Session) -> None:
    stale = start_draft(db, chat_id=1, language="bg", text_language="bg", created_by="c-1")
    db.commit()
    stale.created_at = NOW - timedelta(days=2)
    db.add(stale)
    db.commit()
    fresh = start_draft(db, chat_id=2, language="bg", text_language="bg", created_by="c-2")
    db.commit()
    fresh.created_at = NOW - timedelta(hours=2)
    db.add(fresh)
    db.commit()

    assert purge_now(db).drafts == 1
    assert list(db.execute(select(col(Broadcast.id))).scalars()) == [fresh.id]


def test_retention_days_erases_citizens_not_seen_for_that_long(db: Session) -> None:
    idle = a_citizen_with_everything(db, ANA)
    idle.last_seen = NOW - timedelta(days=366)
    active = new_citizen(db, BORIS)
    active.last_seen = NOW - timedelta(days=364)
    db.add_all([idle, active])
    db.commit()

    assert purge_now(db).citizens == 0  # RETENTION_DAYS unset: keep
    assert purge_now(db, retention_days=365).citizens == 1

    assert list(db.execute(select(col(Citizen.telegram_id))).scalars()) == [BORIS]
    assert db.execute(text("select count(*) from response where citizen_id is null")).scalar() == 2


async def test_the_daily_job_purges_through_its_own_transactions(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    """As the leader's scheduler runs it: old update ids in one transaction, then each
    citizen erased in one of their own."""
    idle = a_citizen_with_everything(db, ANA)
    idle.last_seen = NOW - timedelta(days=400)
    db.add(idle)
    db.add(ProcessedUpdate(update_id=1, processed_at=NOW - timedelta(days=8)))
    db.commit()
    settings = Settings(_env_file=None, retention_days=365, pseudonym_key=PSEUDONYM_KEY)
    housekeeper = Housekeeper(sessions=sessions, settings=settings, key=KEY, clock=lambda: NOW)

    purged = await housekeeper.purge()

    assert (purged.update_ids, purged.citizens) == (1, 1)
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Citizen)).scalar_one() == 0
