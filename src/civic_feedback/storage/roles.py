"""Staff roles: who may broadcast, read summaries and answer the inbox.

``ADMIN_IDS`` are admins whatever the table says; everyone else has the role granted with
``feedback-admin users grant``, or none (a citizen).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlmodel import Session, col, select

from civic_feedback.storage.models import Role, StaffMember, utcnow


class Permission(StrEnum):
    BROADCAST = "broadcast"
    SUMMARY = "summary"
    INBOX = "inbox"
    MANAGE_USERS = "manage_users"
    CONSULTATIONS = "consultations"  # decide proposals (the municipality's legal answer)
    EVENTS = "events"  # add, change and cancel events: the organizers' work
    EXPORT = "export"  # every answer, one row each: for the staff who analyse them
    FORMS = "forms"  # publish, open and close forms: the organizers write what citizens answer


ALLOWED: dict[Permission, frozenset[Role]] = {
    Permission.BROADCAST: frozenset({Role.ADMIN, Role.ORGANIZER}),
    Permission.SUMMARY: frozenset({Role.ADMIN, Role.ORGANIZER, Role.STAFF}),
    Permission.INBOX: frozenset({Role.ADMIN, Role.STAFF}),
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
    Permission.CONSULTATIONS: frozenset({Role.ADMIN, Role.STAFF}),
    Permission.EVENTS: frozenset({Role.ADMIN, Role.ORGANIZER}),
    Permission.EXPORT: frozenset({Role.ADMIN, Role.STAFF}),
    Permission.FORMS: frozenset({Role.ADMIN, Role.ORGANIZER}),
}


def role_of(session: Session, telegram_id: int, admin_ids: Collection[int]) -> Role | None:
    """The user's role; None for a citizen."""
    if telegram_id in admin_ids:
        return Role.ADMIN
    member = session.get(StaffMember, telegram_id)
    return Role(member.role) if member else None


def may(role: Role | None, permission: Permission) -> bool:
    return role is not None and role in ALLOWED[permission]


def scope_of(session: Session, telegram_id: int, admin_ids: Collection[int]) -> str | None:
    """The one municipality whose figures and citizens a staff member or organizer works
    with; None for admins and for roles granted without a municipality (all of them)."""
    if telegram_id in admin_ids:
        return None
    member = session.get(StaffMember, telegram_id)
    return member.municipality if member else None


def may_answer(
    session: Session, telegram_id: int, admin_ids: Collection[int], municipality: str | None
) -> bool:
    """Whether the user answers the inbox of ``municipality``: admins everywhere, staff in
    their own municipality (or everywhere when granted without one)."""
    if telegram_id in admin_ids:
        return True
    member = session.get(StaffMember, telegram_id)
    if member is None or not may(Role(member.role), Permission.INBOX):
        return False
    return member.municipality is None or member.municipality == municipality


def grant(
    session: Session,
    telegram_id: int,
    role: Role,
    *,
    granted_by: str,
    municipality: str | None = None,
) -> StaffMember:
    """Give (or change) a user's role."""
    member = session.get(StaffMember, telegram_id) or StaffMember(
        telegram_id=telegram_id, role=role, granted_by=granted_by
    )
    member.role = role
    member.municipality = municipality
    member.granted_by = granted_by
    member.granted_at = utcnow()
    session.add(member)
    session.flush()
    return member


def revoke(session: Session, telegram_id: int) -> StaffMember | None:
    """Take the role away; returns what it was, or None when there was none."""
    member = session.get(StaffMember, telegram_id)
    if member is not None:
        session.delete(member)
        session.flush()
    return member


def staff_members(session: Session) -> list[StaffMember]:
    statement = select(StaffMember).order_by(col(StaffMember.role), col(StaffMember.telegram_id))
    return list(session.exec(statement))
