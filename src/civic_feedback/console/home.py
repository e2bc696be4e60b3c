"""The console's home: this week so far for the staff member's municipality (all, for admins
and roles granted without one), against last week, the trend (its weeks named by their
dates in the staff member's language), and what waits for them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from civic_feedback.console.access import StaffAccess
from civic_feedback.core.consultation_terms import days_left
from civic_feedback.core.week_dates import week_dates
from civic_feedback.flows.schema import in_language
from civic_feedback.reports.summary import weekly_summary
from civic_feedback.reports.trend import trend_points
from civic_feedback.services.consultations import in_scope
from civic_feedback.settings import Settings
from civic_feedback.storage.consultations import open_consultations, proposal_counts
from civic_feedback.storage.events import registration_counts, upcoming_events
from civic_feedback.storage.models import InboxItem, InboxStatus

SHOWN = 5  # upcoming events and open consultations on the page
WAITING = (InboxStatus.NEW, InboxStatus.IN_PROGRESS)


def current_week(now: datetime, settings: Settings) -> str:
    year, week, _ = now.astimezone(settings.zone).date().isocalendar()
    return f"{year}-W{week:02d}"


def home_page(
    session: Session, access: StaffAccess, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Plain JSON for the page; every list is already cut to what the page shows."""
    zone, scope, language = settings.zone, access.municipality, access.language
    week = current_week(now, settings)
    summary = weekly_summary(session, week, zone, language=language, municipality=scope)
    previous = summary.previous.overall if summary.previous else None
    return {
        "who": {
            "role": access.role.value,
            "municipality": scope,
            "language": language,
        },
        "week": week,
        "previous_week": summary.previous_week,
        "figures": asdict(summary.period.headlines.overall),
        "previous": asdict(previous) if previous else None,
        "trend": [
            asdict(point) | {"dates": week_dates(point.week, language)}
            for point in trend_points(session, week, zone, municipality=scope, weeks=8)
        ],
        "inbox_waiting": _inbox_waiting(session, scope),
        "events": _events(session, now, scope, language, zone),
        "consultations": _consultations(session, now, scope, language),
    }


def _inbox_waiting(session: Session, scope: str | None) -> int:
    statement = select(func.count()).where(col(InboxItem.status).in_(WAITING))
    if scope is not None:
        statement = statement.where(col(InboxItem.municipality) == scope)
    return int(session.exec(statement).one())


def _events(
    session: Session, now: datetime, scope: str | None, language: str, zone: Any
) -> list[dict[str, Any]]:
    shown = []
    for event in upcoming_events(session, now, municipality=scope)[:SHOWN]:
        counts = registration_counts(session, event, now)
        shown.append(
            {
                "code": event.code,
                "title": in_language(event.title, language),
                "starts_at": event.starts_at.astimezone(zone).isoformat(timespec="minutes"),
                "place": event.place,
                "registered": counts.registered + counts.attended,
                "waiting": counts.waitlisted,
                "capacity": event.capacity,
            }
        )
    return shown


def _consultations(
    session: Session, now: datetime, scope: str | None, language: str
) -> list[dict[str, Any]]:
    shown = []
    for consultation in open_consultations(session, now):
        if not in_scope(consultation, scope):
            continue
        assert consultation.id is not None
        shown.append(
            {
                "code": consultation.code,
                "title": in_language(consultation.title, language),
                "days_left": days_left(consultation.closes_at, now),
                "proposals": proposal_counts(session, consultation.id).received,
            }
        )
    return shown[:SHOWN]
