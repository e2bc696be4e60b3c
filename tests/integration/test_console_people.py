"""People in the staff console: admins see who holds a role, give and take roles as
`feedback-admin users` does (audited), and read the audit log a page at a time. Nobody takes
their own role or an ADMIN_IDS admin's; an admin of one municipality manages only its people.

Grant, revoke and the log run on both databases; refusals on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.storage.models import AuditEntry, Role, StaffMember
from civic_feedback.storage.roles import grant
from tests.support.console import (
    ADMIN,
    NOW,
    call,
    console_at,
    get,
    opened_by,
    post_json,
    sqlite_sessions_in,
)
from tests.support.keys import PSEUDONYM_KEY

KEY = PSEUDONYM_KEY.encode()
DEPUTY, CLERK, TOWN_ADMIN, OTHER_CLERK, NEWCOMER = 7501, 7502, 7503, 7504, 7505


def staffed(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        grant(session, DEPUTY, Role.ADMIN, granted_by="cli:ana")
        grant(session, CLERK, Role.STAFF, granted_by="cli:ana", municipality="Смолян")
        grant(session, TOWN_ADMIN, Role.ADMIN, granted_by="cli:ana", municipality="Смолян")
        grant(session, OTHER_CLERK, Role.STAFF, granted_by="cli:ana", municipality="Сливен")
        session.commit()


@pytest.fixture
def sqlite_staff(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        yield sessions


def roles_held(sessions: sessionmaker[Session]) -> dict[int, tuple[str, str | None]]:
    with sessions() as session:
        members = session.exec(select(StaffMember)).all()
        return {m.telegram_id: (m.role, m.municipality) for m in members}


def audit_entries(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None, Any]]:
    with sessions() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(e.actor, e.action, e.subject, e.details) for e in rows]


async def test_an_admin_gives_and_takes_roles_and_both_are_in_the_log(
    sessions: sessionmaker[Session],
) -> None:
    staffed(sessions)
    async with console_at(sessions) as base:
        before = (await get(base, "/api/people", opened_by(ADMIN)))[2]
        granted = await post_json(
            base,
            "/api/people/grant",
            opened_by(ADMIN),
            {"telegram_id": str(NEWCOMER), "role": "organizer", "municipality": "сливен"},
        )
        revoked = await post_json(
            base, "/api/people/revoke", opened_by(ADMIN), {"telegram_id": CLERK}
        )
        log = (await get(base, "/api/people/audit?action=grant", opened_by(ADMIN)))[2]

    assert before["admin_ids"] == [ADMIN]
    assert before["you"] == ADMIN
    assert [m["telegram_id"] for m in before["members"]] == [DEPUTY, TOWN_ADMIN, CLERK, OTHER_CLERK]
    assert before["municipalities"] == ["Смолян", "Сливен"]
    assert before["every_municipality"] is True
    admin = pseudonym(KEY, ADMIN)
    status, member = granted
    assert status == 200
    assert member.pop("granted_at")[:2] == "20"  # a time in TIMEZONE, for the list
    assert member == {
        "telegram_id": NEWCOMER,
        "role": "organizer",
        "municipality": "Сливен",  # as MUNICIPALITIES spells it
        "granted_by": admin,
    }
    assert revoked == (200, {"telegram_id": CLERK})
    assert roles_held(sessions)[NEWCOMER] == ("organizer", "Сливен")
    assert CLERK not in roles_held(sessions)
    assert audit_entries(sessions) == [
        (
            admin,
            "grant",
            pseudonym(KEY, NEWCOMER),
            {"role": "organizer", "municipality": "Сливен", "by": "console"},
        ),
        (admin, "revoke", pseudonym(KEY, CLERK), {"by": "console"}),
    ]
    assert log["you"] == admin
    assert log["actions"] == ["grant", "revoke"]
    assert [(e["action"], e["subject"]) for e in log["entries"]] == [
        ("grant", pseudonym(KEY, NEWCOMER))
    ]
    assert (log["page"], log["more"]) == (1, False)


async def test_the_log_comes_a_page_at_a_time_the_latest_first_within_the_days_asked(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        for number in range(55):
            at = NOW - timedelta(hours=55 - number)
            session.add(
                AuditEntry(actor="cli:ana", action="erase", subject=f"c-{number:02d}", at=at)
            )
        session.add(
            AuditEntry(actor="cli:ana", action="erase", subject="old", at=NOW - timedelta(days=40))
        )
        session.commit()
    async with console_at(sessions) as base:
        first = (await get(base, "/api/people/audit?days=30", opened_by(ADMIN)))[2]
        second = (await get(base, "/api/people/audit?days=30&page=2", opened_by(ADMIN)))[2]
        always = (await get(base, "/api/people/audit?page=2", opened_by(ADMIN)))[2]

    assert len(first["entries"]) == 50
    assert first["entries"][0]["subject"] == "c-54"
    assert first["more"] is True
    assert [e["subject"] for e in second["entries"]] == ["c-04", "c-03", "c-02", "c-01", "c-00"]
    assert second["more"] is False
    assert always["entries"][-1]["subject"] == "old"


REFUSED = {
    "your own role": ({"telegram_id": ADMIN, "role": "staff"}, 422, "self"),
    "no number": ({"telegram_id": "ivan", "role": "staff"}, 422, "not_a_telegram_id"),
    "a negative number": ({"telegram_id": -5, "role": "staff"}, 422, "not_a_telegram_id"),
    "true for a number": ({"telegram_id": True, "role": "staff"}, 422, "not_a_telegram_id"),
    "past Telegram's ids": ({"telegram_id": 2**53, "role": "staff"}, 422, "not_a_telegram_id"),
    "an unknown role": ({"telegram_id": NEWCOMER, "role": "mayor"}, 422, "malformed"),
    "an unknown municipality": (
        {"telegram_id": NEWCOMER, "role": "staff", "municipality": "<b>Ямбол</b>"},
        422,
        "unknown_municipality",
    ),
    "a municipality that is not text": (
        {"telegram_id": NEWCOMER, "role": "staff", "municipality": ["Смолян"]},
        422,
        "malformed",
    ),
    "not an object": ([NEWCOMER, "staff"], 422, "malformed"),
}


@pytest.mark.parametrize(("body", "status", "code"), REFUSED.values(), ids=REFUSED.keys())
async def test_a_grant_that_cannot_stand_is_refused_and_nothing_changes(
    sqlite_staff: sessionmaker[Session], body: Any, status: int, code: str
) -> None:
    before = roles_held(sqlite_staff)
    async with console_at(sqlite_staff) as base:
        answer = await post_json(base, "/api/people/grant", opened_by(ADMIN), body)

    assert answer == (status, {"error": code})
    assert roles_held(sqlite_staff) == before
    assert audit_entries(sqlite_staff) == []


async def test_nobody_takes_their_own_role_or_an_admin_ids_admins(
    sqlite_staff: sessionmaker[Session],
) -> None:
    before = roles_held(sqlite_staff)
    async with console_at(sqlite_staff) as base:
        own = await post_json(
            base, "/api/people/revoke", opened_by(DEPUTY), {"telegram_id": DEPUTY}
        )
        settings_admin = await post_json(
            base, "/api/people/revoke", opened_by(DEPUTY), {"telegram_id": ADMIN}
        )
        demoted = await post_json(
            base, "/api/people/grant", opened_by(DEPUTY), {"telegram_id": ADMIN, "role": "staff"}
        )
        nobody = await post_json(
            base, "/api/people/revoke", opened_by(DEPUTY), {"telegram_id": NEWCOMER}
        )

    assert own == (422, {"error": "self"})
    assert settings_admin == (422, {"error": "admin_ids"})
    assert demoted == (422, {"error": "admin_ids"})
    assert nobody == (404, {"error": "not_found"})
    assert roles_held(sqlite_staff) == before
    assert audit_entries(sqlite_staff) == []


async def test_an_admin_of_one_municipality_manages_only_its_people_and_not_the_whole_log(
    sqlite_staff: sessionmaker[Session],
) -> None:
    before = roles_held(sqlite_staff)
    town_admin = opened_by(TOWN_ADMIN)
    async with console_at(sqlite_staff) as base:
        listed = (await get(base, "/api/people", town_admin))[2]
        theirs = await post_json(
            base, "/api/people/revoke", town_admin, {"telegram_id": OTHER_CLERK}
        )
        taken = await post_json(
            base,
            "/api/people/grant",
            town_admin,
            {"telegram_id": OTHER_CLERK, "role": "staff", "municipality": "Смолян"},
        )
        elsewhere = await post_json(
            base,
            "/api/people/grant",
            town_admin,
            {"telegram_id": NEWCOMER, "role": "staff", "municipality": "Сливен"},
        )
        everywhere = await post_json(
            base, "/api/people/grant", town_admin, {"telegram_id": NEWCOMER, "role": "staff"}
        )
        log = await get(base, "/api/people/audit", town_admin)

    assert [m["telegram_id"] for m in listed["members"]] == [TOWN_ADMIN, CLERK]
    assert (listed["admin_ids"], listed["municipalities"]) == ([], ["Смолян"])
    assert listed["every_municipality"] is False
    assert theirs == (404, {"error": "not_found"})
    assert taken == (404, {"error": "not_found"})
    assert elsewhere == (422, {"error": "unknown_municipality"})
    assert everywhere == (422, {"error": "unknown_municipality"})
    assert (log[0], log[2]) == (403, {"error": "whole_log_only"})
    assert roles_held(sqlite_staff) == before
    assert audit_entries(sqlite_staff) == []


async def test_staff_do_not_reach_people(
    sqlite_staff: sessionmaker[Session],
) -> None:
    async with console_at(sqlite_staff) as base:
        listed = await get(base, "/api/people", opened_by(CLERK))
        log = await get(base, "/api/people/audit", opened_by(CLERK))
        granted = await post_json(
            base, "/api/people/grant", opened_by(CLERK), {"telegram_id": CLERK, "role": "admin"}
        )

    assert (listed[0], listed[2]) == (403, {"error": "not_allowed"})
    assert (log[0], log[2]) == (403, {"error": "not_allowed"})
    assert granted == (403, {"error": "not_allowed"})
    assert roles_held(sqlite_staff)[CLERK] == ("staff", "Смолян")


@pytest.mark.parametrize(
    "query", ["days=0", "days=x", "days=99999", "page=0", "page=-1", "action=" + "a" * 65]
)
async def test_a_log_filter_that_cannot_be_read_is_refused(
    sqlite_staff: sessionmaker[Session], query: str
) -> None:
    async with console_at(sqlite_staff) as base:
        status, _headers, body = await get(base, f"/api/people/audit?{query}", opened_by(ADMIN))

    assert (status, body) == (400, {"error": "malformed"})


async def test_bodies_that_are_not_json_or_too_big_are_refused(
    sqlite_staff: sessionmaker[Session],
) -> None:
    before = roles_held(sqlite_staff)
    init_data = opened_by(ADMIN)
    async with console_at(sqlite_staff) as base:
        broken = await call(base, "POST", "/api/people/grant", init_data, body=b'{"telegram_id": ')
        form = await call(
            base,
            "POST",
            "/api/people/revoke",
            init_data,
            body=b"telegram_id=7502",
            content_type="text/plain",
        )
        huge = await call(
            base, "POST", "/api/people/grant", init_data, body=b'{"role": "' + b"x" * 70_000 + b'"}'
        )

    assert (broken[0], broken[2]) == (400, {"error": "malformed"})
    assert (form[0], form[2]) == (415, {"error": "json_only"})
    assert huge[0] == 413
    assert roles_held(sqlite_staff) == before
    assert audit_entries(sqlite_staff) == []
