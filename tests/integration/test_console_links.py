"""Download links for Telegram's phone apps: the page asks for one with its init data, and
Telegram's app fetches the file with the link alone, within a minute. The link is a door of
its own: forged, expired, altered (another user, file or municipality), replayed after it
expired, or used by someone whose role or municipality changed since, it is refused and
nothing is served or recorded.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.console.download_links import (
    FileRequest,
    LinkClaim,
    claim_for,
    link_key,
    sign_link,
)
from civic_feedback.storage.models import AuditEntry, Role
from civic_feedback.storage.roles import grant, revoke
from tests.integration.test_console_events import (
    CLERK,
    ORGANIZER,
    XLSX_TYPE,
    Town,
    arrange,
)
from tests.support.console import (
    NOW,
    TOKEN,
    call,
    console_at,
    opened_by,
    post_json,
    sqlite_sessions_in,
)

PNG = b"\x89PNG\r\n\x1a\n"


def poster_of(code: str, file_type: str) -> dict[str, Any]:
    return {"file": "poster", "params": {"code": code, "link": "card", "format": file_type}}


KEY = link_key(TOKEN)


@pytest.fixture
def town(tmp_path: Path) -> Iterator[Town]:
    """For what is refused."""
    with sqlite_sessions_in(tmp_path) as sessions:
        yield arrange(sessions)


@pytest.fixture
def both_town(sessions: sessionmaker[Session]) -> Town:
    """On both databases: for what succeeds."""
    return arrange(sessions)


def poster(town: Town, code: str | None = None) -> dict[str, Any]:
    params = {"code": code or town.ours, "link": "card", "format": "png"}
    return {"file": "poster", "params": params}


def attendance_of(code: str) -> dict[str, Any]:
    return {"file": "attendance", "params": {"code": code}}


async def fetched(base: str, url: str) -> tuple[int, dict[str, str], bytes]:
    """What Telegram's app gets: a plain GET of the link, without init data."""
    async with aiohttp.ClientSession() as client, client.get(f"{base}/{url}") as got:
        return got.status, dict(got.headers), await got.read()


def attendance_entries(town: Town) -> list[AuditEntry]:
    with town.sessions() as session:
        statement = select(AuditEntry).where(AuditEntry.action == "attendance_export")
        return list(session.exec(statement.order_by(col(AuditEntry.id))))


def tampered(url: str, **changes: Any) -> str:
    """The link with its signed fields changed and its signature kept."""
    body, _, signature = url.removeprefix("api/links/").partition(".")
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    fields.update(changes)
    raw = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    encoded = base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()
    return f"api/links/{encoded}.{signature}"


# --- what a link serves ------------------------------------------------------------------------


async def test_a_link_serves_the_poster_without_init_data_under_the_name_it_gave(
    both_town: Town,
) -> None:
    async with console_at(both_town.sessions) as base:
        status, link = await post_json(base, "/api/links", opened_by(CLERK), poster(both_town))
        got_status, headers, body = await fetched(base, link["url"])

    assert status == 200
    assert link["name"] == f"poster-{both_town.ours}-card.png"
    assert link["url"].startswith("api/links/")
    assert got_status == 200
    assert body.startswith(PNG)
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == f'attachment; filename="{link["name"]}"'
    assert headers["Cache-Control"] == "no-store"


async def test_the_attendance_list_is_recorded_when_the_link_is_used_not_when_it_is_made(
    both_town: Town,
) -> None:
    async with console_at(both_town.sessions) as base:
        asked = attendance_of(both_town.ours)
        link = (await post_json(base, "/api/links", opened_by(CLERK), asked))[1]
        before = attendance_entries(both_town)
        status, headers, body = await fetched(base, link["url"])

    assert before == []
    assert status == 200
    assert headers["Content-Type"] == XLSX_TYPE
    assert body.startswith(b"PK")
    assert link["name"] == f"attendance-{both_town.ours}.xlsx"
    assert [entry.subject for entry in attendance_entries(both_town)] == [link["name"]]


# --- asking for a link: the file's own checks ------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({"file": "passwords", "params": {}}, 422, "malformed"),
        ({"file": "poster", "params": {"code": 7}}, 422, "malformed"),
        ({"file": "poster", "params": {"code": "x" * 2000}}, 422, "malformed"),
        ({"file": "poster"}, 422, "malformed"),
        (["poster"], 422, "malformed"),
        (
            {"file": "poster", "params": {"code": "nosuch22", "link": "card", "format": "png"}},
            404,
            "not_found",
        ),
        (
            {"file": "poster", "params": {"code": "<script>", "link": "card", "format": "svg"}},
            400,
            "malformed",
        ),
        ({"file": "export", "params": {"flow": "event-satisfaction"}}, 403, "not_allowed"),
    ],
)
async def test_a_link_is_refused_for_what_the_file_itself_would_refuse(
    town: Town, payload: Any, status: int, error: str
) -> None:
    async with console_at(town.sessions) as base:
        got = await post_json(base, "/api/links", opened_by(ORGANIZER), payload)

    assert got == (status, {"error": error})


