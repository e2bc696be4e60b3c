"""Exports in the staff console: staff download the answers of their municipality as
`feedback-admin export` writes them, under pseudonyms only, and each download is in the audit
log; anything else is refused and nothing is recorded.

The downloads run on both databases; refusals on SQLite.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.storage.events import add_event
from civic_feedback.storage.flow_versions import install_library, publish_flow
from civic_feedback.storage.models import AuditEntry, Event, EventKind, Role
from civic_feedback.storage.roles import grant
from tests.support.comments import REMARKS, answer
from tests.support.console import (
    ADMIN,
    call,
    console_at,
    get,
    opened_by,
    post_for_file,
    sqlite_sessions_in,
)
from tests.support.keys import PSEUDONYM_KEY

CLERK, ORGANIZER = 7401, 7402
SCRIPT = "<script>alert(1)</script> Залата беше студена"


def new_event(session: Session, municipality: str) -> Event:
    starts_at = datetime(2026, 11, 10, 16, tzinfo=UTC)
    return add_event(
        session,
        Event(
            code="",
            kind=EventKind.CONSULTATION,
            municipality=municipality,
            title={"bg": f"Обсъждане в {municipality}"},
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            flow_id="remarks",
        ),
    )


def town(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Answers to remarks from Смолян (two) and from Сливен (two); the events and ids."""
    with sessions() as session:
        install_library(session)
        publish_flow(session, load_flow_text(REMARKS))
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        session.commit()
        ours, theirs = new_event(session, "Смолян"), new_event(session, "Сливен")
        return {
            "ours": ours.code,
            "theirs": theirs.code,
            "smolyan": [
                answer(session, 9001, SCRIPT, event=ours),  # a citizen of Сливен
                answer(session, 9002, "Да", municipality="Смолян"),
            ],
            "sliven": [
                answer(session, 9003, "Не"),
                answer(session, 9004, "Не", event=theirs, municipality="Смолян"),
            ],
        }


@pytest.fixture
def sqlite_town(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], dict[str, Any]]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        yield sessions, town(sessions)


async def download(base: str, who: int, payload: Any) -> tuple[int, dict[str, str], Any]:
    return await call(
        base, "POST", "/api/exports/file", opened_by(who), body=json.dumps(payload).encode()
    )


def audit_entries(sessions: sessionmaker[Session]) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


async def test_staff_download_their_municipalitys_answers_under_pseudonyms_and_it_is_audited(
    sessions: sessionmaker[Session],
) -> None:
    ids = town(sessions)
    async with console_at(sessions) as base:
        status, headers, records = await download(
            base, CLERK, {"flow": "remarks", "format": "json", "include_telegram_ids": True}
        )

    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Content-Disposition"] == 'attachment; filename="remarks-2026-12-07.json"'
    assert headers["X-Responses"] == "2"
    assert "Content-Security-Policy" in headers
    assert [record["response_id"] for record in records] == ids["smolyan"]
    assert {record["municipality"] for record in records} == {"Смолян"}
    assert records[0]["answers"]["note"] == SCRIPT  # data, as the citizen wrote it
    assert records[0]["respondent"] == pseudonym(PSEUDONYM_KEY.encode(), 9001)
    assert all("telegram_id" not in record for record in records)
    (entry,) = audit_entries(sessions)
    assert (entry.actor, entry.action, entry.subject) == (
        pseudonym(PSEUDONYM_KEY.encode(), CLERK),
        "export",
        "remarks",
    )
    assert entry.details == {
        "event": None,
        "since": None,
        "until": None,
        "format": "json",
        "responses": 2,
        "telegram_ids": False,
        "municipality": "Смолян",
        "by": "console",
    }


async def test_an_admin_downloads_every_answer_as_csv_and_an_events_as_a_workbook(
    sessions: sessionmaker[Session],
) -> None:
    ids = town(sessions)
    path, init_data = "/api/exports/file", opened_by(ADMIN)
    async with console_at(sessions) as base:
        _, csv_headers, csv_bytes = await post_for_file(base, path, init_data, {"flow": "remarks"})
        _, xlsx_headers, xlsx_bytes = await post_for_file(
            base, path, init_data, {"event": ids["theirs"], "format": "xlsx", "since": "2026-11-01"}
        )

    assert csv_headers["Content-Type"].startswith("text/csv")
    assert csv_bytes.startswith("\ufeff".encode())  # Excel reads Cyrillic
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert [int(row["response_id"]) for row in rows] == sorted(ids["smolyan"] + ids["sliven"])
    assert "telegram_id" not in rows[0]
    name = f'filename="remarks-{ids["theirs"]}-2026-12-07.xlsx"'
    assert xlsx_headers["Content-Disposition"].endswith(name)
    header, *cells = load_workbook(io.BytesIO(xlsx_bytes)).worksheets[0].iter_rows(values_only=True)
    assert [row[header.index("response_id")] for row in cells] == [ids["sliven"][1]]


