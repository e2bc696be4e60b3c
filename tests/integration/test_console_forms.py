"""Forms in the staff console: the list `flows list` prints, a form's YAML, uploads read by
the loader `flows validate` uses (nothing stored on any problem), publishing, opening and
closing logged with by=console, and a preview that answers a form step by step.

The happy paths run on both databases; refusals on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, func, select

from civic_feedback.console.forms import form_yaml
from civic_feedback.core.form_windows import FormWindow
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.storage.flow_versions import form_window, install_library, publish_flow
from civic_feedback.storage.models import AuditEntry, FlowVersion, Role
from civic_feedback.storage.roles import grant
from tests.support.console import (
    ADMIN,
    call,
    console_at,
    download,
    get,
    opened_by,
    post_json,
    sqlite_sessions_in,
)
from tests.support.keys import PSEUDONYM_KEY

ORGANIZER, TOWN_ORGANIZER, CLERK = 7301, 7302, 7303

DEMO = """\
id: demo
title: {bg: "Проба <script>alert(1)</script>", en: "Trial"}
languages: [bg, en]
questions:
  - id: overall
    type: rating
    text: {bg: "Как беше?", en: "How was it?"}
  - id: topics
    type: multi_choice
    text: {bg: "Теми", en: "Topics"}
    options:
      - {id: parks, text: {bg: "Паркове", en: "Parks"}}
      - {id: roads, text: {bg: "<b>Пътища</b>", en: "Roads"}}
    max_choices: 1
  - id: why
    type: text
    required: false
    text: {bg: "Защо?", en: "Why?"}
    when: {overall: {max: 3}}