async def test_no_link_for_another_municipalitys_event_nor_without_init_data(town: Town) -> None:
    async with console_at(town.sessions) as base:
        theirs = await post_json(base, "/api/links", opened_by(CLERK), poster(town, town.theirs))
        anonymous = await call(
            base, "POST", "/api/links", None, body=json.dumps(poster(town)).encode()
        )

    assert theirs == (404, {"error": "not_found"})
    assert anonymous[0] == 401


# --- using a link: refused, nothing served ---------------------------------------------------


def refused_with_nothing(got: tuple[int, dict[str, str], bytes]) -> bool:
    status, headers, body = got
    return (
        status in (401, 403)
        and "Content-Disposition" not in headers
        and not body.startswith((PNG, b"PK"))
    )


@pytest.mark.parametrize(
    "token",
    [
        "",
        "forged",
        "e30.AAAA",  # {} with a made-up signature
        "x" * 3000,
        "%3Cscript%3Ealert(1)%3C/script%3E.sig",
    ],
)
async def test_a_forged_link_is_refused(town: Town, token: str) -> None:
    async with console_at(town.sessions) as base:
        got = await fetched(base, f"api/links/{token}")

    assert got[0] in (403, 404)  # an empty token matches no route
    assert refused_with_nothing(got) or got[0] == 404


async def test_a_link_signed_with_another_bots_token_is_refused(town: Town) -> None:
    claim = claim_for(CLERK, "Смолян", FileRequest("poster", poster(town)["params"]), NOW)
    foreign = sign_link(link_key("43:ANOTHER-bot"), claim)
    ours = sign_link(KEY, claim)
    async with console_at(town.sessions) as base:
        refused = await fetched(base, f"api/links/{foreign}")
        accepted = await fetched(base, f"api/links/{ours}")

    assert refused_with_nothing(refused)
    assert accepted[0] == 200  # the same claim, signed by this bot's key


async def test_an_expired_link_is_refused_and_a_link_replayed_after_its_minute_too(
    town: Town,
) -> None:
    expired = sign_link(
        KEY,
        LinkClaim(
            CLERK,
            "Смолян",
            FileRequest("attendance", {"code": town.ours}),
            int(NOW.timestamp()) - 1,
        ),
    )
    async with console_at(town.sessions) as base:
        link = (await post_json(base, "/api/links", opened_by(CLERK), attendance_of(town.ours)))[1]
        in_time = await fetched(base, link["url"])
        old = await fetched(base, f"api/links/{expired}")
    later = NOW + timedelta(seconds=61)
    async with console_at(town.sessions, clock=lambda: later) as base:
        replayed = await fetched(base, link["url"])

    assert in_time[0] == 200
    assert refused_with_nothing(old)
    assert refused_with_nothing(replayed)
    assert len(attendance_entries(town)) == 1  # only the use in time


@pytest.mark.parametrize(
    "changes",
    [
        {"u": ORGANIZER},  # another user
        {"p": {"code": "THEIRS"}},  # another file: another event's list
        {"k": "poster"},  # another kind of file
        {"m": "Сливен"},  # another municipality
        {"m": None},  # every municipality
        {"e": 4_102_444_800},  # a longer life
    ],
)
async def test_an_altered_link_is_refused(town: Town, changes: dict[str, Any]) -> None:
    if changes.get("p") == {"code": "THEIRS"}:
        changes = {"p": {"code": town.theirs}}
    async with console_at(town.sessions) as base:
        link = (await post_json(base, "/api/links", opened_by(CLERK), attendance_of(town.ours)))[1]
        got = await fetched(base, tampered(link["url"], **changes))

    assert refused_with_nothing(got)
    assert attendance_entries(town) == []


async def test_a_link_is_refused_once_its_staff_member_changed_municipality_or_lost_the_role(
    town: Town,
) -> None:
    async with console_at(town.sessions) as base:
        moved = (await post_json(base, "/api/links", opened_by(CLERK), attendance_of(town.ours)))[1]
        revoked = (await post_json(base, "/api/links", opened_by(ORGANIZER), poster(town)))[1]
        with town.sessions() as session:
            grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Сливен")
            revoke(session, ORGANIZER)
            session.commit()
        after_move = await fetched(base, moved["url"])
        after_revoke = await fetched(base, revoked["url"])

    assert refused_with_nothing(after_move)
    assert refused_with_nothing(after_revoke)
    assert attendance_entries(town) == []