async def test_the_choices_are_the_forms_and_the_staff_members_events(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, ids = sqlite_town
    async with console_at(sessions) as base:
        _, _, clerk = await get(base, "/api/exports", opened_by(CLERK))
        _, _, admin = await get(base, "/api/exports", opened_by(ADMIN))

    assert {"id": "remarks", "title": "Бележки"} in clerk["forms"]
    assert [event["code"] for event in clerk["events"]] == [ids["ours"]]
    assert clerk["events"][0]["starts_at"] == "2026-11-10T18:00+02:00"
    assert (clerk["municipality"], clerk["zone"]) == ("Смолян", "Europe/Sofia")
    assert clerk["formats"] == ["csv", "xlsx", "json"]
    assert {event["code"] for event in admin["events"]} == {ids["ours"], ids["theirs"]}


async def test_another_municipalitys_event_does_not_exist_for_staff(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, ids = sqlite_town
    async with console_at(sessions) as base:
        theirs = await download(base, CLERK, {"event": ids["theirs"]})
        missing = await download(base, CLERK, {"event": "nosuchev"})
        no_form = await download(base, CLERK, {"flow": "no-such-form"})

    for status, _headers, body in (theirs, missing, no_form):
        assert (status, body) == (404, {"error": "not_found"})
    assert audit_entries(sessions) == []


async def test_an_organizer_may_not_download_answers(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, _ids = sqlite_town
    async with console_at(sessions) as base:
        listed = await get(base, "/api/exports", opened_by(ORGANIZER))
        made = await download(base, ORGANIZER, {"flow": "remarks"})

    assert (listed[0], listed[2]) == (403, {"error": "not_allowed"})
    assert (made[0], made[2]) == (403, {"error": "not_allowed"})
    assert audit_entries(sessions) == []


REFUSED = {
    "not an object": (["remarks"], "malformed"),
    "an unknown format": ({"flow": "remarks", "format": "pdf"}, "malformed"),
    "a form name that is not text": ({"flow": {"id": "remarks"}}, "malformed"),
    "a form name past any form's": ({"flow": "r" * 65}, "malformed"),
    "a day written otherwise": ({"flow": "remarks", "since": "16.11.2026"}, "bad_day"),
    "a day that is not text": ({"flow": "remarks", "until": 20261116}, "malformed"),
    "the first day after the last": (
        {"flow": "remarks", "since": "2026-11-17", "until": "2026-11-16"},
        "since_after_until",
    ),
    "nothing chosen": ({"format": "csv"}, "nothing_chosen"),
}


@pytest.mark.parametrize(("body", "code"), REFUSED.values(), ids=REFUSED.keys())
async def test_a_request_that_cannot_be_exported_is_refused_and_nothing_is_recorded(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]], body: Any, code: str
) -> None:
    sessions, _ids = sqlite_town
    async with console_at(sessions) as base:
        status, _headers, answered = await download(base, CLERK, body)

    assert (status, answered) == (422, {"error": code})
    assert audit_entries(sessions) == []


async def test_an_event_with_another_form_is_refused(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, ids = sqlite_town
    async with console_at(sessions) as base:
        status, _headers, body = await download(
            base, CLERK, {"flow": "event-satisfaction", "event": ids["ours"]}
        )

    assert (status, body) == (422, {"error": "other_form"})
    assert audit_entries(sessions) == []


async def test_bodies_that_are_not_json_or_too_big_are_refused(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, _ids = sqlite_town
    path, init_data = "/api/exports/file", opened_by(CLERK)
    async with console_at(sessions) as base:
        broken = await call(base, "POST", path, init_data, body=b'{"flow": ')
        form = await call(
            base, "POST", path, init_data, body=b"flow=remarks", content_type="text/plain"
        )
        huge = await call(base, "POST", path, init_data, body=b'{"flow": "' + b"x" * 70_000 + b'"}')

    assert (broken[0], broken[2]) == (400, {"error": "malformed"})
    assert (form[0], form[2]) == (415, {"error": "json_only"})
    assert huge[0] == 413
    assert audit_entries(sessions) == []
