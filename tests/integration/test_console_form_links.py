"""A form's YAML through a download link, as Telegram's phone apps fetch files: the link serves
the same file as the forms page's own route (one function makes both), and only the file,
user and minute it was signed for; a form that does not exist, a hostile id or a role
without the forms page gets no link at all. The form editor's draft, too big for a link, is
kept a minute or two for whoever kept it and fetched by a link to it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.console.download_links import FileRequest, LinkClaim, link_key, sign_link
from civic_feedback.storage.models import DownloadDraft
from tests.integration.test_console_form_editor import EVERY_TYPE
from tests.integration.test_console_forms import CLERK, DEMO, ORGANIZER, staffed
from tests.integration.test_console_links import fetched, tampered
from tests.support.console import (
    ADMIN,
    NOW,
    TOKEN,
    call,
    console_at,
    download,
    opened_by,
    post_for_file,
    post_json,
    sqlite_sessions_in,
)


def yaml_of(flow_id: str) -> dict[str, Any]:
    return {"file": "form", "params": {"form": flow_id}}


def refused_with_nothing(got: tuple[int, dict[str, str], bytes]) -> bool:
    status, headers, body = got
    return status == 403 and "Content-Disposition" not in headers and b"questions" not in body


async def test_a_link_serves_the_same_yaml_as_the_forms_page_route(
    sessions: sessionmaker[Session],
) -> None:
    staffed(sessions)
    who = opened_by(ORGANIZER)
    async with console_at(sessions) as base:
        await post_json(base, "/api/forms/publish", who, {"yaml": DEMO})
        status, link = await post_json(base, "/api/links", who, yaml_of("demo"))
        by_link = await fetched(base, link["url"])
        by_route = await download(base, "/api/forms/demo/yaml", who)

    assert status == 200
    assert link["name"] == "demo.yaml"
    assert by_link[0] == 200
    assert by_link[1]["Content-Type"] == "application/yaml"
    assert by_link[1]["Content-Disposition"] == 'attachment; filename="demo.yaml"'
    assert by_link[2] == by_route[2]
    assert "<script>alert(1)</script>" in by_link[2].decode()  # a file: the text as written


@pytest.mark.parametrize(
    ("who", "asked", "status", "error"),
    [
        (ORGANIZER, yaml_of("nosuch"), 404, "not_found"),
        (ORGANIZER, yaml_of("<script>alert(1)</script>"), 422, "malformed"),
        (ORGANIZER, yaml_of("../../etc/passwd"), 422, "malformed"),
        (ORGANIZER, yaml_of("x" * 65), 422, "malformed"),
        (ORGANIZER, {"file": "form", "params": {}}, 422, "malformed"),
        (CLERK, yaml_of("demo"), 403, "not_allowed"),  # staff have no forms page
    ],
)
async def test_no_link_for_what_the_forms_page_itself_refuses(
    tmp_path: Path, who: int, asked: dict[str, Any], status: int, error: str
) -> None:
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        async with console_at(sessions) as base:
            await post_json(base, "/api/forms/publish", opened_by(ORGANIZER), {"yaml": DEMO})
            got = await post_json(base, "/api/links", opened_by(who), asked)

    assert got == (status, {"error": error})


@pytest.mark.parametrize(
    "changes",
    [
        {"u": CLERK},  # another user
        {"p": {"form": "event-satisfaction"}},  # another file
        {"k": "export"},  # another kind of file
        {"e": 4_102_444_800},  # a longer life
    ],
)
async def test_an_altered_form_link_is_refused(tmp_path: Path, changes: dict[str, Any]) -> None:
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        async with console_at(sessions) as base:
            await post_json(base, "/api/forms/publish", opened_by(ORGANIZER), {"yaml": DEMO})
            link = (await post_json(base, "/api/links", opened_by(ORGANIZER), yaml_of("demo")))[1]
            got = await fetched(base, tampered(link["url"], **changes))

    assert refused_with_nothing(got)


async def test_a_forged_expired_or_replayed_form_link_is_refused(tmp_path: Path) -> None:
    request = FileRequest("form", {"form": "demo"})
    expired = LinkClaim(ORGANIZER, None, request, int(NOW.timestamp()) - 1)
    forged = LinkClaim(ORGANIZER, None, request, int(NOW.timestamp()) + 60)
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        async with console_at(sessions) as base:
            await post_json(base, "/api/forms/publish", opened_by(ORGANIZER), {"yaml": DEMO})
            link = (await post_json(base, "/api/links", opened_by(ORGANIZER), yaml_of("demo")))[1]
            in_time = await fetched(base, link["url"])
            old = await fetched(base, f"api/links/{sign_link(link_key(TOKEN), expired)}")
            other_bot = await fetched(
                base, f"api/links/{sign_link(link_key('43:ANOTHER-bot'), forged)}"
            )
        later = NOW + timedelta(seconds=61)
        async with console_at(sessions, clock=lambda: later) as base:
            replayed = await fetched(base, link["url"])

    assert in_time[0] == 200
    assert refused_with_nothing(old)
    assert refused_with_nothing(other_bot)
    assert refused_with_nothing(replayed)


# --- the form editor's draft: kept a minute or two, fetched by a link ------------------------


def draft_of(draft: str) -> dict[str, Any]:
    return {"file": "form-draft", "params": {"draft": draft}}


def drafts_kept(sessions: sessionmaker[Session]) -> list[DownloadDraft]:
    with sessions() as session:
        return list(session.exec(select(DownloadDraft)))


async def test_a_drafts_link_serves_the_yaml_the_editor_downloads_at_once(
    sessions: sessionmaker[Session],
) -> None:
    staffed(sessions)
    who, model = opened_by(ORGANIZER), {"form": EVERY_TYPE}
    async with console_at(sessions) as base:
        status, kept = await post_json(base, "/api/form-editor/draft", who, model)
        made, link = await post_json(base, "/api/links", who, draft_of(kept["draft"]))
        by_link = await fetched(base, link["url"])
        at_once = await post_for_file(base, "/api/form-editor/yaml", who, model)

    assert (status, made) == (200, 200)
    assert link["name"] == "park-plan.yaml"
    assert by_link[0] == at_once[0] == 200
    assert by_link[1]["Content-Disposition"] == 'attachment; filename="park-plan.yaml"'
    assert by_link[2] == at_once[2]
    assert yaml.safe_load(by_link[2]) == EVERY_TYPE


async def test_a_draft_is_only_for_whoever_kept_it_and_only_for_its_minutes(
    tmp_path: Path,
) -> None:
    moment = [NOW]
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        async with console_at(sessions, clock=lambda: moment[0]) as base:
            kept = await post_json(
                base, "/api/form-editor/draft", opened_by(ORGANIZER), {"form": EVERY_TYPE}
            )
            draft = kept[1]["draft"]
            other_user = await post_json(base, "/api/links", opened_by(ADMIN), draft_of(draft))
            clerk = await post_json(base, "/api/links", opened_by(CLERK), draft_of(draft))
            guessed = await post_json(base, "/api/links", opened_by(ORGANIZER), draft_of("x" * 22))
            hostile = await post_json(
                base, "/api/links", opened_by(ORGANIZER), draft_of("<script>" * 5)
            )
            moment[0] = NOW + timedelta(seconds=110)
            late = (await post_json(base, "/api/links", opened_by(ORGANIZER), draft_of(draft)))[1]
            moment[0] = NOW + timedelta(seconds=121)  # the link's minute, not the draft's
            after = await fetched(base, late["url"])
            again = await post_json(
                base, "/api/form-editor/draft", opened_by(ORGANIZER), {"form": EVERY_TYPE}
            )
            left = drafts_kept(sessions)

    assert other_user == (404, {"error": "not_found"})
    assert clerk == (403, {"error": "not_allowed"})
    assert guessed == (404, {"error": "not_found"})
    assert hostile == (422, {"error": "malformed"})
    assert after[0] == 404
    assert "Content-Disposition" not in after[1]
    assert [d.id for d in left] == [again[1]["draft"]]  # the expired one deleted


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"form": "<script>alert(1)</script>"}, 422, "form_missing"),
        ({"yaml": "id: x"}, 422, "form_missing"),
        ({"form": {"id": "x", "title": {"bg": "\ud800"}}}, 422, "not_text"),
        ([], 422, "form_missing"),
    ],
)
async def test_a_draft_of_what_no_form_holds_is_refused_and_nothing_is_kept(
    tmp_path: Path, body: Any, status: int, error: str
) -> None:
    with sqlite_sessions_in(tmp_path) as sessions:
        staffed(sessions)
        async with console_at(sessions) as base:
            got = await post_json(base, "/api/form-editor/draft", opened_by(ORGANIZER), body)
            oversized = await call(
                base,
                "POST",
                "/api/form-editor/draft",
                opened_by(ORGANIZER),
                body=b'{"form": {"id": "' + b"x" * (70 * 1024) + b'"}}',
            )
            unsigned = await call(
                base, "POST", "/api/form-editor/draft", None, body=json.dumps(body).encode()
            )

        assert (got[0], got[1]["error"]) == (status, error)
        assert oversized[0] == 413
        assert unsigned[0] == 401
        assert drafts_kept(sessions) == []
