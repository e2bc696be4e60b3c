"""The sandbox's demo event, its staff, and the fast-forward that makes the next scheduled
message due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from civic_feedback.core.event_schedule import FollowUpPolicy
from civic_feedback.sandbox.demo import (
    DEMO_STAFF_GROUP,
    STAFF,
    demo_consultation,
    demo_event,
    demo_staff,
    skip_to_next_message,
)
from civic_feedback.sandbox.runner import sandbox_settings, staff_groups
from civic_feedback.services.registrations import Registrar
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Event, Notification, NotificationState, Role
from civic_feedback.storage.roles import grant, may_answer
from tests.support.citizens import add_citizen

SOFIA = ZoneInfo("Europe/Sofia")
NOW = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 00:30 on the 24th in Sofia


def pending(session: Session) -> list[Notification]:
    statement = select(Notification).where(Notification.state == NotificationState.PENDING)
    return list(session.exec(statement.order_by(col(Notification.due_at))))


def test_demo_event_is_added_once_with_both_reminders_ahead(session: Session) -> None:
    install_library(session)
    session.commit()

    event = demo_event(session, SOFIA, NOW, "Пловдив")
    again = demo_event(session, SOFIA, NOW, "Пловдив")

    assert again.id == event.id
    assert len(session.exec(select(Event)).all()) == 1
    assert event.starts_at.astimezone(SOFIA) == datetime(2026, 11, 26, 18, 0, tzinfo=SOFIA)
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    assert event.starts_at - timedelta(hours=24) > NOW
    assert (event.flow_id, event.municipality) == ("event-satisfaction", "Пловдив")
    assert set(event.title) == {"bg", "en", "tr"}


def test_skip_makes_each_scheduled_message_due_in_turn(session: Session) -> None:
    install_library(session)
    session.commit()
    event = demo_event(session, SOFIA, NOW, None)
    citizen = add_citizen(session, telegram_id=1001, language="bg")
    session.commit()
    Registrar(FollowUpPolicy()).register(session, citizen, event, NOW)
    session.commit()
    starts = event.starts_at
    reminder_24h, reminder_1h, invitation = (n.due_at for n in pending(session))

    gap = skip_to_next_message(session, NOW)

    assert gap == reminder_24h - NOW
    first, *rest = pending(session)
    assert first.due_at == NOW  # due now: the worker sends it at its next wake-up
    assert [n.due_at for n in rest] == [reminder_1h - gap, invitation - gap]
    session.refresh(event)
    assert event.starts_at == starts - gap

    first.state = NotificationState.SENT  # as the worker would
    session.add(first)
    session.commit()
    assert skip_to_next_message(session, NOW) == reminder_1h - reminder_24h
    assert pending(session)[0].due_at == NOW


def test_skip_does_nothing_when_nothing_is_scheduled_or_already_due(session: Session) -> None:
    install_library(session)
    session.commit()
    event = demo_event(session, SOFIA, NOW, None)
    starts = event.starts_at

    assert skip_to_next_message(session, NOW) is None

    citizen = add_citizen(session, telegram_id=1001, language="bg")
    session.commit()
    Registrar(FollowUpPolicy()).register(session, citizen, event, NOW)
    session.commit()
    later = event.starts_at - timedelta(hours=23)  # past the 24 h reminder's time
    assert skip_to_next_message(session, later) == timedelta(0)
    session.refresh(event)
    assert event.starts_at == starts


def test_demo_consultation_is_added_once_open_for_its_full_term(session: Session) -> None:
    install_library(session)
    session.commit()

    consultation = demo_consultation(session, NOW, "Пловдив")
    again = demo_consultation(session, NOW, "Пловдив")

    assert again.id == consultation.id
    assert consultation.opens_at < NOW < consultation.closes_at
    assert consultation.closes_at - consultation.opens_at == timedelta(days=30)  # lawful
    assert (consultation.flow_id, consultation.municipality) == ("consultation-survey", "Пловдив")
    assert set(consultation.title) == set(consultation.summary) == {"bg", "en", "tr"}


def test_the_demo_staff_member_answers_everywhere_unless_changed_since(session: Session) -> None:
    demo_staff(session)
    session.commit()
    assert may_answer(session, STAFF.telegram_id, [], "Варна")

    grant(session, STAFF.telegram_id, Role.STAFF, granted_by="admin", municipality="Пловдив")
    session.commit()
    demo_staff(session)  # the sandbox started again on the kept database

    assert not may_answer(session, STAFF.telegram_id, [], "Варна")


@pytest.mark.parametrize(
    ("configured", "shown"),
    [
        (None, {DEMO_STAFF_GROUP: [None]}),
        (
            "Варна:-100777,Пловдив:-100777,*:-100778",
            {-100777: ["Варна", "Пловдив"], -100778: [None]},
        ),
    ],
)
def test_the_sandbox_has_a_staff_group_unless_staff_chats_names_its_own(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    configured: str | None,
    shown: dict[int, list[str | None]],
) -> None:
    monkeypatch.delenv("STAFF_CHATS", raising=False)
    if configured is not None:
        monkeypatch.setenv("STAFF_CHATS", configured)

    settings = sandbox_settings(tmp_path)

    assert staff_groups(settings) == shown  # the groups on the page, by their municipalities
    assert settings.staff_group("Столична") in shown  # a message has a group on the page
