"""Consultations, proposals and followers stored directly, as the bot and staff leave them.

Quicker than ``consultations add`` (or the bot) where that is not the subject of a test.
Every helper commits, like a bot update or a command would.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from civic_feedback.flows.engine import Button, Skip
from civic_feedback.services.consultations import (
    Attachment,
    Received,
    begin_proposal,
    decide,
    draft_of,
    follow,
    name_in_report,
    submit,
)
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.consultations import (
    add_consultation,
    find_consultation,
    proposals_of,
)
from civic_feedback.storage.models import (
    Citizen,
    Consultation,
    ConsultationFollower,
    Decision,
    utcnow,
)
from tests.support.citizens import add_citizen
from tests.support.form_steps import Step, walk_form


def insert_consultation(
    session: Session,
    title: str = "Наредба за паркирането",
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    municipality: str | None = None,
    flow_id: str | None = None,
    title_en: str | None = None,
    published_at: datetime | None = None,
) -> str:
    """A consultation stored directly; open now for 30 days unless told otherwise. Its code."""
    opens = opens_at or utcnow() - timedelta(days=10)
    consultation = add_consultation(
        session,
        Consultation(
            code="",
            municipality=municipality,
            title={"bg": title, **({"en": title_en} if title_en else {})},
            opens_at=opens,
            closes_at=closes_at or opens + timedelta(days=30),
            flow_id=flow_id,
            published_at=published_at,
        ),
    )
    session.commit()
    return consultation.code


def stored_consultation(session: Session, code: str) -> Consultation:
    """The consultation as the database holds it now (after a command changed it)."""
    session.expire_all()
    found = find_consultation(session, code)
    assert found is not None, code
    return found


def citizen_of(session: Session, telegram_id: int, language: str = "bg") -> Citizen:
    """The citizen with this Telegram id, added when new."""
    found = session.exec(select(Citizen).where(Citizen.telegram_id == telegram_id)).first()
    if found is None:
        found = add_citizen(session, telegram_id=telegram_id, language=language)
        session.commit()
    return found


def propose(
    session: Session,
    code: str,
    telegram_id: int,
    text: str,
    *,
    language: str = "bg",
    attachment: Attachment | None = None,
    author_name: str | None = None,
) -> int:
    """A citizen sends a proposal as the bot stores it (an hour after the consultation opened,
    so closed ones take it too); with ``author_name`` they agree to be named. Its number."""
    consultation = stored_consultation(session, code)
    at = consultation.opens_at + timedelta(hours=1)
    citizen = citizen_of(session, telegram_id, language)
    begin_proposal(session, citizen, consultation, at)
    draft = draft_of(session, citizen)
    assert draft is not None, "the consultation must be open an hour after it opens"
    received = submit(
        session,
        citizen,
        draft,
        text,
        language=language,
        text_language=language,
        now=at,
        attachment=attachment,
    )
    assert isinstance(received, Received), received
    if author_name is not None:
        assert consultation.id is not None
        name_in_report(session, citizen, consultation.id, received.number, author_name)
    session.commit()
    return received.number


def follow_only(session: Session, code: str, telegram_id: int) -> None:
    """A citizen presses "Follow" without sending a proposal."""
    consultation = stored_consultation(session, code)
    follow(session, citizen_of(session, telegram_id), consultation, consultation.opens_at)
    session.commit()


def decided(session: Session, code: str, decisions: dict[int, tuple[Decision, str | None]]) -> None:
    """Staff decide the proposals ``{number: (decision, reasons)}``."""
    consultation = stored_consultation(session, code)
    for number, (decision, reasons) in decisions.items():
        decide(session, consultation, number, decision, reasons, actor="cli:staff", now=utcnow())
    session.commit()


def decisions_of(session: Session, code: str) -> dict[int, tuple[str | None, str | None]]:
    """``{number: (decision, reasons)}`` of every proposal, as stored now."""
    consultation = stored_consultation(session, code)
    assert consultation.id is not None
    return {p.number: (p.decision, p.reason) for p in proposals_of(session, consultation.id)}


def notice_states(session: Session, code: str) -> dict[int, str | None]:
    """``{telegram_id: notice_state}`` of every follower, as stored now."""
    consultation = stored_consultation(session, code)
    rows = session.exec(
        select(Citizen.telegram_id, ConsultationFollower.notice_state)
        .join(ConsultationFollower, col(ConsultationFollower.citizen_id) == Citizen.id)
        .where(ConsultationFollower.consultation_id == consultation.id)
    ).all()
    return dict(rows)


def survey_answered(session: Session, runs: FormRuns, citizen: Citizen, *, informed: str) -> None:
    """The citizen answers the consultation-survey form (now), rating how well informed
    they feel ``informed`` of 5."""
    steps: list[Step] = [Button("citizen"), Skip(), 0, Button(informed), Button("yes"), Skip()]
    walk_form(session, runs, citizen, "consultation-survey", steps, language="bg")
