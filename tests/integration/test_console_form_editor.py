"""The console's form editor: a model (the YAML's own structure as JSON) written as YAML and
read by the loader `flows validate` uses, problems returned at their question, a draft
tried as a citizen answers it, and publishing for those who may change forms. Every body is
hostile: forged, oversized, malformed or scripted ones change nothing.

Publishing runs on both databases; the rest on SQLite.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.core.form_windows import FormWindow
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.flows.schema import Flow, QuestionType
from civic_feedback.storage.flow_versions import flow_definition, form_window, latest_version
from civic_feedback.storage.models import AuditEntry, FlowVersion
from tests.integration.test_console_forms import (
    CLERK,
    DEMO,
    ORGANIZER,
    TOWN_ORGANIZER,
    staffed,
    versions_and_log,
)
from tests.support.console import (
    ADMIN,
    call,
    console_at,
    get,
    opened_by,
    post_json,
    sqlite_sessions_in,
)
from tests.support.keys import PSEUDONYM_KEY

EVERY_TYPE: dict[str, Any] = {
    "id": "park-plan",
    "title": {"bg": "План за парка", "en": "Park plan"},
    "languages": ["bg", "en"],
    "questions": [
        {"id": "visits", "type": "yes_no", "text": {"bg": "Ходите ли?", "en": "Do you go?"}},
        {
            "id": "score",
            "type": "rating",
            "scale": 7,
            "text": {"bg": "Оценка", "en": "Score"},
            "when": {"visits": {"equals": True}},
        },
        {"id": "friends", "type": "nps", "text": {"bg": "Препоръка", "en": "Recommend"}},
        {
            "id": "part",
            "type": "single_choice",
            "text": {"bg": "Коя част?", "en": "Which part?"},
            "options": [
                {"id": "north", "text": {"bg": "Север", "en": "North"}},
                {"id": "south", "text": {"bg": "Юг", "en": "South"}},
            ],
        },
        {
            "id": "wishes",
            "type": "multi_choice",
            "text": {"bg": "Какво да има?", "en": "What should it have?"},
            "options": [
                {"id": "benches", "text": {"bg": "Пейки", "en": "Benches"}},
                {"id": "trees", "text": {"bg": "Дървета", "en": "Trees"}},
                {"id": "lights", "text": {"bg": "Осветление", "en": "Lights"}},
            ],
            "min_choices": 1,
            "max_choices": 2,
            "when": {"part": {"any_of": ["south"]}},
        },
        {
            "id": "why",
            "type": "text",
            "required": False,
            "max_length": 500,
            "private": True,
            "text": {"bg": "Защо?", "en": "Why?"},
            "when": {"score": {"max": 3}},
        },
        {
            "id": "age",
            "type": "number",
            "min": 14,
            "max": 120,
            "required": False,
            "text": {"bg": "Възраст", "en": "Age"},
            "when": {"why": {"answered": True}},
        },
    ],
}


@pytest.fixture
def sqlite_staffed(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        yield sessions


def changed(**edits: Any) -> dict[str, Any]:
    """EVERY_TYPE with ``edits`` applied: ``q3__text`` is questions[3]["text"]."""
    model = copy.deepcopy(EVERY_TYPE)
    for key, value in edits.items():
        index, field = key.removeprefix("q").split("__")
        model["questions"][int(index)][field] = value
    return model


async def test_every_question_type_and_its_conditions_go_model_to_yaml_to_the_loader_and_back(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(ORGANIZER)
    async with console_at(sqlite_staffed) as base:
        checked = await post_json(base, "/api/form-editor/check", who, {"form": EVERY_TYPE})
        status, headers, text = await call(
            base,
            "POST",
            "/api/form-editor/yaml",
            who,
            body=json.dumps({"form": EVERY_TYPE}).encode(),
        )

    assert checked[0] == 200
    assert sorted(q["type"] for q in checked[1]["questions"]) == sorted(QuestionType)
    assert status == 200
    assert headers["Content-Disposition"] == 'attachment; filename="park-plan.yaml"'
    flow = load_flow_text(text)  # what the file says is what the editor wrote
    assert flow.model_dump(exclude_unset=True) == Flow.model_validate(
        EVERY_TYPE, context={"languages": ["bg", "en"]}
    ).model_dump(exclude_unset=True)
    assert yaml.safe_load(text) == EVERY_TYPE


@pytest.mark.parametrize("flow", library_flows(), ids=lambda flow: flow.id)
async def test_every_built_in_form_opens_in_the_editor_and_checks_as_itself(
    sqlite_staffed: sessionmaker[Session], flow: Flow
) -> None:
    who = opened_by(ORGANIZER)
    async with console_at(sqlite_staffed) as base:
        listed = (await get(base, "/api/form-editor/starters", who))[2]
        opened = (await get(base, f"/api/form-editor/library/{flow.id}", who))[2]
        checked = await post_json(base, "/api/form-editor/check", who, opened)
        _, _, text = await call(
            base, "POST", "/api/form-editor/yaml", who, body=json.dumps(opened).encode()
        )

    assert {"id": flow.id, "title": flow.title["bg"]} in listed["library"]
    assert checked[0] == 200
    assert load_flow_text(text) == flow


async def test_a_published_form_opens_as_its_latest_version_and_a_blank_one_needs_its_texts(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(ORGANIZER)
    async with console_at(sqlite_staffed) as base:
        blank = (await get(base, "/api/form-editor/starters", who))[2]["blank"]
        published = (await get(base, "/api/form-editor/forms/general-feedback", who))[2]
        unknown = await get(base, "/api/form-editor/forms/no-such-form", who)
        unknown_built_in = await get(base, "/api/form-editor/library/no-such-form", who)
        blank_checked = await post_json(base, "/api/form-editor/check", who, {"form": blank})

    with sqlite_staffed() as session:
        version = latest_version(session, "general-feedback")
    assert version is not None
    assert published == {"form": version.definition, "zone": "Europe/Sofia"}  # no window
    assert (unknown[0], unknown[2]) == (404, {"error": "not_found"})
    assert (unknown_built_in[0], unknown_built_in[2]) == (404, {"error": "not_found"})
    assert blank_checked[0] == 422
    assert {(p["path"], p["question"]) for p in blank_checked[1]["problems"]} == {
        ("id", None),
        ("title", None),
        ("questions[0].text", 0),
    }


@pytest.mark.parametrize(
    ("model", "problems"),
    [
        (
            changed(q3__text={"bg": "Коя част?", "en": ""}),
            [("questions[3].text", 3, "missing text for language en")],
        ),
        (
            changed(q1__when={"why": {"equals": 1}}),
            [("questions[1].when", 1, "'why' is not an earlier question")],
        ),
        (
            changed(q4__when={"part": {"equals": "west"}}),
            [("questions[4].when.part", 4, "'west' is not an option of 'part'")],
        ),
        (
            changed(q1__scale=12),
            [("questions[1]", 1, "scale must be between 3 and 10, not 12")],
        ),
        (
            changed(q2__options=[]),
            [("questions[2]", 2, "'options' does not apply to a nps question")],
        ),
        (
            changed(q6__id="part"),
            [("questions[6].id", 6, "duplicate question id 'part'")],
        ),
    ],
)
async def test_each_problem_comes_back_at_its_question_and_nothing_is_stored(
    sqlite_staffed: sessionmaker[Session],
    model: dict[str, Any],
    problems: list[tuple[str, int, str]],
) -> None:
    before = versions_and_log(sqlite_staffed)
    who = opened_by(ADMIN)
    async with console_at(sqlite_staffed) as base:
        checked = await post_json(base, "/api/form-editor/check", who, {"form": model})
        published = await post_json(base, "/api/form-editor/publish", who, {"form": model})

    assert checked[0] == published[0] == 422
    assert checked[1] == published[1]
    assert checked[1]["error"] == "invalid_form"
    found = [(p["path"], p["question"], p["message"]) for p in checked[1]["problems"]]
    assert found == problems
    assert versions_and_log(sqlite_staffed) == before


async def test_a_form_published_from_the_editor_is_stored_as_written_once(
    sessions: sessionmaker[Session],
) -> None:
    staffed(sessions)
    who = opened_by(ORGANIZER)
    async with console_at(sessions) as base:
        first = await post_json(base, "/api/form-editor/publish", who, {"form": EVERY_TYPE})
        again = await post_json(base, "/api/form-editor/publish", who, {"form": EVERY_TYPE})
        reopened = (await get(base, "/api/form-editor/forms/park-plan", who))[2]

    assert first == (
        200,
        {
            "id": "park-plan",
            "version": 1,
            "created": True,
            "window": {"state": "open", "at": None, "opens": None, "closes": None},
        },
    )
    assert (again[1]["version"], again[1]["created"]) == (1, False)
    flow = Flow.model_validate(EVERY_TYPE, context={"languages": ["bg", "en"]})
    assert reopened == {"form": flow_definition(flow), "zone": "Europe/Sofia"}
    with sessions() as session:
        stored = latest_version(session, "park-plan")
    assert stored is not None
    assert (stored.version, stored.definition) == (1, flow_definition(flow))


HOSTILE = "<script>alert(1)</script>"


async def test_html_and_script_in_titles_and_options_are_stored_as_text(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    model = copy.deepcopy(EVERY_TYPE)
    model["title"]["bg"] = HOSTILE
    model["questions"][3]["options"][0]["text"]["en"] = '<img src=x onerror="alert(1)">'
    who = opened_by(ADMIN)
    async with console_at(sqlite_staffed) as base:
        published = await post_json(base, "/api/form-editor/publish", who, {"form": model})
        listed = (await get(base, "/api/forms", who))[2]

    assert published[0] == 200
    with sqlite_staffed() as session:
        stored = session.exec(select(FlowVersion).where(FlowVersion.flow_id == "park-plan")).one()
    assert stored.definition["title"]["bg"] == HOSTILE
    option = stored.definition["questions"][3]["options"][0]["text"]["en"]
    assert option == '<img src=x onerror="alert(1)">'
    assert {"id": "park-plan", "title": HOSTILE}.items() <= next(
        form for form in listed["forms"] if form["id"] == "park-plan"
    ).items()


def nested(depth: int) -> dict[str, Any]:
    model: dict[str, Any] = {"x": 1}
    for _ in range(depth):
        model = {"x": model}
    return model


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        (b'{"form": {"id": "' + b"x" * (70 * 1024) + b'"}}', "application/json", 413, None),
        (b"[" * 60_000, "application/json", 400, "malformed"),
        (b"{not json", "application/json", 400, "malformed"),
        (json.dumps({"form": EVERY_TYPE}).encode(), "text/plain", 415, "json_only"),
        (b'{"form": "id: park-plan"}', "application/json", 422, "form_missing"),
        (b'["form"]', "application/json", 422, "form_missing"),
        (json.dumps({"form": nested(20)}).encode(), "application/json", 422, "too_deep"),
        (b'{"form": {"id": "a\\ud800"}}', "application/json", 422, "not_text"),
        (json.dumps({"yaml": DEMO}).encode(), "application/json", 422, "form_missing"),
    ],
)
async def test_forged_oversized_or_malformed_bodies_are_refused_and_change_nothing(
    sqlite_staffed: sessionmaker[Session],
    body: bytes,
    content_type: str,
    status: int,
    error: str | None,
) -> None:
    before = versions_and_log(sqlite_staffed)
    async with console_at(sqlite_staffed) as base:
        got = [
            await call(
                base,
                "POST",
                f"/api/form-editor/{path}",
                opened_by(ADMIN),
                body=body,
                content_type=content_type,
            )
            for path in ("publish", "check", "yaml", "preview")
        ]

    assert {answer[0] for answer in got} == {status}
    if error is not None:
        assert {answer[2]["error"] for answer in got} == {error}
    assert versions_and_log(sqlite_staffed) == before


EDITOR_ROUTES = [
    ("GET", "/api/form-editor/starters"),
    ("GET", "/api/form-editor/library/general-feedback"),
    ("GET", "/api/form-editor/forms/general-feedback"),
    ("POST", "/api/form-editor/check"),
    ("POST", "/api/form-editor/yaml"),
    ("POST", "/api/form-editor/read"),
    ("POST", "/api/form-editor/preview"),
    ("POST", "/api/form-editor/publish"),
]


@pytest.mark.parametrize(("method", "path"), EDITOR_ROUTES)
async def test_forged_or_missing_init_data_is_refused(
    sqlite_staffed: sessionmaker[Session], method: str, path: str
) -> None:
    body = json.dumps({"form": EVERY_TYPE, "yaml": DEMO}).encode()
    forged = opened_by(ADMIN, token="42:ANOTHER-bot")
    async with console_at(sqlite_staffed) as base:
        got = [await call(base, method, path, who, body=body) for who in (forged, None)]

    assert [(status, answer) for status, _, answer in got] == [(401, {"error": "unauthorized"})] * 2
    assert versions_and_log(sqlite_staffed)[0] == len(library_flows())


async def test_an_organizer_of_one_municipality_drafts_and_tries_but_does_not_publish(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(TOWN_ORGANIZER)
    before = versions_and_log(sqlite_staffed)
    async with console_at(sqlite_staffed) as base:
        checked = await post_json(base, "/api/form-editor/check", who, {"form": EVERY_TYPE})
        published = await post_json(base, "/api/form-editor/publish", who, {"form": EVERY_TYPE})
        broken = await post_json(
            base, "/api/form-editor/publish", who, {"form": changed(q1__scale=12)}
        )

    assert checked[0] == 200
    assert published == (403, {"error": "forms_shared"})
    assert broken == (403, {"error": "forms_shared"})  # refused before any check
    assert versions_and_log(sqlite_staffed) == before


@pytest.mark.parametrize(("method", "path"), EDITOR_ROUTES)
async def test_staff_have_no_form_editor(
    sqlite_staffed: sessionmaker[Session], method: str, path: str
) -> None:
    body = json.dumps({"form": EVERY_TYPE}).encode()
    async with console_at(sqlite_staffed) as base:
        got = await call(base, method, path, opened_by(CLERK), body=body)

    assert (got[0], got[2]) == (403, {"error": "not_allowed"})


async def test_an_uploaded_yaml_opens_as_written_and_hostile_yaml_is_refused(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(ORGANIZER)
    misspelt = DEMO.replace("{overall: {max: 3}}", "{ovrall: {max: 3}}")
    async with console_at(sqlite_staffed) as base:
        opened = await post_json(base, "/api/form-editor/read", who, {"yaml": misspelt})
        checked = await post_json(base, "/api/form-editor/check", who, opened[1])
        bomb = await post_json(base, "/api/form-editor/read", who, {"yaml": "a: &a [*a]\n"})
        missing = await post_json(base, "/api/form-editor/read", who, {"form": {}})

    assert opened == (200, {"form": yaml.safe_load(misspelt)})
    assert checked[1]["problems"] == [
        {
            "path": "questions[2].when",
            "message": "'ovrall' is not an earlier question",
            "code": "not_earlier",
            "values": {"ref": "ovrall"},
            "question": 2,
        }
    ]
    assert bomb[0] == 422
    assert [p["message"] for p in bomb[1]["problems"]] == [
        "anchors and aliases (& and *) are not allowed: write each value out"
    ]
    assert missing == (422, {"error": "yaml_missing", "problems": []})


async def test_a_draft_is_tried_as_a_citizen_answers_it_down_its_conditional_branch(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(ORGANIZER)
    path = "/api/form-editor/preview"
    steps = [
        {"question": "visits", "value": "yes"},
        {"question": "score", "value": "2"},
        {"question": "friends", "value": "9"},
        {"question": "part", "value": "north"},
    ]
    async with console_at(sqlite_staffed) as base:
        branch = await post_json(
            base, path, who, {"form": EVERY_TYPE, "inputs": steps, "language": "en"}
        )
        other = await post_json(
            base,
            path,
            who,
            {"form": EVERY_TYPE, "inputs": [{"question": "visits", "value": "no"}]},
        )
        broken = await post_json(base, path, who, {"form": changed(q1__scale=2), "inputs": []})

    assert branch[1]["answers"] == {"visits": True, "score": 2, "friends": 9, "part": "north"}
    assert branch[1]["step"]["id"] == "why"  # a low score asks why; "wishes" was skipped
    assert branch[1]["step"]["text"] == "Why?"
    assert other[1]["step"]["id"] == "friends"  # no score for those who do not go
    assert broken[0] == 422
    assert broken[1]["problems"][0]["question"] == 1
    assert versions_and_log(sqlite_staffed)[0] == len(library_flows())


# --- the form's window: opens and closes, in TIMEZONE ------------------------------------------


NOT_A_TIME = " is not a date and time; write e.g. 2026-12-03 18:00 or 2026-12-03"


def windowed(**window: Any) -> dict[str, Any]:
    return {**copy.deepcopy(EVERY_TYPE), **window}


async def test_a_window_set_in_the_editor_is_published_logged_and_shown_again_in_timezone(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(ORGANIZER)
    model = windowed(opens="2026-12-10 18:00", closes="2026-12-20")
    async with console_at(sqlite_staffed) as base:
        zone = (await get(base, "/api/form-editor/starters", who))[2]["zone"]
        published = await post_json(base, "/api/form-editor/publish", who, {"form": model})
        reopened = (await get(base, "/api/form-editor/forms/park-plan", who))[2]
        again = await post_json(base, "/api/form-editor/publish", who, reopened)

    assert zone == "Europe/Sofia"
    assert published == (
        200,
        {
            "id": "park-plan",
            "version": 1,
            "created": True,
            "window": {
                "state": "not_yet_open",
                "at": "2026-12-10 18:00",
                "opens": "2026-12-10 18:00",
                "closes": "2026-12-20 24:00",
            },
        },
    )
    assert reopened["zone"] == "Europe/Sofia"
    assert (reopened["form"]["opens"], reopened["form"]["closes"]) == (
        "2026-12-10 18:00",
        "2026-12-20",
    )
    assert again[1]["created"] is False  # the same form, the same window: nothing new
    assert again[1]["window"] == published[1]["window"]
    with sqlite_staffed() as session:
        window = form_window(session, "park-plan")
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert window == FormWindow(
        datetime(2026, 12, 10, 16, 0, tzinfo=UTC), datetime(2026, 12, 20, 22, 0, tzinfo=UTC)
    )
    actor = pseudonym(PSEUDONYM_KEY.encode(), ORGANIZER)
    assert entries
    assert {(e.subject, e.actor, e.details.get("by")) for e in entries} == {
        ("park-plan", actor, "console")
    }


@pytest.mark.parametrize(
    ("window", "problems"),
    [
        (
            {"opens": "2026-12-20 10:00", "closes": "2026-12-20 10:00"},
            [("closes", "must be after opens: the form would close before it opens")],
        ),
        (
            {"opens": "2026-12-21", "closes": "2026-12-20"},
            [("closes", "must be after opens: the form would close before it opens")],
        ),
        (
            {"opens": HOSTILE},
            [("opens", f"{HOSTILE!r}{NOT_A_TIME}")],
        ),
        (
            {"closes": "2026-13-40 25:00"},
            [("closes", f"'2026-13-40 25:00'{NOT_A_TIME}")],
        ),
        (
            {"closes": 20261220},
            [("closes", f"20261220{NOT_A_TIME}")],
        ),
    ],
)
async def test_a_window_the_loader_refuses_comes_back_at_its_field_and_nothing_changes(
    sqlite_staffed: sessionmaker[Session], window: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    before = versions_and_log(sqlite_staffed)
    who = opened_by(ADMIN)
    async with console_at(sqlite_staffed) as base:
        checked = await post_json(base, "/api/form-editor/check", who, {"form": windowed(**window)})
        published = await post_json(
            base, "/api/form-editor/publish", who, {"form": windowed(**window)}
        )

    assert checked[0] == published[0] == 422
    assert checked[1] == published[1]
    found = [(p["path"], p["question"], p["message"]) for p in checked[1]["problems"]]
    assert found == [(path, None, message) for path, message in problems]
    assert versions_and_log(sqlite_staffed) == before


async def test_a_yaml_file_with_a_window_opens_in_the_editor_its_dates_as_written(
    sqlite_staffed: sessionmaker[Session],
) -> None:
    who = opened_by(ORGANIZER)
    written = DEMO + "opens: 2026-12-03 18:00\ncloses: 2026-12-05\n"
    async with console_at(sqlite_staffed) as base:
        opened = await post_json(base, "/api/form-editor/read", who, {"yaml": written})
        checked = await post_json(base, "/api/form-editor/check", who, opened[1])

    assert opened[0] == 200
    assert (opened[1]["form"]["opens"], opened[1]["form"]["closes"]) == (
        "2026-12-03 18:00",
        "2026-12-05",
    )
    assert checked[0] == 200
