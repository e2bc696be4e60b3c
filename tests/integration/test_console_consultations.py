"""Consultations in the staff console: staff see their municipality's, read the proposals and
decide each with its reasons, as the law asks; anything else is refused and changes nothing.

The decision itself runs on both databases; refusals on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import AuditEntry, Role
from civic_feedback.storage.roles import grant
from tests.support.console import (
    call,
    console_at,
    get,
    opened_by,
    post_json,
    sqlite_sessions_in,
)
from tests.support.consultations import decisions_of, insert_consultation, propose
from tests.support.keys import PSEUDONYM_KEY

CLERK, ORGANIZER = 7201, 7202


def town(sessions: sessionmaker[Session]) -> tuple[str, str]:
    """Смолян's consultation with two proposals, and Сливен's with one; their codes."""
    with sessions() as session:
        install_library(session)
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        ours = insert_consultation(session, "Наредба за паркирането", municipality="Смолян")
        theirs = insert_consultation(session, "Бюджет 2027", municipality="Сливен")
        propose(session, ours, 9001, "Повече места за хора с увреждания")
        propose(session, ours, 9002, "<b>Безплатно</b> в неделя")
        propose(session, theirs, 9003, "Нов парк")
    return ours, theirs


@pytest.fixture
def sqlite_town(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], str, str]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        yield sessions, *town(sessions)


def decision_path(code: str, number: int) -> str:
    return f"/api/consultations/{code}/proposals/{number}/decision"


async def test_staff_decide_a_proposal_with_its_reasons_and_it_is_on_the_record(
    sessions: sessionmaker[Session],
) -> None:
    ours, _theirs = town(sessions)
    async with console_at(sessions) as base:
        listed = (await get(base, "/api/consultations", opened_by(CLERK)))[2]
        detail = (await get(base, f"/api/consultations/{ours}", opened_by(CLERK)))[2]
        decided = await post_json(
            base,
            decision_path(ours, 2),
            opened_by(CLERK),
            {"decision": "partly", "reason": "  Само в неделя след 14:00.  "},
        )

    assert [c["title"] for c in listed["consultations"]] == ["Наредба за паркирането"]
    assert listed["consultations"][0]["undecided"] == 2
    assert [p["text"] for p in detail["proposals"]] == [
        "Повече места за хора с увреждания",
        "<b>Безплатно</b> в неделя",  # data: the page shows it as text
    ]
    assert decided == (
        200,
        {"number": 2, "decision": "partly", "reason": "Само в неделя след 14:00."},
    )
    with sessions() as session:
        assert decisions_of(session, ours)[2] == ("partly", "Само в неделя след 14:00.")
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert entry is not None
    assert (entry.action, entry.subject) == ("consultation_decide", ours)
    assert entry.actor == pseudonym(PSEUDONYM_KEY.encode(), CLERK)
    assert entry.details == {"number": 2, "by": "console"}


REFUSED = {
    "no reasons for a proposal not accepted": (
        {"decision": "not_accepted", "reason": "   "},
        422,
        "reasons_required",
    ),
    "reasons past the limit": (
        {"decision": "partly", "reason": "x" * 4001},
        422,
        "reasons_too_long",
    ),
    "a decision the law does not know": ({"decision": "maybe", "reason": "x"}, 422, "malformed"),
    "reasons that are not text": ({"decision": "partly", "reason": ["x"]}, 422, "malformed"),
    "not an object": (["accepted"], 422, "malformed"),
}


@pytest.mark.parametrize(("body", "status", "code"), REFUSED.values(), ids=REFUSED.keys())
async def test_a_decision_that_cannot_stand_is_refused_and_nothing_changes(
    sqlite_town: tuple[sessionmaker[Session], str, str], body: object, status: int, code: str
) -> None:
    sessions, ours, _theirs = sqlite_town
    async with console_at(sessions) as base:
        answer = await post_json(base, decision_path(ours, 1), opened_by(CLERK), body)

    assert answer == (status, {"error": code})
    with sessions() as session:
        assert decisions_of(session, ours)[1] == (None, None)


async def test_bodies_that_are_not_json_or_too_big_are_refused(
    sqlite_town: tuple[sessionmaker[Session], str, str],
) -> None:
    sessions, ours, _theirs = sqlite_town
    path, init_data = decision_path(ours, 1), opened_by(CLERK)
    async with console_at(sessions) as base:
        broken = await call(base, "POST", path, init_data, body=b'{"decision": ')
        form = await call(
            base, "POST", path, init_data, body=b"decision=accepted", content_type="text/plain"
        )
        huge = await call(
            base, "POST", path, init_data, body=b'{"reason": "' + b"x" * 70_000 + b'"}'
        )

    assert (broken[0], broken[2]) == (400, {"error": "malformed"})
    assert (form[0], form[2]) == (415, {"error": "json_only"})
    assert huge[0] == 413
    with sessions() as session:
        assert decisions_of(session, ours)[1] == (None, None)


async def test_another_municipalitys_consultation_does_not_exist_for_staff(
    sqlite_town: tuple[sessionmaker[Session], str, str],
) -> None:
    sessions, _ours, theirs = sqlite_town
    async with console_at(sessions) as base:
        seen = await get(base, f"/api/consultations/{theirs}", opened_by(CLERK))
        decided = await post_json(
            base, decision_path(theirs, 1), opened_by(CLERK), {"decision": "accepted"}
        )
        missing = await post_json(
            base, decision_path("nosuchco", 1), opened_by(CLERK), {"decision": "accepted"}
        )

    assert (seen[0], seen[2]) == (404, {"error": "not_found"})
    assert decided == (404, {"error": "not_found"})
    assert missing == (404, {"error": "not_found"})
    with sessions() as session:
        assert decisions_of(session, theirs)[1] == (None, None)


async def test_an_organizer_may_not_decide_for_the_municipality(
    sqlite_town: tuple[sessionmaker[Session], str, str],
) -> None:
    sessions, ours, _theirs = sqlite_town
    async with console_at(sessions) as base:
        listed = await get(base, "/api/consultations", opened_by(ORGANIZER))
        decided = await post_json(
            base, decision_path(ours, 1), opened_by(ORGANIZER), {"decision": "accepted"}
        )

    assert (listed[0], listed[2]) == (403, {"error": "not_allowed"})
    assert decided == (403, {"error": "not_allowed"})
