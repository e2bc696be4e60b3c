"""The audit log: who broadcast, exported, granted and erased. Appended, never edited.

Entries name people by pseudonym (HMAC of the Telegram id with ``PSEUDONYM_KEY``), never by
Telegram id: when a citizen is erased, nothing here still points at them.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.storage.models import AuditEntry


def cli_actor() -> str:
    """The operator running ``feedback-admin``, as their login name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        user = "unknown"
    return f"cli:{user}"[:100]


def telegram_actor(key: bytes, telegram_id: int) -> str:
    return pseudonym(key, telegram_id)


def times(*moments: datetime) -> list[str]:
    """Times as the log keeps them (an event's before and after): ISO 8601 in UTC."""
    return [moment.astimezone(UTC).isoformat() for moment in moments]


def record(
    session: Session,
    actor: str,
    action: str,
    subject: str | None = None,
    **details: Any,
) -> None:
    """Add an entry to the session: it is written with the change it describes."""
    session.add(AuditEntry(actor=actor, action=action, subject=subject, details=details))


def entries(
    session: Session, *, since: datetime | None = None, action: str | None = None
) -> list[AuditEntry]:
    """Entries in the order they happened."""
    statement = _selected(since, action).order_by(col(AuditEntry.at), col(AuditEntry.id))
    return list(session.exec(statement))


def latest_entries(
    session: Session,
    *,
    since: datetime | None = None,
    action: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[AuditEntry]:
    """A page of entries, the latest first: for reading the log on a screen."""
    latest = (col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    statement = _selected(since, action).order_by(*latest).offset(offset).limit(limit)
    return list(session.exec(statement))


def recorded_actions(session: Session) -> list[str]:
    """Every action the log holds, in alphabetical order."""
    statement = select(AuditEntry.action).distinct().order_by(col(AuditEntry.action))
    return list(session.exec(statement))


def _selected(since: datetime | None, action: str | None) -> SelectOfScalar[AuditEntry]:
    statement = select(AuditEntry)
    if since is not None:
        statement = statement.where(col(AuditEntry.at) >= since)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return statement
