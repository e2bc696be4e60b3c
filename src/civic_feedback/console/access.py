"""What a console user may do: their role and municipality, read from the database on every
request (a role revoked a minute ago is refused at once)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session

from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.models import Role
from civic_feedback.storage.roles import role_of, scope_of


@dataclass(frozen=True)
class StaffAccess:
    telegram_id: int
    role: Role
    municipality: str | None  # None: every municipality
    language: str  # the console's language: the one they chose in the bot, else Telegram's


def staff_access(
    session: Session,
    telegram_id: int,
    admin_ids: Collection[int],
    telegram_language: str | None,
    offered: Collection[str],
    default: str,
) -> StaffAccess | None:
    """None for a citizen (no role)."""
    role = role_of(session, telegram_id, admin_ids)
    if role is None:
        return None
    citizen = find_citizen(session, telegram_id)
    chosen = citizen.language if citizen else None
    candidates = (chosen, (telegram_language or "")[:2])
    language = next((code for code in candidates if code and code in offered), default)
    return StaffAccess(telegram_id, role, scope_of(session, telegram_id, admin_ids), language)
