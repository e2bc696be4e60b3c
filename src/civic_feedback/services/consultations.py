"""Public consultations: proposals received while the draft is open, a decision and its
reasons for each, and the one notice per follower once the report is published.

Each step writes in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from civic_feedback.core.consultation_terms import Phase, phase
from civic_feedback.storage.consultations import (
    find_consultation,
    next_proposal_number,
    proposal_counts,
    proposal_numbered,
)
from civic_feedback.storage.database import affected
from civic_feedback.storage.models import (
    Citizen,
    Consultation,
    ConsultationFollower,
    Decision,
    NoticeState,
    Proposal,
    ProposalDraft,
)

PROPOSAL_LIMIT = 4000  # characters of a proposal's text
REASON_LIMIT = 4000


def in_scope(consultation: Consultation, municipality: str | None) -> bool:
    """Whether staff of ``municipality`` (None: every one) may see and decide it."""
    return municipality is None or consultation.municipality == municipality


def consultation_for(session: Session, code: str, municipality: str | None) -> Consultation | None:
    """The consultation staff of ``municipality`` (None: every one, as administrators) may
    see and decide: one of another municipality is as good as unknown to them."""
    found = find_consultation(session, code.strip().lower())
    return found if found is not None and in_scope(found, municipality) else None


def consultation_phase(consultation: Consultation, now: datetime) -> Phase:
    return phase(consultation.opens_at, consultation.closes_at, now)


# --- citizens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """A file or photo sent with a proposal: Telegram keeps it, we keep its reference."""

    kind: str  # photo | document
    file_id: str
    name: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Received:
    code: str  # the consultation's
    number: int
    attachment: str | None  # the file's name or kind, when one came with the proposal


@dataclass(frozen=True)
class Late:
    """The consultation closed before the proposal came (or has not opened yet)."""

    phase: Phase


@dataclass(frozen=True)
class TooLong:
    length: int


def begin_proposal(
    session: Session, citizen: Citizen, consultation: Consultation, now: datetime
) -> Phase:
    """The citizen pressed "Send a proposal": their next text is the proposal (while open)."""
    current = consultation_phase(consultation, now)
    if current is Phase.OPEN:
        assert citizen.id is not None
        assert consultation.id is not None
        session.execute(delete(ProposalDraft).where(col(ProposalDraft.citizen_id) == citizen.id))
        session.add(
            ProposalDraft(citizen_id=citizen.id, consultation_id=consultation.id, started_at=now)
        )
        session.flush()
    return current


def draft_of(session: Session, citizen: Citizen) -> ProposalDraft | None:
    return None if citizen.id is None else session.get(ProposalDraft, citizen.id)


def drop_draft(session: Session, citizen: Citizen) -> bool:
    """The citizen changed their mind; True when a proposal was being written."""
    draft = draft_of(session, citizen)
    if draft is None:
        return False
    session.delete(draft)
    session.flush()
    return True


def attach(session: Session, draft: ProposalDraft, attachment: Attachment) -> None:
    """A file sent before the text: it goes with the proposal (the latest file wins)."""
    draft.attachment_kind = attachment.kind
    draft.attachment_file_id = attachment.file_id
    draft.attachment_name = attachment.name
    draft.attachment_size = attachment.size
    session.add(draft)
    session.flush()


def submit(
    session: Session,
    citizen: Citizen,
    draft: ProposalDraft,
    text: str,
    *,
    language: str,
    text_language: str | None,
    now: datetime,
    attachment: Attachment | None = None,
) -> Received | Late | TooLong:
    """The proposal, numbered, with the file sent with it (or before it); the citizen now
    follows the consultation. Nothing is stored when it is too long or too late."""
    consultation = session.get(Consultation, draft.consultation_id)
    assert consultation is not None
    assert citizen.id is not None
    current = consultation_phase(consultation, now)
    if current is not Phase.OPEN:
        session.delete(draft)
        session.flush()
        return Late(current)
    if len(text) > PROPOSAL_LIMIT:
        return TooLong(len(text))
    if attachment is not None:
        attach(session, draft, attachment)
    proposal = Proposal(
        consultation_id=draft.consultation_id,
        number=next_proposal_number(session, consultation),
        citizen_id=citizen.id,
        language=language,
        text=text.strip(),
        text_language=text_language,
        attachment_kind=draft.attachment_kind,
        attachment_file_id=draft.attachment_file_id,
        attachment_name=draft.attachment_name,
        attachment_size=draft.attachment_size,
        created_at=now,
    )
    session.add(proposal)
    session.delete(draft)
    follow(session, citizen, consultation, now)
    session.flush()
    return Received(
        consultation.code, proposal.number, draft.attachment_name or draft.attachment_kind
    )


def name_in_report(
    session: Session, citizen: Citizen, consultation_id: int, number: int, name: str | None
) -> bool:
    """The citizen agrees (a name) or no longer agrees (None) to be named in the report."""
    proposal = proposal_numbered(session, consultation_id, number)
    if proposal is None or proposal.citizen_id != citizen.id:
        return False
    proposal.author_name = name[:200] if name else None
    session.add(proposal)
    session.flush()
    return True


def is_following(session: Session, citizen: Citizen | None, consultation_id: int) -> bool:
    if citizen is None or citizen.id is None:
        return False
    return session.get(ConsultationFollower, (consultation_id, citizen.id)) is not None


def follow(session: Session, citizen: Citizen, consultation: Consultation, now: datetime) -> None:
    """Told once when the report is published (at once, if it already is and not yet told)."""
    assert citizen.id is not None
    assert consultation.id is not None
    follower = session.get(ConsultationFollower, (consultation.id, citizen.id))
    if follower is None:
        follower = ConsultationFollower(
            consultation_id=consultation.id, citizen_id=citizen.id, followed_at=now
        )
        if consultation.published_at is not None:
            follower.notice_state = NoticeState.PENDING
        session.add(follower)
        session.flush()


def unfollow(session: Session, citizen: Citizen, consultation_id: int) -> None:
    follower = (
        session.get(ConsultationFollower, (consultation_id, citizen.id)) if citizen.id else None
    )
    if follower is not None and follower.notice_state is None:
        session.delete(follower)
        session.flush()


# --- staff ---------------------------------------------------------------------------------


class DecisionError(ValueError):
    """A decision that cannot be recorded; the message says what to change."""


def check_decision(decision: Decision, reason: str | None) -> str | None:
    """Problem with a decision and its reasons, or None. The law asks for the reasons of
    every proposal not accepted (also when only partly accepted)."""
    reason = (reason or "").strip()
    if decision is not Decision.ACCEPTED and not reason:
        return "a proposal not (or only partly) accepted needs its reasons"
    if len(reason) > REASON_LIMIT:
        return f"the reasons are {len(reason)} characters; at most {REASON_LIMIT}"
    return None


def decide(
    session: Session,
    consultation: Consultation,
    number: int,
    decision: Decision,
    reason: str | None,
    *,
    actor: str,
    now: datetime,
) -> Proposal:
    """Record the decision on proposal ``number`` (a later decision replaces it)."""
    assert consultation.id is not None
    proposal = proposal_numbered(session, consultation.id, number)
    if proposal is None:
        raise DecisionError(f"consultation {consultation.code} has no proposal No. {number}")
    if consultation.published_at is not None:
        raise DecisionError(f"the report of {consultation.code} is already published")
    problem = check_decision(decision, reason)
    if problem:
        raise DecisionError(f"proposal No. {number}: {problem}")
    proposal.decision = decision
    proposal.reason = (reason or "").strip() or None
    proposal.decided_at = now
    proposal.decided_by = actor
    session.add(proposal)
    session.flush()
    return proposal


@dataclass(frozen=True)
class PlannedDecision:
    """A decision read from a sheet, with the row it came from (for messages)."""

    row: int
    number: int
    decision: Decision
    reasons: str | None


def decide_all(
    session: Session,
    consultation: Consultation,
    planned: list[PlannedDecision],
    *,
    actor: str,
    now: datetime,
) -> int:
    """Every decision of a sheet, or none: each row is checked first, and all problems are
    raised together, by row. Returns how many were recorded."""
    assert consultation.id is not None
    if consultation.published_at is not None:
        raise DecisionError(f"the report of {consultation.code} is already published")
    problems = []
    for plan in planned:
        problem = check_decision(plan.decision, plan.reasons)
        if proposal_numbered(session, consultation.id, plan.number) is None:
            problem = f"consultation {consultation.code} has no proposal No. {plan.number}"
        if problem:
            problems.append(f"row {plan.row}: {problem}")
    if problems:
        raise DecisionError("\n".join(problems))
    for plan in planned:
        decide(
            session, consultation, plan.number, plan.decision, plan.reasons, actor=actor, now=now
        )
    return len(planned)


def close_early(session: Session, consultation: Consultation, now: datetime, reason: str) -> None:
    """Stop taking proposals now; the reason is kept with the consultation."""
    if consultation_phase(consultation, now) is Phase.CLOSED:
        raise DecisionError(f"consultation {consultation.code} is already closed")
    consultation.closes_at = now
    consultation.closed_early_reason = reason.strip()
    session.add(consultation)
    session.flush()


def check_publishable(session: Session, consultation: Consultation, now: datetime) -> None:
    """DecisionError unless the report may be published now: closed, every proposal decided,
    not published before."""
    assert consultation.id is not None
    if consultation.published_at is not None:
        raise DecisionError(f"the report of {consultation.code} is already published")
    if consultation_phase(consultation, now) is not Phase.CLOSED:
        raise DecisionError(
            f"consultation {consultation.code} is still open: close it first "
            "(it closes by itself at its closing time)"
        )
    undecided = proposal_counts(session, consultation.id).undecided
    if undecided:
        raise DecisionError(f"{undecided} proposals have no decision yet")


def mark_published(
    session: Session,
    consultation: Consultation,
    now: datetime,
    *,
    chat: str | None,
    url: str | None,
) -> int:
    """The report is out: each follower is owed one notice (never a second). Returns how many
    will be told."""
    check_publishable(session, consultation, now)
    consultation.published_at = now
    consultation.published_chat = chat
    consultation.published_url = url
    session.add(consultation)
    owed = session.execute(
        update(ConsultationFollower)
        .where(
            col(ConsultationFollower.consultation_id) == consultation.id,
            col(ConsultationFollower.notice_state).is_(None),
        )
        .values(notice_state=NoticeState.PENDING.value)
    )
    session.flush()
    return affected(owed)


# --- the notices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnDecision:
    number: int
    decision: Decision | None
    reason: str | None


@dataclass(frozen=True)
class ClaimedNotice:
    """A follower's notice, claimed for sending: what the message needs."""

    consultation_id: int
    citizen_id: int
    chat_id: int
    language: str | None
    code: str
    title: dict[str, str]
    url: str | None
    decisions: tuple[OwnDecision, ...]


