"""The console's consultations: those the staff member may see, their proposals, and a
decision with its reasons on one proposal, recorded by the same service the CLI's sheet
uses and audit-logged under the staff member's pseudonym."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.core.consultation_terms import days_left
from civic_feedback.flows.schema import in_language
from civic_feedback.services.consultations import (
    REASON_LIMIT,
    consultation_for,
    decide,
    in_scope,
)
from civic_feedback.storage import audit
from civic_feedback.storage.consultations import (
    all_consultations,
    proposal_counts,
    proposal_numbered,
    proposals_of,
)
from civic_feedback.storage.models import Decision


class DecisionRefusedError(ValueError):
    """A decision the console refuses; ``code`` is what the page says, in its language."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def consultation_list(session: Session, access: StaffAccess, now: datetime) -> list[dict[str, Any]]:
    shown = []
    for consultation in all_consultations(session, access.municipality):
        if not in_scope(consultation, access.municipality):
            continue
        assert consultation.id is not None
        counts = proposal_counts(session, consultation.id)
        shown.append(
            {
                "code": consultation.code,
                "title": in_language(consultation.title, access.language),
                "municipality": consultation.municipality,
                "days_left": days_left(consultation.closes_at, now),
                "published": consultation.published_at is not None,
                "proposals": counts.received,
                "undecided": counts.undecided,
            }
        )
    return shown


def consultation_detail(
    session: Session, access: StaffAccess, code: str, now: datetime
) -> dict[str, Any] | None:
    """The consultation and its proposals; None when it does not exist for this person."""
    consultation = consultation_for(session, code, access.municipality)
    if consultation is None:
        return None
    assert consultation.id is not None
    return {
        "code": consultation.code,
        "title": in_language(consultation.title, access.language),
        "days_left": days_left(consultation.closes_at, now),
        "published": consultation.published_at is not None,
        "reason_limit": REASON_LIMIT,
        "proposals": [
            {
                "number": proposal.number,
                "text": proposal.text,
                "attachment": proposal.attachment_name or proposal.attachment_kind,
                "received": proposal.created_at.isoformat(timespec="minutes"),
                "decision": proposal.decision,
                "reason": proposal.reason,
            }
            for proposal in proposals_of(session, consultation.id)
        ],
    }


def record_decision(
    session: Session,
    access: StaffAccess,
    key: bytes,
    code: str,
    number: int,
    body: Any,
    now: datetime,
) -> dict[str, Any] | None:
    """Decide proposal ``number`` from the page's ``{"decision", "reason"}``; None when the
    consultation or the proposal does not exist for this person."""
    consultation = consultation_for(session, code, access.municipality)
    if consultation is None or consultation.id is None:
        return None
    if proposal_numbered(session, consultation.id, number) is None:
        return None
    decision, reason = _read(body)
    if consultation.published_at is not None:
        raise DecisionRefusedError("published")
    if decision is not Decision.ACCEPTED and not reason:
        raise DecisionRefusedError("reasons_required")
    if len(reason) > REASON_LIMIT:
        raise DecisionRefusedError("reasons_too_long")
    actor = audit.telegram_actor(key, access.telegram_id)
    proposal = decide(session, consultation, number, decision, reason, actor=actor, now=now)
    audit.record(
        session, actor, "consultation_decide", consultation.code, number=number, by="console"
    )
    return {"number": proposal.number, "decision": proposal.decision, "reason": proposal.reason}


def _read(body: Any) -> tuple[Decision, str]:
    if not isinstance(body, dict):
        raise DecisionRefusedError("malformed")
    decision, reason = body.get("decision"), body.get("reason", "")
    if not isinstance(reason, str) or decision not in {d.value for d in Decision}:
        raise DecisionRefusedError("malformed")
    return Decision(decision), reason.strip()