"""


def staffed(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        install_library(session)
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test")
        grant(session, TOWN_ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        grant(session, CLERK, Role.STAFF, granted_by="test")
        session.commit()


@pytest.fixture
def sqlite_staffed(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        yield sessions


def versions_and_log(sessions: sessionmaker[Session]) -> tuple[int, list[tuple[str, str | None]]]:
    with sessions() as session:
        versions = session.exec(select(func.count()).select_from(FlowVersion)).one()
        log = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        return versions, [(entry.action, entry.subject) for entry in log]


async def test_an_organizer_publishes_a_form_lists_it_closes_opens_and_downloads_it(
    sessions: sessionmaker[Session],
) -> None:
    staffed(sessions)
    who = opened_by(ORGANIZER)
    async with console_at(sessions) as base:
        first = await post_json(base, "/api/forms/publish", who, {"yaml": DEMO})
        again = await post_json(base, "/api/forms/publish", who, {"yaml": DEMO})
        closed_now = await post_json(base, "/api/forms/demo/close", who, {})
        listed = (await get(base, "/api/forms", who))[2]
        reopened = await post_json(base, "/api/forms/demo/open", who, {})
        closed = await post_json(base, "/api/forms/demo/close", who, {"at": "2026-12-20"})
        status, headers, body = await download(base, "/api/forms/demo/yaml", who)

    assert first[0] == 200
    assert (first[1]["version"], first[1]["created"]) == (1, True)
    assert again[0] == 200
    assert (again[1]["version"], again[1]["created"]) == (1, False)
    assert closed_now[1]["window"]["state"] == "closed"
    demo = next(form for form in listed["forms"] if form["id"] == "demo")
    assert demo["title"] == "Проба <script>alert(1)</script>"  # data: the page shows text
    assert (demo["version"], demo["responses"]) == (1, 0)
    assert demo["window"] == {
        "state": "closed",
        "at": "2026-12-07 12:00",
        "opens": None,
        "closes": "2026-12-07 12:00",
    }
    assert listed["may_change"] is True
    assert "event-satisfaction" in {form["id"] for form in listed["forms"]}
    assert reopened[1]["window"] == {"state": "open", "at": None, "opens": None, "closes": None}
    assert closed == (
        200,
        {
            "id": "demo",
            "window": {
                "state": "open",
                "at": "2026-12-20 24:00",
                "opens": None,
                "closes": "2026-12-20 24:00",
            },
        },
    )
    assert status == 200
    assert headers["Content-Disposition"] == 'attachment; filename="demo.yaml"'
    assert load_flow_text(body.decode()) == load_flow_text(DEMO)  # the same content back
    with sessions() as session:
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        window = form_window(session, "demo")
    assert window == FormWindow(None, datetime(2026, 12, 20, 22, 0, tzinfo=UTC))
    actor = pseudonym(PSEUDONYM_KEY.encode(), ORGANIZER)
    assert [(e.action, e.subject, e.actor, e.details["by"]) for e in entries] == [
        ("form_close", "demo", actor, "console"),
        ("form_open", "demo", actor, "console"),
        ("form_close", "demo", actor, "console"),
    ]
    assert entries[2].details == {
        "opens": None,
        "closes": "2026-12-20T22:00:00+00:00",
        "by": "console",
    }


async def test_a_form_with_a_mistake_is_refused_at_its_line_and_nothing_is_stored(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    broken = DEMO.replace("when: {overall: {max: 3}}", "when: {ovrall: {max: 3}}")
    before = versions_and_log(sqlite_staffed)
    async with console_at(sqlite_staffed) as base:
        status, body = await post_json(
            base, "/api/forms/publish", opened_by(ADMIN), {"yaml": broken}
        )
        checked = await post_json(base, "/api/forms/check", opened_by(ADMIN), {"yaml": DEMO})

    assert status == 422
    assert body == {
        "error": "invalid_form",
        "problems": [
            {
                "line": 19,
                "path": "questions[2].when",
                "message": "'ovrall' is not an earlier question",
                "code": "not_earlier",  # the page words it in the staff member's language
                "values": {"ref": "ovrall"},
            }
        ],
    }
    assert versions_and_log(sqlite_staffed) == before
    assert checked[1]["questions"][1] == {"id": "topics", "type": "multi_choice"}


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(8)
)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (BOMB, "anchors and aliases (& and *) are not allowed: write each value out"),
        ("a: &a [*a]\n", "anchors and aliases (& and *) are not allowed: write each value out"),
        ("[" * 5000 + "]" * 5000, "nested more than 16 levels deep"),
        ("id: [unclosed\n", "invalid YAML: expected ',' or ']', but got '<stream end>'"),
        ("!!python/object:os.system {}\n", None),
        ("- just\n- a list\n", "a flow file must be a mapping of keys"),
    ],
)
async def test_hostile_or_malformed_yaml_is_refused_and_changes_nothing(
    sqlite_staffed: sessionmaker[Session], yaml_text: str, message: str | None
) -> None:
    before = versions_and_log(sqlite_staffed)
    async with console_at(sqlite_staffed) as base:
        status, body = await post_json(
            base, "/api/forms/publish", opened_by(ADMIN), {"yaml": yaml_text}
        )

    assert status == 422
    assert body["error"] == "invalid_form"
    if message is not None:
        assert [p["message"] for p in body["problems"]] == [message]
    assert versions_and_log(sqlite_staffed) == before


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        (b'{"yaml": "' + b"x" * (70 * 1024) + b'"}', "application/json", 413, None),
        (b"{not json", "application/json", 400, "malformed"),
        (DEMO.encode(), "application/yaml", 415, "json_only"),
        (b'{"yaml": 42}', "application/json", 422, "yaml_missing"),
    ],
)
async def test_oversized_or_malformed_bodies_are_refused(
    sqlite_staffed: sessionmaker[Session],
    body: bytes,
    content_type: str,
    status: int,
    error: str | None,
) -> None:
    before = versions_and_log(sqlite_staffed)
    async with console_at(sqlite_staffed) as base:
        got = await call(
            base,
            "POST",
            "/api/forms/publish",
            opened_by(ADMIN),
            body=body,
            content_type=content_type,
        )

    assert got[0] == status
    if error is not None:
        assert got[2]["error"] == error
    assert versions_and_log(sqlite_staffed) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/forms"),
        ("GET", "/api/forms/demo/yaml"),
        ("POST", "/api/forms/publish"),
        ("POST", "/api/forms/demo/close"),
        ("POST", "/api/forms/demo/preview"),
    ],
)
async def test_staff_have_no_forms_page(
    sqlite_staffed: sessionmaker[Session], method: str, path: str
) -> None:
    async with console_at(sqlite_staffed) as base:
        got = await call(base, method, path, opened_by(CLERK), body=b'{"yaml": ""}')

    assert got[0] == 403
    assert got[2] == {"error": "not_allowed"}


async def test_an_organizer_of_one_municipality_reads_forms_but_changes_none(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(TOWN_ORGANIZER)
    before = versions_and_log(sqlite_staffed)
    async with console_at(sqlite_staffed) as base:
        listed = (await get(base, "/api/forms", who))[2]
        published = await post_json(base, "/api/forms/publish", who, {"yaml": DEMO})
        closed = await post_json(base, "/api/forms/general-feedback/close", who, {})

    assert listed["may_change"] is False
    assert listed["forms"]
    assert published == (403, {"error": "forms_shared"})
    assert closed == (403, {"error": "forms_shared"})
    assert versions_and_log(sqlite_staffed) == before


async def test_closing_an_unknown_form_or_at_an_unreadable_time_is_refused(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    async with console_at(sqlite_staffed) as base:
        unknown = await post_json(base, "/api/forms/no-such-form/close", opened_by(ADMIN), {})
        bad_time = await post_json(
            base, "/api/forms/general-feedback/close", opened_by(ADMIN), {"at": "soon"}
        )

    assert unknown == (404, {"error": "not_found"})
    assert bad_time == (422, {"error": "bad_time", "problems": []})
    assert versions_and_log(sqlite_staffed)[1] == []


async def test_the_preview_answers_a_form_step_by_step_and_stores_nothing(
    sessions: sessionmaker[Session],
) -> None:
    staffed(sessions)
    with sessions() as session:
        publish_flow(session, load_flow_text(DEMO))
        session.commit()
    before = versions_and_log(sessions)
    path, who = "/api/forms/demo/preview", opened_by(ORGANIZER)
    overall = {"question": "overall", "value": "2"}
    async with console_at(sessions) as base:
        start = await post_json(base, path, who, {"inputs": [], "language": "en"})
        too_many = await post_json(
            base,
            path,
            who,
            {"inputs": [overall, {"question": "topics", "value": ["parks", "roads"]}]},
        )
        skipped = await post_json(
            base,
            path,
            who,
            {
                "inputs": [
                    overall,
                    {"question": "topics", "value": ["roads"]},
                    {"question": "why", "value": None},
                ]
            },
        )

    assert start[1]["step"] == {
        "id": "overall",
        "type": "rating",
        "text": "How was it?",
        "input": "buttons",
        "required": True,
        "buttons": ["1", "2", "3", "4", "5"],
    }
    assert too_many[1]["refused"] == {"reason": "too_many_choices", "max": 1}
    assert too_many[1]["step"]["options"] == [
        {"id": "parks", "text": "Паркове"},
        {"id": "roads", "text": "<b>Пътища</b>"},
    ]
    assert skipped[1]["step"] is None
    assert skipped[1]["answers"] == {"overall": 2, "topics": ["roads"], "why": None}
    assert versions_and_log(sessions) == before


async def test_preview_inputs_that_are_not_a_list_of_answers_are_refused(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    async with console_at(sqlite_staffed) as base:
        not_list = await post_json(
            base, "/api/forms/general-feedback/preview", opened_by(ADMIN), {"inputs": "x"}
        )
        unknown = await post_json(
            base, "/api/forms/nothing/preview", opened_by(ADMIN), {"inputs": []}
        )

    assert not_list == (422, {"error": "bad_inputs"})
    assert unknown == (404, {"error": "not_found"})


def test_the_downloaded_yaml_of_every_built_in_form_reads_back_to_the_same_form(
    tmp_path: Path,
) -> None:
    with sqlite_sessions_in(tmp_path) as sessions, sessions() as session:
        install_library(session)
        for flow in library_flows():
            body = form_yaml(session, flow.id)
            assert body is not None
            assert load_flow_text(body.decode()) == flow, flow.id
            assert yaml.safe_load(body)["id"] == flow.id
