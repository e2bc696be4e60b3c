"""A form's YAML through a download link, as Telegram's phone apps fetch files: the link serves
the same file as the forms page's own route (one function makes both), and only the file,
user and minute it was signed for; a form that does not exist, a hostile id or a role
without the forms page gets no link at all.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.console.download_links import FileRequest, LinkClaim, link_key, sign_link
from tests.integration.test_console_forms import CLERK, DEMO, ORGANIZER, staffed
from tests.integration.test_console_links import fetched, tampered
from tests.support.console import (
    NOW,
    TOKEN,
    console_at,
    download,
    opened_by,
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