def claim_notice(session: Session) -> ClaimedNotice | None:
    """Take one owed notice and mark it ``sending``: the caller commits before sending, so a
    crash can lose one notice but never send one twice."""
    # Who blocked the bot is owed nothing more: settled in one go, never sent.
    blocked = select(Citizen.id).where(col(Citizen.unreachable).is_(True))
    session.execute(
        update(ConsultationFollower)
        .where(
            col(ConsultationFollower.notice_state) == NoticeState.PENDING,
            col(ConsultationFollower.citizen_id).in_(blocked),
        )
        .values(notice_state=NoticeState.UNREACHABLE.value)
    )
    row = session.exec(
        select(ConsultationFollower, Citizen, Consultation)
        .join(Citizen, col(Citizen.id) == ConsultationFollower.citizen_id)
        .join(Consultation, col(Consultation.id) == ConsultationFollower.consultation_id)
        .where(ConsultationFollower.notice_state == NoticeState.PENDING)
        .order_by(col(ConsultationFollower.consultation_id), col(ConsultationFollower.citizen_id))
        .limit(1)
    ).first()
    if row is None:
        return None
    follower, citizen, consultation = row
    follower.notice_state = NoticeState.SENDING
    session.add(follower)
    own = session.exec(
        select(Proposal)
        .where(Proposal.consultation_id == consultation.id, Proposal.citizen_id == citizen.id)
        .order_by(col(Proposal.number))
    ).all()
    session.flush()
    assert consultation.id is not None
    assert citizen.id is not None
    return ClaimedNotice(
        consultation_id=consultation.id,
        citizen_id=citizen.id,
        chat_id=citizen.telegram_id,
        language=citizen.language,
        code=consultation.code,
        title=dict(consultation.title),
        url=consultation.published_url,
        decisions=tuple(
            OwnDecision(p.number, Decision(p.decision) if p.decision else None, p.reason)
            for p in own
        ),
    )


def settle_notice(
    session: Session,
    notice: ClaimedNotice,
    state: NoticeState,
    now: datetime,
    error: str | None = None,
) -> None:
    follower = session.get(ConsultationFollower, (notice.consultation_id, notice.citizen_id))
    if follower is None:  # the citizen was erased meanwhile
        return
    follower.notice_state = state
    follower.notice_sent_at = now if state is NoticeState.SENT else None
    follower.notice_error = error[:200] if error else None
    session.add(follower)
    if state is NoticeState.UNREACHABLE:
        citizen = session.get(Citizen, notice.citizen_id)
        if citizen is not None:
            citizen.unreachable = True
            session.add(citizen)
    session.flush()


def notices_waiting(session: Session) -> bool:
    statement = select(ConsultationFollower.citizen_id).where(
        ConsultationFollower.notice_state == NoticeState.PENDING
    )
    return session.exec(statement.limit(1)).first() is not None
