"""Announcements in the staff console: organizers write the texts per language (checked as
/broadcast checks them), choose among the recipients /broadcast offers them, see the exact
count, queue it now or for a time, follow it and stop it; each step audited. An organizer of
one municipality reaches and sees only its citizens' announcements.

Sending, following and stopping run on both databases; refusals on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.broadcaster import Broadcaster
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.services.broadcasts import queue_broadcast
from civic_feedback.settings import Settings
from civic_feedback.storage.events import add_event
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    AuditEntry,
    Broadcast,
    Citizen,
    Event,
    EventKind,
    Outbox,
    Registration,
    RegistrationStatus,
    Role,
)
from civic_feedback.storage.roles import grant
from tests.support.citizens import add_citizen
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
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY

KEY = PSEUDONYM_KEY.encode()
BOT_TOKEN = "42:TEST-console-announcements"
ORGANIZER, CLERK = 7601, 7602
INVITE = "<b>Обществено обсъждане</b> на парка в четвъртък."


def upcoming(session: Session, municipality: str, title: str) -> Event:
    starts_at = NOW + timedelta(days=3)
    return add_event(
        session,
        Event(
            code="",
            kind=EventKind.ROUND_TABLE,
            municipality=municipality,
            title={"bg": title},
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            flow_id="event-satisfaction",
        ),
    )


def town(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Смолян: two citizens speaking Bulgarian, one Turkish, one who sent /stop; Сливен: two.
    An upcoming event in each; one of Смолян's citizens registered for Смолян's."""
    with sessions() as session:
        install_library(session)
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        people = [
            (9001, "bg", "Смолян", False),
            (9002, "bg", "Смолян", False),
            (9003, "tr", "Смолян", False),
            (9004, "bg", "Смолян", True),
            (9005, "bg", "Сливен", False),
            (9006, "bg", "Сливен", False),
        ]
        for telegram_id, language, place, stopped in people:
            citizen = add_citizen(session, telegram_id=telegram_id, language=language)
            citizen.municipality, citizen.opted_out = place, stopped
        session.commit()
        ours = upcoming(session, "Смолян", "<i>Парк</i> „Снежанка“")
        theirs = upcoming(session, "Сливен", "Бюджет 2027")
        first = session.exec(select(Citizen).where(Citizen.telegram_id == 9001)).one()
        assert ours.id is not None
        assert first.id is not None
        session.add(
            Registration(
                event_id=ours.id, citizen_id=first.id, status=RegistrationStatus.REGISTERED
            )
        )
        foreign = Broadcast(
            texts={"bg": "За Сливен"},
            segment="municipality=Сливен",
            send_at=NOW,
            created_by="cli:ana",
        )
        queue_broadcast(session, foreign)
        session.commit()
        return {"ours": ours.code, "theirs": theirs.code, "foreign": foreign.id}


@pytest.fixture
def sqlite_town(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], dict[str, Any]]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        yield sessions, town(sessions)


