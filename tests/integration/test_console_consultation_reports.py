"""A consultation's report from the staff console: the same report and writers as
`feedback-admin consultations report`, a draft while proposals wait for a decision and the
final report once all are decided, for staff of the consultation's municipality only, through
the page's route or a download link, each one made on the audit log; hostile text in the
reasons stays text and nothing is made of a forged request.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.storage.models import AuditEntry
from tests.integration.test_console_consultations import CLERK, ORGANIZER, decision_path, town
from tests.integration.test_console_links import fetched, tampered
from tests.support.console import (
    ADMIN,
    call,
    console_at,
    opened_by,
    post_for_file,
    post_json,
    sqlite_sessions_in,
)
from tests.support.keys import PSEUDONYM_KEY

SCRIPT = "<script>alert(1)</script> Само в неделя"


def asked(code: str, file_format: str, draft: bool = False) -> dict[str, Any]:
    return {"code": code, "format": file_format, "draft": "yes" if draft else None}


def reports_made(sessions: sessionmaker[Session]) -> list[AuditEntry]:
    with sessions() as session:
        statement = select(AuditEntry).where(AuditEntry.action == "consultation_report")
        return list(session.exec(statement.order_by(col(AuditEntry.id))))


async def test_a_draft_while_proposals_wait_and_the_final_report_once_all_are_decided(
    sessions: sessionmaker[Session],
) -> None:
    ours, _theirs = town(sessions)
    who = opened_by(CLERK)
    path = "/api/consultations/report"
    async with console_at(sessions) as base:
        final_too_soon = await post_json(base, path, who, asked(ours, "docx"))
        draft = await post_for_file(base, path, who, asked(ours, "docx", draft=True))
        decisions = {1: ("accepted", ""), 2: ("not_accepted", SCRIPT)}
        for number, (decision, reason) in decisions.items():
            await post_json(
                base, decision_path(ours, number), who, {"decision": decision, "reason": reason}
            )
        final = await post_for_file(base, path, who, asked(ours, "csv"))
        markdown = await post_for_file(base, path, who, asked(ours, "md"))

    assert final_too_soon == (422, {"error": "undecided"})
    assert draft[0] == 200
    assert draft[1]["Content-Disposition"] == (
        f'attachment; filename="consultation-{ours}-report-draft.docx"'
    )
    document = Document(io.BytesIO(draft[2]))
    words = "\n".join(p.text for p in document.paragraphs)
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "ПРОЕКТ — не всички предложения имат решение" in words  # the staff member's language
    assert "Повече места за хора с увреждания" in cells
    assert final[0] == 200
    assert final[1]["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(final[2].decode("utf-8-sig"))))
    assert SCRIPT in rows[2]  # the reasons as written: a CSV holds data
    assert SCRIPT not in markdown[2].decode()  # escaped in Markdown, which may hold HTML
    assert "&lt;script&gt;" in markdown[2].decode()
    entries = reports_made(sessions)
    assert [(e.subject, e.actor, e.details) for e in entries] == [
        (
            ours,
            pseudonym(PSEUDONYM_KEY.encode(), CLERK),
            {"with_names": False, "draft": draft_flag, "by": "console"},
        )
        for draft_flag in (True, False, False)
    ]


async def test_a_link_to_the_report_serves_it_once_asked_and_only_as_signed(
    tmp_path: Path,
) -> None:
    with sqlite_sessions_in(tmp_path) as sessions:
        ours, theirs = town(sessions)
        link_of = {"file": "consultation-report", "params": asked(ours, "xlsx", draft=True)}
        async with console_at(sessions) as base:
            made, link = await post_json(base, "/api/links", opened_by(CLERK), link_of)
            before = len(reports_made(sessions))
            used = await fetched(base, link["url"])
            other_file = await fetched(base, tampered(link["url"], p=asked(theirs, "xlsx", True)))
            other_user = await fetched(base, tampered(link["url"], u=ADMIN))

    assert made == 200
    assert link["name"] == f"consultation-{ours}-report-draft.xlsx"
    assert before == 0  # recorded when the file is made, not when the link is
    assert used[0] == 200
    assert used[2].startswith(b"PK")
    assert other_file[0] == other_user[0] == 403
    assert len(reports_made(sessions)) == 1


@pytest.mark.parametrize(
    ("who", "params", "status", "error"),
    [
        (CLERK, "theirs", 404, "not_found"),  # another municipality's: as good as unknown
        (CLERK, asked("nosuch", "md", True), 404, "not_found"),
        (CLERK, asked("<script>", "md", True), 422, "malformed"),
        (CLERK, asked("x" * 33, "md", True), 422, "malformed"),
        (CLERK, "pdf", 422, "malformed"),
        (CLERK, "draft-maybe", 422, "malformed"),
        (CLERK, [], 422, "malformed"),
        (ORGANIZER, "ours", 403, "not_allowed"),
    ],
)
async def test_a_report_that_cannot_be_is_refused_and_nothing_is_recorded(
    tmp_path: Path, who: int, params: Any, status: int, error: str
) -> None:
    with sqlite_sessions_in(tmp_path) as sessions:
        ours, theirs = town(sessions)
        chosen = {
            "theirs": asked(theirs, "md", True),
            "ours": asked(ours, "md", True),
            "pdf": asked(ours, "pdf", True),
            "draft-maybe": {**asked(ours, "md"), "draft": "maybe"},
        }
        body = chosen.get(params, params) if isinstance(params, str) else params
        async with console_at(sessions) as base:
            direct = await post_json(base, "/api/consultations/report", opened_by(who), body)
            by_link = await post_json(
                base,
                "/api/links",
                opened_by(who),
                {"file": "consultation-report", "params": body if isinstance(body, dict) else {}},
            )
            unsigned = await call(base, "POST", "/api/consultations/report", None, body=b"{}")

        assert direct == (status, {"error": error})
        if isinstance(body, dict):
            assert by_link == (status, {"error": error})
        assert unsigned[0] == 401
        assert reports_made(sessions) == []
