"""Consultations and their proposals as stored: look-ups, numbering, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from civic_feedback.storage.codes import is_code, new_code
from civic_feedback.storage.models import (
    Consultation,
    ConsultationDocument,
    ConsultationFollower,
    Decision,
    Proposal,
)


def find_consultation(session: Session, code: str) -> Consultation | None:
    if not is_code(code):
        return None
    return session.exec(select(Consultation).where(Consultation.code == code)).first()


def add_consultation(
    session: Session, consultation: Consultation, document: bytes | None = None
) -> Consultation:
    """Store a new consultation under a fresh random code, with the draft's file if given."""
    while True:
        consultation.code = new_code()
        if find_consultation(session, consultation.code) is None:
            break
    session.add(consultation)
    session.flush()
    if document is not None:
        assert consultation.id is not None
        session.add(ConsultationDocument(consultation_id=consultation.id, data=document))
        session.flush()
    return consultation


def document_of(session: Session, consultation_id: int) -> bytes | None:
    found = session.get(ConsultationDocument, consultation_id)
    return None if found is None else found.data


def open_consultations(session: Session, now: datetime) -> list[Consultation]:
    """Consultations taking proposals now, the soonest to close first."""
    statement = (
        select(Consultation)
        .where(col(Consultation.opens_at) <= now, col(Consultation.closes_at) > now)
        .order_by(col(Consultation.closes_at), col(Consultation.id))
    )
    return list(session.exec(statement))


def all_consultations(session: Session, municipality: str | None = None) -> list[Consultation]:
    """Every consultation (of one municipality when given), the newest first."""
    statement = select(Consultation).order_by(
        col(Consultation.opens_at).desc(), col(Consultation.id).desc()
    )
    if municipality is not None:
        statement = statement.where(Consultation.municipality == municipality)
    return list(session.exec(statement))


def proposals_of(session: Session, consultation_id: int) -> list[Proposal]:
    statement = (
        select(Proposal)
        .where(Proposal.consultation_id == consultation_id)
        .order_by(col(Proposal.number))
    )
    return list(session.exec(statement))


def proposal_numbered(session: Session, consultation_id: int, number: int) -> Proposal | None:
    statement = select(Proposal).where(
        Proposal.consultation_id == consultation_id, Proposal.number == number
    )
    return session.exec(statement).first()


def next_proposal_number(session: Session, consultation: Consultation) -> int:
    """The number the next proposal gets. On PostgreSQL the consultation's row is locked
    until the transaction ends, so two proposals at once never get the same number."""
    session.exec(
        select(Consultation.id).where(Consultation.id == consultation.id).with_for_update()
    ).first()
    statement = select(func.max(Proposal.number)).where(Proposal.consultation_id == consultation.id)
    return int(session.exec(statement).one() or 0) + 1


@dataclass(frozen=True)
class ProposalCounts:
    received: int = 0
    accepted: int = 0
    partly: int = 0
    not_accepted: int = 0
    followers: int = 0

    @property
    def undecided(self) -> int:
        return self.received - self.accepted - self.partly - self.not_accepted


def proposal_counts(session: Session, consultation_id: int) -> ProposalCounts:
    statement = (
        select(Proposal.decision, func.count())
        .where(Proposal.consultation_id == consultation_id)
        .group_by(Proposal.decision)
    )
    by_decision = {decision: int(count) for decision, count in session.exec(statement)}
    followers = session.exec(
        select(func.count()).where(ConsultationFollower.consultation_id == consultation_id)
    ).one()
    return ProposalCounts(
        received=sum(by_decision.values()),
        accepted=by_decision.get(Decision.ACCEPTED, 0),
        partly=by_decision.get(Decision.PARTLY, 0),
        not_accepted=by_decision.get(Decision.NOT_ACCEPTED, 0),
        followers=int(followers),
    )


def proposals_sent(session: Session, consultation_id: int, citizen_id: int | None) -> int:
    """How many proposals the citizen sent on the consultation."""
    if citizen_id is None:
        return 0
    statement = select(func.count()).where(
        Proposal.consultation_id == consultation_id, Proposal.citizen_id == citizen_id
    )
    return int(session.exec(statement).one())
