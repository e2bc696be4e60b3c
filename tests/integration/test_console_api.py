"""The staff console's API: Telegram's signed init data opens it, a role and municipality
decide what it shows, and everything else is refused with nothing shown.

Security cases (forged, expired, replayed after a revoke, oversized, malformed, a citizen
without a role) run on SQLite; what the home page shows runs on both databases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.console.guards import RequestBudget
from civic_feedback.console.web import STATIC
from civic_feedback.sandbox.init_data import sign_init_data
from civic_feedback.storage.events import add_event
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    Event,
    EventKind,
    InboxItem,
    InboxStatus,
    Role,
)
from civic_feedback.storage.roles import grant, revoke
from tests.support.citizens import add_citizen
from tests.support.console import (
    ADMIN,
    NOW,
    TOKEN,
    console_at,
    get,
    opened_by,
    sqlite_sessions_in,
)

CLERK, CITIZEN = 7101, 7102


@pytest.fixture
def sqlite_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        yield sessions


@pytest.fixture
def staff(sqlite_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sqlite_sessions() as session:
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        add_citizen(session, telegram_id=CITIZEN, language="bg")
    return sqlite_sessions


def tampered(init_data: str, **changes: str) -> str:
    fields = dict(parse_qsl(init_data))
    fields.update(changes)
    return urlencode(fields)


FORGERIES = {
    "no header": None,
    "empty": "",
    "garbage": "%%%not init data",
    "signed by another bot": opened_by(CLERK, token="43:OTHER-bot"),
    "another user put in": tampered(
        opened_by(CITIZEN), user=json.dumps({"id": ADMIN, "first_name": "x"})
    ),
    "hash removed": tampered(opened_by(CLERK), hash=""),
    "older than an hour": sign_init_data(TOKEN, CLERK, NOW - timedelta(hours=1, minutes=1)),
    "from the future": sign_init_data(TOKEN, CLERK, NOW + timedelta(hours=1)),
    "oversized": opened_by(CLERK) + "&pad=" + "x" * 5000,
    "no user": sign_init_data(TOKEN, CLERK, NOW).replace("user=", "usr="),
}


@pytest.mark.parametrize("init_data", FORGERIES.values(), ids=FORGERIES.keys())
async def test_anything_but_fresh_init_data_signed_for_this_bot_is_refused(
    staff: sessionmaker[Session], init_data: str | None
) -> None:
    async with console_at(staff) as base:
        status, headers, body = await get(base, "/api/home", init_data)

    assert (status, body) == (401, {"error": "unauthorized"})
    assert "Content-Security-Policy" in headers


async def test_a_citizen_without_a_role_is_refused_and_sees_nothing(
    staff: sessionmaker[Session],
) -> None:
    async with console_at(staff) as base:
        status, _headers, body = await get(base, "/api/home", opened_by(CITIZEN))

    assert (status, body) == (403, {"error": "no_role"})


async def test_a_role_revoked_after_opening_is_refused_with_the_same_init_data(
    staff: sessionmaker[Session],
) -> None:
    init_data = opened_by(CLERK)
    async with console_at(staff) as base:
        before, _, _ = await get(base, "/api/home", init_data)
        with staff() as session:
            revoke(session, CLERK)
        after, _, body = await get(base, "/api/home", init_data)

    assert (before, after, body) == (200, 403, {"error": "no_role"})


async def test_a_user_over_the_budget_waits_and_others_do_not(
    staff: sessionmaker[Session],
) -> None:
    async with console_at(staff, RequestBudget(per_minute=2)) as base:
        statuses = [(await get(base, "/api/home", opened_by(CLERK)))[0] for _ in range(3)]
        other, _, _ = await get(base, "/api/home", opened_by(ADMIN))

    assert statuses == [200, 200, 429]
    assert other == 200


async def test_the_page_and_its_files_carry_strict_headers_and_nothing_else_is_served(
    staff: sessionmaker[Session],
) -> None:
    async with console_at(staff) as base:
        page = await get(base, "/", None)
        script = await get(base, "/static/console.js", None)
        escapes = [
            (await get(base, path, None))[0]
            for path in ("/static/web.py", "/static/..%2Fweb.py", "/static/../web.py", "/x")
        ]

    status, headers, html = page
    assert status == 200
    assert '<script src="static/console.js" defer></script>' in html
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self' https://telegram.org" in policy
    assert "frame-ancestors https://web.telegram.org" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert script[0] == 200
    assert script[1]["Content-Type"].startswith("text/javascript")
    assert escapes == [404, 404, 404, 404]


def test_the_pages_never_parse_what_they_receive_as_html() -> None:
    scripts = sorted((Path(__file__).parents[2] / "src/civic_feedback/console/static").glob("*.js"))
    assert len(scripts) >= 3

    for script in scripts:
        code = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, f"{script.name} uses {sink}"


def test_every_script_the_page_loads_is_served_and_nothing_else() -> None:
    static = Path(__file__).parents[2] / "src/civic_feedback/console/static"
    loaded = re.findall(r'<script src="static/([\w.]+)"', (static / "index.html").read_text())

    assert set(loaded) | {"console.css"} == set(STATIC)
    assert {path.name for path in static.glob("*.js")} == set(loaded)


def put_event(session: Session, title: str, municipality: str, days: int) -> None:
    starts = NOW + timedelta(days=days)
    add_event(
        session,
        Event(
            code="",
            kind=EventKind.ROUND_TABLE,
            municipality=municipality,
            title={"bg": title},
            place="Читалище",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=30,
            flow_id="event-satisfaction",
            reminder_offsets=[],
        ),
    )


async def test_the_home_page_shows_the_staff_members_municipality_and_admins_all(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        install_library(session)
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        put_event(session, "<script>alert(1)</script> Бюджет 2027", "Смолян", 3)
        put_event(session, "Паркиране в центъра", "Сливен", 2)
        for place, status in [
            ("Смолян", InboxStatus.NEW),
            ("Смолян", InboxStatus.IN_PROGRESS),
            ("Смолян", InboxStatus.RESOLVED),
            ("Сливен", InboxStatus.NEW),
        ]:
            session.add(
                InboxItem(
                    municipality=place,
                    topic="other",
                    language="bg",
                    status=status,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )

    async with console_at(sessions) as base:
        _, _, clerk = await get(base, "/api/home", opened_by(CLERK))
        _, _, admin = await get(base, "/api/home", opened_by(ADMIN))

    assert clerk["who"] == {"role": "staff", "municipality": "Смолян", "language": "bg"}
    assert clerk["week"] == "2026-W50"
    assert clerk["inbox_waiting"] == 2  # new and in progress; not resolved, not Сливен's
    assert [event["title"] for event in clerk["events"]] == [
        "<script>alert(1)</script> Бюджет 2027"  # data, drawn with textContent
    ]
    assert len(clerk["trend"]) == 8
    assert [(p["week"], p["dates"]) for p in clerk["trend"][-2:]] == [
        ("2026-W49", "30 ное – 6 дек"),
        ("2026-W50", "7–13 дек"),
    ]
    assert clerk["figures"]["completed"] == 0
    assert admin["who"]["municipality"] is None
    assert admin["inbox_waiting"] == 3
    assert [event["title"] for event in admin["events"]] == [
        "Паркиране в центъра",
        "<script>alert(1)</script> Бюджет 2027",
    ]
