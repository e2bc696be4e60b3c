"""The console's People page (admins): who holds a role, a role given or taken as
``feedback-admin users grant|revoke`` does it (audited under the admin's pseudonym), and the
audit log, the latest first, a page at a time.

An admin cannot take or change their own role (another admin must), nor an ADMIN_IDS
admin's (it comes from the settings). An admin granted with a municipality manages only its
people, and does not read the log, which covers every municipality.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.services.staff_roles import (
    UnknownMunicipalityError,
    is_telegram_user_id,
    known_municipality,
)
from civic_feedback.settings import Settings
from civic_feedback.storage import audit
from civic_feedback.storage.models import AuditEntry, Role, StaffMember
from civic_feedback.storage.roles import grant, revoke, staff_members

AUDIT_PAGE = 50  # entries a page
LONGEST_PERIOD = 3660  # days the log's filter reaches back at most
_LONGEST_ACTION = 64


class PeopleRefusedError(ValueError):
    """A change or a look the console refuses; ``code`` is what the page says."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotFoundError(LookupError):
    """No role to take, or a person of another municipality: the same for the page."""


def people_page(session: Session, access: StaffAccess, settings: Settings) -> dict[str, Any]:
    scope = access.municipality
    return {
        "you": access.telegram_id,
        "admin_ids": sorted(settings.admin_ids) if scope is None else [],
        "members": [
            _member(member, settings.zone)
            for member in staff_members(session)
            if scope is None or member.municipality == scope
        ],
        "roles": [role.value for role in Role],
        "municipalities": list(settings.municipalities) if scope is None else [scope],
        "every_municipality": scope is None,  # may grant a role without one, and read the log
    }


def grant_role(
    session: Session, access: StaffAccess, settings: Settings, key: bytes, body: Any
) -> dict[str, Any]:
    """Give the page's ``{"telegram_id", "role", "municipality"}`` (or change a role)."""
    if not isinstance(body, dict):
        raise PeopleRefusedError("malformed")
    telegram_id = _person(body)
    role = _role(body.get("role"))
    municipality = _municipality(body.get("municipality"), settings, access.municipality)
    _may_change(session, access, settings, telegram_id)
    actor = audit.telegram_actor(key, access.telegram_id)
    audit.record(
        session,
        actor,
        "grant",
        pseudonym(key, telegram_id),
        role=role.value,
        municipality=municipality,
        by="console",
    )
    member = grant(session, telegram_id, role, granted_by=actor, municipality=municipality)
    return _member(member, settings.zone)


def revoke_role(
    session: Session, access: StaffAccess, settings: Settings, key: bytes, body: Any
) -> dict[str, Any]:
    """Take the role of the page's ``{"telegram_id"}``: they are a citizen again."""
    if not isinstance(body, dict):
        raise PeopleRefusedError("malformed")
    telegram_id = _person(body)
    _may_change(session, access, settings, telegram_id)
    if session.get(StaffMember, telegram_id) is None:
        raise NotFoundError(telegram_id)
    actor = audit.telegram_actor(key, access.telegram_id)
    audit.record(session, actor, "revoke", pseudonym(key, telegram_id), by="console")
    revoke(session, telegram_id)
    return {"telegram_id": telegram_id}


def audit_page(
    session: Session,
    access: StaffAccess,
    key: bytes,
    query: Mapping[str, str],
    zone: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    """A page of the log (``?action=&days=&page=``), the latest entries first."""
    if access.municipality is not None:
        raise PeopleRefusedError("whole_log_only")
    action = query.get("action") or None
    if action is not None and len(action) > _LONGEST_ACTION:
        raise PeopleRefusedError("malformed")
    days = _whole(query.get("days"), LONGEST_PERIOD)
    page = _whole(query.get("page"), 10**6) or 1
    since = None if days is None else now - timedelta(days=days)
    rows = audit.latest_entries(
        session, since=since, action=action, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE
    )
    return {
        "entries": [_entry(entry, zone) for entry in rows[:AUDIT_PAGE]],
        "page": page,
        "more": len(rows) > AUDIT_PAGE,
        "actions": audit.recorded_actions(session),
        "you": audit.telegram_actor(key, access.telegram_id),
    }


def _may_change(
    session: Session, access: StaffAccess, settings: Settings, telegram_id: int
) -> None:
    if telegram_id == access.telegram_id:
        raise PeopleRefusedError("self")
    if telegram_id in settings.admin_ids:
        raise PeopleRefusedError("admin_ids")
    member = session.get(StaffMember, telegram_id)
    scope = access.municipality
    if scope is not None and member is not None and member.municipality != scope:
        raise NotFoundError(telegram_id)


def _person(body: dict[str, Any]) -> int:
    value = body.get("telegram_id")
    if isinstance(value, str) and value.isascii() and value.strip().isdigit() and len(value) <= 20:
        value = int(value)
    if not is_telegram_user_id(value):
        raise PeopleRefusedError("not_a_telegram_id")
    assert isinstance(value, int)
    return value


def _role(value: Any) -> Role:
    if value not in {role.value for role in Role}:
        raise PeopleRefusedError("malformed")
    return Role(value)


def _municipality(value: Any, settings: Settings, scope: str | None) -> str | None:
    if value is not None and not isinstance(value, str):
        raise PeopleRefusedError("malformed")
    try:
        chosen = known_municipality(settings.municipalities, value or None)
    except UnknownMunicipalityError:
        raise PeopleRefusedError("unknown_municipality") from None
    if scope is not None and chosen != scope:
        raise PeopleRefusedError("unknown_municipality")
    return chosen


def _whole(value: str | None, most: int) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= most:
        raise PeopleRefusedError("malformed")
    return int(value)


def _member(member: StaffMember, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "telegram_id": member.telegram_id,
        "role": member.role,
        "municipality": member.municipality,
        "granted_by": member.granted_by,
        "granted_at": member.granted_at.astimezone(zone).isoformat(timespec="minutes"),
    }


def _entry(entry: AuditEntry, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "at": entry.at.astimezone(zone).isoformat(timespec="seconds"),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
    }
