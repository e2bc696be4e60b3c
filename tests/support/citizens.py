"""Citizens the tests start from: rows written as the bot writes a citizen it meets."""

from __future__ import annotations

from sqlmodel import Session

from civic_feedback.storage.models import Citizen


def add_citizen(session: Session, *, telegram_id: int, language: str | None) -> Citizen:
    """A citizen as first met (their Telegram language, nothing else), added to the session."""
    citizen = Citizen(telegram_id=telegram_id, language=language)
    session.add(citizen)
    return citizen