def queued(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(broadcasts, outbox rows) stored."""
    with sessions() as session:
        broadcasts = session.exec(select(func.count()).select_from(Broadcast)).one()
        rows = session.exec(select(func.count()).select_from(Outbox)).one()
        return broadcasts, rows


def audit_entries(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None, Any]]:
    with sessions() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(e.actor, e.action, e.subject, e.details) for e in rows]


async def test_an_organizer_announces_to_their_municipality_follows_it_and_stops_it(
    sessions: sessionmaker[Session],
) -> None:
    ids = town(sessions)
    init_data = opened_by(ORGANIZER)
    async with console_at(sessions) as base:
        page = (await get(base, "/api/announcements", init_data))[2]
        everyone = (await get(base, "/api/announcements/audience?choice=a", init_data))[2]
        registered = await get(
            base, f"/api/announcements/audience?choice=r{ids['ours']}", init_data
        )
        status, sent = await post_json(
            base,
            "/api/announcements",
            init_data,
            {
                "texts": {"bg": f"  {INVITE}  ", "en": " ", "tr": "<b>Park</b> toplantısı"},
                "choice": "a",
            },
        )
        followed = (await get(base, f"/api/announcements/{sent['id']}", init_data))[2]
        stopped = await post_json(base, f"/api/announcements/{sent['id']}/stop", init_data, {})
        again = await post_json(base, f"/api/announcements/{sent['id']}/stop", init_data, {})

    assert [c["code"] for c in page["choices"]] == ["a", "lbg", "len", "ltr", f"r{ids['ours']}"]
    assert page["choices"][0] == {"code": "a", "kind": "all_in", "name": "Смолян", "title": None}
    assert page["choices"][-1]["title"] == "<i>Парк</i> „Снежанка“"  # data, shown as text
    assert (page["default_language"], page["zone"]) == ("bg", "Europe/Sofia")
    assert page["announcements"] == []  # Сливен's is not theirs
    assert everyone == {"total": 3, "languages": {"bg": 2, "tr": 1}}
    assert registered[2] == {"total": 1, "languages": {"bg": 1}}
    assert status == 200
    assert sent["texts"] == {"bg": INVITE, "tr": "<b>Park</b> toplantısı"}
    assert (sent["segment"], sent["state"], sent["total"], sent["left"]) == (
        "municipality=Смолян",
        "queued",
        3,
        3,
    )
    assert sent["send_at"] == "2026-12-07T12:00+02:00"
    assert (followed["total"], followed["active"]) == (3, True)
    assert stopped[0] == 200
    assert (stopped[1]["state"], stopped[1]["cancelled"], stopped[1]["active"]) == (
        "cancelled",
        3,
        False,
    )
    assert again == (422, {"error": "finished"})
    organizer = pseudonym(KEY, ORGANIZER)
    assert audit_entries(sessions) == [
        (
            organizer,
            "broadcast",
            "municipality=Смолян",
            {"languages": ["bg", "tr"], "id": sent["id"], "recipients": 3, "by": "console"},
        ),
        (organizer, "broadcast_cancel", str(sent["id"]), {"by": "console"}),
    ]


async def test_an_announcement_at_a_time_waits_for_it_in_timezone(
    sessions: sessionmaker[Session],
) -> None:
    town(sessions)
    async with console_at(sessions) as base:
        status, sent = await post_json(
            base,
            "/api/announcements",
            opened_by(ADMIN),
            {"texts": {"bg": INVITE}, "choice": "m1", "send_at": "2026-12-08T10:00"},
        )

    assert status == 200
    assert (sent["segment"], sent["total"]) == ("municipality=Сливен", 2)
    assert sent["send_at"] == "2026-12-08T10:00+02:00"
    with sessions() as session:
        stored = session.get(Broadcast, sent["id"])
        assert stored is not None
        assert stored.send_at.astimezone(UTC) == datetime(2026, 12, 8, 8, tzinfo=UTC)


REFUSED = {
    "a script in the text": (
        {"texts": {"bg": "<script>alert(1)</script>"}, "choice": "a"},
        422,
        {
            "error": "html",
            "language": "bg",
            "problem": "line 1: <script> is not allowed in Telegram messages",
        },
    ),
    "a tag left open": (
        {"texts": {"bg": INVITE, "tr": "<b>Park"}, "choice": "a"},
        422,
        {"error": "html", "language": "tr", "problem": "<b> is never closed"},
    ),
    "no text in the default language": (
        {"texts": {"en": "Hello"}, "choice": "a"},
        422,
        {"error": "default_text", "language": "bg"},
    ),
    "a language not offered": (
        {"texts": {"bg": INVITE, "de": "Hallo"}, "choice": "a"},
        422,
        {"error": "malformed"},
    ),
    "texts that are not text": (
        {"texts": {"bg": ["x"]}, "choice": "a"},
        422,
        {"error": "malformed"},
    ),
    "texts that are a list": ({"texts": [INVITE], "choice": "a"}, 422, {"error": "malformed"}),
    "no choice": ({"texts": {"bg": INVITE}}, 422, {"error": "malformed"}),
    "a choice never offered": (
        {"texts": {"bg": INVITE}, "choice": "zz"},
        404,
        {"error": "not_found"},
    ),
    "a choice nobody is in": ({"texts": {"bg": INVITE}, "choice": "len"}, 422, {"error": "nobody"}),
    "a time gone": (
        {"texts": {"bg": INVITE}, "choice": "a", "send_at": "2026-12-07T11:00"},
        422,
        {"error": "in_the_past"},
    ),
    "a time not understood": (
        {"texts": {"bg": INVITE}, "choice": "a", "send_at": "tomorrow"},
        422,
        {"error": "bad_time"},
    ),
    "not an object": ([INVITE], 422, {"error": "malformed"}),
}


@pytest.mark.parametrize(("body", "status", "answer"), REFUSED.values(), ids=REFUSED.keys())
async def test_an_announcement_that_cannot_go_is_refused_and_nothing_is_queued(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]], body: Any, status: int, answer: Any
) -> None:
    sessions, _ids = sqlite_town
    before = queued(sessions)
    async with console_at(sessions) as base:
        refused = await post_json(base, "/api/announcements", opened_by(ORGANIZER), body)

    assert refused == (status, answer)
    assert queued(sessions) == before
    assert audit_entries(sessions) == []


async def test_another_municipalitys_event_and_announcement_do_not_exist_for_an_organizer(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, ids = sqlite_town
    before = queued(sessions)
    init_data = opened_by(ORGANIZER)
    foreign = ids["foreign"]
    async with console_at(sessions) as base:
        counted = await get(base, f"/api/announcements/audience?choice=r{ids['theirs']}", init_data)
        sent = await post_json(
            base,
            "/api/announcements",
            init_data,
            {"texts": {"bg": INVITE}, "choice": f"r{ids['theirs']}"},
        )
        followed = await get(base, f"/api/announcements/{foreign}", init_data)
        stopped = await post_json(base, f"/api/announcements/{foreign}/stop", init_data, {})
        admin = (await get(base, f"/api/announcements/{foreign}", opened_by(ADMIN)))[2]

    assert (counted[0], counted[2]) == (404, {"error": "not_found"})
    assert sent == (404, {"error": "not_found"})
    assert (followed[0], followed[2]) == (404, {"error": "not_found"})
    assert stopped == (404, {"error": "not_found"})
    assert (admin["state"], admin["left"]) == ("queued", 2)
    assert queued(sessions) == before
    assert audit_entries(sessions) == []


async def test_staff_do_not_send_announcements(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, ids = sqlite_town
    before = queued(sessions)
    async with console_at(sessions) as base:
        page = await get(base, "/api/announcements", opened_by(CLERK))
        sent = await post_json(
            base, "/api/announcements", opened_by(CLERK), {"texts": {"bg": INVITE}, "choice": "a"}
        )
        stopped = await post_json(
            base, f"/api/announcements/{ids['foreign']}/stop", opened_by(CLERK), {}
        )

    assert (page[0], page[2]) == (403, {"error": "not_allowed"})
    assert sent == (403, {"error": "not_allowed"})
    assert stopped == (403, {"error": "not_allowed"})
    assert queued(sessions) == before


async def test_bodies_that_are_not_json_or_too_big_are_refused(
    sqlite_town: tuple[sessionmaker[Session], dict[str, Any]],
) -> None:
    sessions, ids = sqlite_town
    before = queued(sessions)
    init_data = opened_by(ORGANIZER)
    async with console_at(sessions) as base:
        broken = await call(base, "POST", "/api/announcements", init_data, body=b'{"texts": ')
        form = await call(
            base,
            "POST",
            "/api/announcements",
            init_data,
            body=b"choice=a",
            content_type="text/plain",
        )
        huge = await call(
            base,
            "POST",
            "/api/announcements",
            init_data,
            body=b'{"texts": {"bg": "' + b"x" * 70_000 + b'"}}',
        )
        bare_stop = await call(
            base,
            "POST",
            f"/api/announcements/{ids['foreign']}/stop",
            opened_by(ADMIN),
            body=b"",
            content_type="text/plain",
        )

    assert (broken[0], broken[2]) == (400, {"error": "malformed"})
    assert (form[0], form[2]) == (415, {"error": "json_only"})
    assert huge[0] == 413
    assert (bare_stop[0], bare_stop[2]) == (415, {"error": "json_only"})
    assert queued(sessions) == before
    assert audit_entries(sessions) == []


async def test_the_broadcasters_next_wake_up_sends_what_the_console_queued(
    sessions: sessionmaker[Session], telegram: FakeTelegram
) -> None:
    town(sessions)
    async with console_at(sessions) as base:
        status, sent = await post_json(
            base,
            "/api/announcements",
            opened_by(ORGANIZER),
            {"texts": {"bg": INVITE, "tr": "<b>Park</b> toplantısı"}, "choice": "a"},
        )
    assert status == 200
    bot = create_bot(BOT_TOKEN, telegram.url)
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN, pseudonym_key=PSEUDONYM_KEY)
    broadcaster = Broadcaster(
        bot=bot,
        sessions=sessions,
        settings=settings,
        i18n=create_i18n(settings.interface_language),
        limiter=RateLimiter(30),
        clock=lambda: NOW,  # the console's clock: the announcement is due
    )
    try:
        await broadcaster.send_due()  # what the scheduler runs every 15 seconds
    finally:
        await bot.session.close()

    seen = {chat: [m.raw_text for m in telegram.messages(chat)] for chat in (9001, 9002, 9003)}
    assert seen == {9001: [INVITE], 9002: [INVITE], 9003: ["<b>Park</b> toplantısı"]}
    assert telegram.messages(9004) == []  # sent /stop
    assert [m.raw_text for m in telegram.messages(9005)] == ["За Сливен"]  # not Смолян's
    with sessions() as session:
        stored = session.get(Broadcast, sent["id"])
        assert stored is not None
        assert stored.state == "done"
