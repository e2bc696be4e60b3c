"""/mydata: everything stored about one citizen, as one JSON-ready document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from civic_feedback.services.inbox import items_of, thread
from civic_feedback.services.inbox_media import attachments_of
from civic_feedback.storage.answer_rows import stored_answers
from civic_feedback.storage.models import (
    Citizen,
    Consultation,
    ConsultationFollower,
    Event,
    FlowVersion,
    InboxAttachment,
    Proposal,
    Registration,
    Response,
    StaffMember,
)

ANONYMOUS_NOTE = (
    "Answers to anonymous forms are stored with no link to you, so they cannot be listed "
    "here, nor told apart from anyone else's."
)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def personal_data(session: Session, citizen: Citizen) -> dict[str, Any]:
    """The citizen's profile, registrations and responses with their answers (times in UTC)."""
    registrations = session.exec(
        select(Registration, Event)
        .join(Event, col(Event.id) == col(Registration.event_id))
        .where(Registration.citizen_id == citizen.id)
        .order_by(col(Registration.created_at))
    ).all()
    responses = session.exec(
        select(Response, FlowVersion.version, Event.code)
        .join(FlowVersion, col(FlowVersion.id) == col(Response.flow_version_id))
        .outerjoin(Event, col(Event.id) == col(Response.event_id))
        .where(Response.citizen_id == citizen.id)
        .order_by(col(Response.id))
    ).all()
    staff = session.get(StaffMember, citizen.telegram_id)
    return {
        "profile": {
            "telegram_id": citizen.telegram_id,
            "language": citizen.language,
            "municipality": citizen.municipality,
            "receives_announcements": not citizen.opted_out,
            "first_seen": _time(citizen.first_seen),
            "last_seen": _time(citizen.last_seen),
            "privacy_notice_accepted": _time(citizen.privacy_accepted_at),
        },
        "staff_role": {"role": staff.role, "municipality": staff.municipality} if staff else None,
        "registrations": [
            {
                "event": event.code,
                "title": event.title,
                "starts_at": _time(event.starts_at),
                "status": registration.status,
                "registered_at": _time(registration.created_at),
            }
            for registration, event in registrations
        ],
        "responses": [
            {
                "form": response.flow_id,
                "form_version": version,
                "event": event_code,
                "language": response.language,
                "state": response.state,
                "started_at": _time(response.started_at),
                "completed_at": _time(response.completed_at),
                "answers": {
                    question: list(value) if isinstance(value, tuple) else value
                    for question, value in stored_answers(
                        session.connection(), response.id or 0
                    ).items()
                },
            }
            for response, version, event_code in responses
        ],
        "messages_to_municipality": [
            {
                "id": item.id,
                "municipality": item.municipality,
                "topic": item.topic,
                "status": item.status,
                "sent_at": _time(item.created_at),
                "staff_may_contact": item.contact_allowed,
                "place": (
                    {"latitude": item.latitude, "longitude": item.longitude}
                    if item.latitude is not None
                    else None
                ),
                "messages": [
                    {
                        "from": message.author,
                        "text": message.text,
                        "at": _time(message.created_at),
                        "attachments": [
                            _attachment(part) for part in attachments_of(session, message.id or 0)
                        ],
                    }
                    for message in thread(session, item.id or 0)
                ],
            }
            for item in items_of(session, citizen, limit=None)
        ],
        "consultations": _consultations(session, citizen),
        "note": ANONYMOUS_NOTE,
    }


def _consultations(session: Session, citizen: Citizen) -> list[dict[str, Any]]:
    """Consultations the citizen follows or wrote to, with their proposals."""
    followed = session.exec(
        select(Consultation, ConsultationFollower)
        .join(ConsultationFollower, col(ConsultationFollower.consultation_id) == Consultation.id)
        .where(ConsultationFollower.citizen_id == citizen.id)
        .order_by(col(Consultation.id))
    ).all()
    proposals = session.exec(
        select(Proposal).where(Proposal.citizen_id == citizen.id).order_by(col(Proposal.id))
    ).all()
    return [
        {
            "consultation": consultation.code,
            "title": consultation.title,
            "followed_since": _time(follower.followed_at),
            "report_notice": follower.notice_state,
            "proposals": [
                {
                    "number": proposal.number,
                    "text": proposal.text,
                    "attachment": (
                        {"kind": proposal.attachment_kind, "name": proposal.attachment_name}
                        if proposal.attachment_kind
                        else None
                    ),
                    "name_in_report": proposal.author_name,
                    "sent_at": _time(proposal.created_at),
                    "decision": proposal.decision,
                    "reasons": proposal.reason,
                }
                for proposal in proposals
                if proposal.consultation_id == consultation.id
            ],
        }
        for consultation, follower in followed
    ]


def _attachment(part: InboxAttachment) -> dict[str, Any]:
    """A photo, file, voice note or place: Telegram's reference, never the file itself."""
    return {
        "kind": part.kind,
        "telegram_file_id": part.file_id,
        "file_name": part.file_name,
        "size": part.file_size,
        "latitude": part.latitude,
        "longitude": part.longitude,
        "place": part.venue,
    }
