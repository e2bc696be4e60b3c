"""Events in the staff console: organizers find, add, edit, reschedule and cancel their
municipality's events with the services feedback-admin uses, everyone downloads posters and
the attendance list, and each change is on the record under the person's pseudonym.

What succeeds runs on both databases; refusals on SQLite.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.console_door import console_app
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.services.registrations import Registrar
from civic_feedback.storage.events import add_event, find_event
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    AuditEntry,
    Event,
    EventKind,
    Notification,
    NotificationKind,
    Role,
    utcnow,
)
from civic_feedback.storage.roles import grant
from tests.support.citizens import add_citizen
from tests.support.console import (
    ADMIN,
    BOT_USERNAME,
    NOW,
    call,
    console_at,
    console_settings,
    download,
    get,
    opened_by,
    post_json,
    sqlite_sessions_in,
)
from tests.support.events import POLICY
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY

ORGANIZER, CLERK, SLIVEN_ORGANIZER = 7401, 7402, 7403
PNG = b"\x89PNG\r\n\x1a\n"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTRAR = Registrar(POLICY)


@dataclass(frozen=True)
class Town:
    """Смолян's round table (2 places: two registered, one waiting) and its past training,
    and Сливен's conference; their codes."""

    sessions: sessionmaker[Session]
    ours: str
    past: str
    theirs: str


def put_event(
    session: Session, title: str, municipality: str, starts: datetime, capacity: int | None
) -> str:
    event = add_event(
        session,
        Event(
            code="",
            kind=EventKind.ROUND_TABLE,
            municipality=municipality,
            title={"bg": title},
            place="Читалище „Родина“",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=capacity,
            flow_id="event-satisfaction",
            reminder_offsets=[24 * 3600, 3600],
        ),
    )
    session.commit()
    return event.code


def register(session: Session, code: str, *telegram_ids: int) -> None:
    event = find_event(session, code)
    assert event is not None
    for telegram_id in telegram_ids:
        citizen = add_citizen(session, telegram_id=telegram_id, language="bg")
        session.commit()
        REGISTRAR.register(session, citizen, event, NOW - timedelta(days=1))
        session.commit()


def arrange(sessions: sessionmaker[Session]) -> Town:
    with sessions() as session:
        install_library(session)
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        grant(session, SLIVEN_ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Сливен")
        december_10 = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)  # 18:00 in Sofia
        ours = put_event(session, "Кръгла маса за бюджета", "Смолян", december_10, 2)
        past = put_event(session, "Обучение за доброволци", "Смолян", NOW - timedelta(days=9), None)
        theirs = put_event(session, "Конференция за туризма", "Сливен", december_10, None)
        register(session, ours, 9001, 9002, 9003)
    return Town(sessions, ours, past, theirs)


@pytest.fixture
def town(sessions: sessionmaker[Session]) -> Town:
    return arrange(sessions)


@pytest.fixture
def sqlite_town(tmp_path: Path) -> Iterator[Town]:
    with sqlite_sessions_in(tmp_path) as sessions:
        yield arrange(sessions)


def stored(town: Town, code: str) -> Event:
    with town.sessions() as session:
        event = find_event(session, code)
        assert event is not None
        return event


def last_entry(town: Town) -> AuditEntry | None:
    with town.sessions() as session:
        return session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()


def owed(town: Town, code: str, kind: NotificationKind) -> int:
    event = stored(town, code)
    with town.sessions() as session:
        rows = session.exec(
            select(Notification).where(Notification.event_id == event.id, Notification.kind == kind)
        )
        return len(list(rows))


def actor(telegram_id: int) -> str:
    return pseudonym(PSEUDONYM_KEY.encode(), telegram_id)


# --- what succeeds, on both databases -----------------------------------------------------------


async def test_organizers_find_their_municipalitys_events_by_title_upcoming_or_past(
    town: Town,
) -> None:
    async with console_at(town.sessions) as base:
        upcoming = (await get(base, "/api/events", opened_by(ORGANIZER)))[2]
        past = (await get(base, "/api/events?when=past", opened_by(ORGANIZER)))[2]
        found = (await get(base, "/api/events?q=БЮДЖЕТ", opened_by(ORGANIZER)))[2]
        missed = (await get(base, "/api/events?q=туризма", opened_by(ORGANIZER)))[2]
        admin = (await get(base, "/api/events", opened_by(ADMIN)))[2]

    (listed,) = upcoming["events"]
    assert listed == {
        "code": town.ours,
        "title": "Кръгла маса за бюджета",
        "kind": "round_table",
        "cancelled": False,
        "municipality": "Смолян",
        "starts": "2026-12-10 18:00",  # in TIMEZONE
        "place": "Читалище „Родина“",
        "capacity": 2,
        "registered": 2,
        "waiting": 1,
        "checked_in": 0,
    }
    assert (upcoming["may_change"], upcoming["may_choose_municipality"]) == (True, False)
    assert upcoming["reminders"] == "24h, 1h"
    assert [e["code"] for e in past["events"]] == [town.past]
    assert [e["code"] for e in found["events"]] == [town.ours]  # any letter case: "БЮДЖЕТ"
    assert missed["events"] == []  # Сливен's conference is not theirs
    assert {e["code"] for e in admin["events"]} == {town.ours, town.theirs}
    assert admin["may_choose_municipality"] is True


async def test_one_event_shows_its_figures_and_its_three_links(town: Town) -> None:
    async with console_at(town.sessions) as base:
        status, _headers, event = await get(base, f"/api/events/{town.ours}", opened_by(CLERK))

    assert status == 200
    assert (event["starts"], event["ends"], event["timezone"]) == (
        "2026-12-10 18:00",
        "2026-12-10 20:00",
        "Europe/Sofia",
    )
    assert (event["registered"], event["waiting"], event["checked_in"], event["responses"]) == (
        2,
        1,
        0,
        0,
    )
    assert event["links"] == {
        "card": f"https://t.me/{BOT_USERNAME}?start=ev_{town.ours}",
        "checkin": f"https://t.me/{BOT_USERNAME}?start=ci_{town.ours}",
        "feedback": f"https://t.me/{BOT_USERNAME}?start=fb_{town.ours}",
    }
    assert event["may_change"] is False  # staff read


async def test_an_organizer_adds_an_event_with_the_clis_defaults_and_it_is_on_the_record(
    town: Town,
) -> None:
    form = {
        "titles": {"bg": "  Среща за парковете  ", "en": "Parks meeting", "tr": ""},
        "kind": "info_meeting",
        "starts": "2026-12-15 17:30",
        "ends": "2026-12-15 19:00",
        "place": "Зала 2",
        "capacity": 40,
    }
    async with console_at(town.sessions) as base:
        status, made = await post_json(base, "/api/events", opened_by(ORGANIZER), form)

    assert status == 201
    event = stored(town, made["code"])
    assert event.title == {"bg": "Среща за парковете", "en": "Parks meeting"}
    assert (event.kind, event.municipality, event.place, event.capacity) == (
        "info_meeting",
        "Смолян",  # the organizer's own
        "Зала 2",
        40,
    )
    assert event.starts_at == datetime(2026, 12, 15, 15, 30, tzinfo=UTC)
    assert event.reminder_offsets == [24 * 3600, 3600]  # as `events add` gives
    assert event.flow_id == "event-satisfaction"
    entry = last_entry(town)
    assert entry is not None
    assert (entry.action, entry.subject, entry.actor) == ("event_add", event.code, actor(ORGANIZER))
    assert entry.details["by"] == "console"


async def test_more_places_and_a_new_place_tell_who_they_concern_and_are_on_the_record(
    town: Town,
) -> None:
    change = {"capacity": 3, "place": "Голямата зала", "titles": {"en": "Budget round table"}}
    async with console_at(town.sessions) as base:
        status, edited = await post_json(
            base, f"/api/events/{town.ours}/edit", opened_by(ORGANIZER), change
        )

    assert (status, edited) == (
        200,
        {"changes": ["capacity", "place", "title"], "promoted": 1, "told": 3},
    )
    event = stored(town, town.ours)
    assert (event.capacity, event.place) == (3, "Голямата зала")
    assert event.title == {"bg": "Кръгла маса за бюджета", "en": "Budget round table"}
    assert owed(town, town.ours, NotificationKind.PROMOTED) == 1
    assert owed(town, town.ours, NotificationKind.PLACE_CHANGED) == 3
    entry = last_entry(town)
    assert entry is not None
    assert (entry.action, entry.actor) == ("event_edit", actor(ORGANIZER))
    assert entry.details["changes"]["capacity"] == [2, 3]
    assert entry.details["by"] == "console"


async def test_a_reschedule_tells_everyone_once_and_the_event_shows_its_new_time(
    town: Town,
) -> None:
    path = f"/api/events/{town.ours}/reschedule"
    async with console_at(town.sessions) as base:
        moved = await post_json(base, path, opened_by(ORGANIZER), {"starts": "2026-12-17 18:00"})
        again = await post_json(
            base, path, opened_by(ORGANIZER), {"starts": "2026-12-17T18:00", "ends": ""}
        )
        shown = (await get(base, f"/api/events/{town.ours}", opened_by(ORGANIZER)))[2]

    assert moved == (
        200,
        {"moved": True, "told": 3, "starts": "2026-12-17 18:00", "ends": "2026-12-17 20:00"},
    )
    assert again[1]["moved"] is False  # the same time, written another way: nobody told again
    assert (shown["starts"], shown["ends"]) == ("2026-12-17 18:00", "2026-12-17 20:00")
    assert owed(town, town.ours, NotificationKind.RESCHEDULED) == 3
    entry = last_entry(town)
    assert entry is not None
    assert (entry.action, entry.actor) == ("event_reschedule", actor(ORGANIZER))
    assert entry.details["before"][0] == "2026-12-10T16:00:00+00:00"
    assert entry.details["after"][0] == "2026-12-17T16:00:00+00:00"
    assert (entry.details["told"], entry.details["by"]) == (3, "console")


async def test_a_cancelled_event_tells_everyone_and_cannot_be_cancelled_twice(town: Town) -> None:
    path = f"/api/events/{town.ours}/cancel"
    async with console_at(town.sessions) as base:
        cancelled = await post_json(base, path, opened_by(ORGANIZER), {})
        twice = await post_json(base, path, opened_by(ORGANIZER), {})

    assert cancelled == (200, {"told": 3})
    assert twice == (422, {"error": "event_cancelled"})
    assert stored(town, town.ours).state == "cancelled"
    assert owed(town, town.ours, NotificationKind.CANCELLED) == 3
    entry = last_entry(town)
    assert entry is not None
    assert (entry.action, entry.subject, entry.details) == (
        "event_cancel",
        town.ours,
        {"told": 3, "by": "console"},
    )


async def test_posters_of_the_chosen_link_download_as_png_and_pdf(town: Town) -> None:
    path = f"/api/events/{town.ours}/poster"
    async with console_at(town.sessions) as base:
        png = await download(base, f"{path}?link=checkin&format=png", opened_by(CLERK))
        pdf = await download(base, f"{path}?link=feedback&format=pdf", opened_by(ORGANIZER))

    status, headers, body = png
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert headers["Content-Disposition"] == (
        f'attachment; filename="poster-{town.ours}-checkin.png"'
    )
    assert body.startswith(PNG)
    image = pytest.importorskip("PIL.Image")
    with image.open(io.BytesIO(body)) as opened:
        width, height = opened.size
    assert height > width > 1000  # A5 portrait, for print
    assert (pdf[0], pdf[1]["Content-Type"]) == (200, "application/pdf")
    assert pdf[2].startswith(b"%PDF")


async def test_the_attendance_list_of_one_event_or_of_days_is_a_workbook_on_the_record(
    town: Town,
) -> None:
    async with console_at(town.sessions) as base:
        one = await download(base, f"/api/events/attendance?code={town.ours}", opened_by(CLERK))
        days = await download(
            base, "/api/events/attendance?from=2026-11-01&to=2026-12-10", opened_by(ORGANIZER)
        )

    openpyxl = pytest.importorskip("openpyxl")
    status, headers, body = one
    assert (status, headers["Content-Type"]) == (200, XLSX_TYPE)
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    events = list(workbook["events"].iter_rows(values_only=True))
    assert [row[0] for row in events] == ["code", town.ours]
    people = list(workbook["participants"].iter_rows(values_only=True))[1:]
    assert [row[2] for row in people] == ["registered", "registered", "waitlisted"]
    assert all(str(row[1]).startswith("c-") for row in people)  # pseudonyms, never ids
    workbook = openpyxl.load_workbook(io.BytesIO(days[2]))
    codes = [row[0] for row in workbook["events"].iter_rows(min_row=2, values_only=True)]
    assert codes == [town.past, town.ours]  # Смолян's only, though Сливен's is that day too
    entry = last_entry(town)
    assert entry is not None
    assert (entry.action, entry.subject, entry.actor) == (
        "attendance_export",
        "attendance-from-2026-11-01-to-2026-12-10.xlsx",
        actor(ORGANIZER),
    )
    assert entry.details == {"events": codes, "participants": 3, "by": "console"}


# --- refusals, on SQLite ------------------------------------------------------------------------

CHANGES = {
    "add": ("/api/events", {"titles": {"bg": "X"}}),
    "edit": ("/api/events/{code}/edit", {"place": "Другаде"}),
    "reschedule": ("/api/events/{code}/reschedule", {"starts": "2026-12-20 18:00"}),
    "cancel": ("/api/events/{code}/cancel", {}),
}


@pytest.mark.parametrize(("path", "body"), CHANGES.values(), ids=CHANGES.keys())
async def test_staff_read_events_but_may_not_change_them(
    sqlite_town: Town, path: str, body: dict[str, Any]
) -> None:
    before = stored(sqlite_town, sqlite_town.ours)
    async with console_at(sqlite_town.sessions) as base:
        answer = await post_json(base, path.format(code=sqlite_town.ours), opened_by(CLERK), body)

    assert answer == (403, {"error": "not_allowed"})
    after = stored(sqlite_town, sqlite_town.ours)
    assert (after.place, after.starts_at, after.state) == (
        before.place,
        before.starts_at,
        before.state,
    )
    assert last_entry(sqlite_town) is None


FOREIGN = {
    "read": ("GET", "/api/events/{code}", None),
    "edit": ("POST", "/api/events/{code}/edit", {"place": "Другаде"}),
    "reschedule": ("POST", "/api/events/{code}/reschedule", {"starts": "2026-12-20 18:00"}),
    "cancel": ("POST", "/api/events/{code}/cancel", {}),
    "poster": ("GET", "/api/events/{code}/poster?link=card&format=png", None),
    "attendance": ("GET", "/api/events/attendance?code={code}", None),
    "unknown code": ("GET", "/api/events/nosuchev", None),
}


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN.values(), ids=FOREIGN.keys())
async def test_another_municipalitys_event_does_not_exist_for_its_organizers(
    sqlite_town: Town, method: str, path: str, body: dict[str, Any] | None
) -> None:
    raw = None if body is None else json.dumps(body).encode()
    async with console_at(sqlite_town.sessions) as base:
        status, _headers, answer = await call(
            base, method, path.format(code=sqlite_town.theirs), opened_by(ORGANIZER), body=raw
        )

    assert (status, answer) == (404, {"error": "not_found"})
    event = stored(sqlite_town, sqlite_town.theirs)
    assert (event.place, event.state) == ("Читалище „Родина“", "scheduled")
    assert last_entry(sqlite_town) is None


GOOD = {
    "titles": {"bg": "Среща"},
    "kind": "round_table",
    "starts": "2026-12-15 17:30",
    "ends": "2026-12-15 19:00",
}
NEW_REFUSED = {
    "a start that is no time": ({"starts": "15.12.2026 17:30"}, 422, "starts_not_a_time"),
    "a day that does not exist": ({"ends": "2026-02-30 19:00"}, 422, "ends_not_a_time"),
    "the first hour of year 1": ({"starts": "0001-01-01 00:00"}, 422, "starts_not_a_time"),
    "an end before the start": ({"ends": "2026-12-15 17:00"}, 422, "ends_before_start"),
    "no title in any language": ({"titles": {"bg": "  ", "en": ""}}, 422, "title_empty"),
    "a title in a language not offered": ({"titles": {"xx": "Среща"}}, 422, "malformed"),
    "reminders that are no durations": ({"reminders": "утре"}, 422, "bad_reminders"),
    "a reminder more than a year ahead": ({"reminders": "24h, 400d"}, 422, "bad_reminders"),
    "a reminder past the calendar": ({"reminders": "99999999999d"}, 422, "bad_reminders"),
    "no places": ({"capacity": 0}, 422, "capacity_too_small"),
    "a billion places": ({"capacity": 10**9}, 422, "capacity_too_large"),
    "places that are no number": ({"capacity": "десет"}, 422, "capacity_not_a_number"),
    "a place past the column": ({"place": "x" * 501}, 422, "place_too_long"),
    "a kind there is not": ({"kind": "party"}, 422, "malformed"),
    "another municipality": ({"municipality": "Сливен"}, 403, "not_allowed"),
}


@pytest.mark.parametrize(("change", "status", "code"), NEW_REFUSED.values(), ids=NEW_REFUSED.keys())
async def test_a_new_event_that_cannot_be_is_refused_with_what_to_fix_and_nothing_is_stored(
    sqlite_town: Town, change: dict[str, Any], status: int, code: str
) -> None:
    async with console_at(sqlite_town.sessions) as base:
        answer = await post_json(base, "/api/events", opened_by(ORGANIZER), {**GOOD, **change})

    assert answer == (status, {"error": code})
    with sqlite_town.sessions() as session:
        assert len(session.exec(select(Event)).all()) == 3
    assert last_entry(sqlite_town) is None


CHANGE_REFUSED = {
    "fewer places than are taken": ("edit", {"capacity": 1}, 422, "capacity_below_taken"),
    "an empty place": ("edit", {"place": "  "}, 422, "place_empty"),
    "an empty title": ("edit", {"titles": {"bg": " "}}, 422, "title_empty"),
    "a municipality, by an organizer": ("edit", {"municipality": "Сливен"}, 403, "not_allowed"),
    "a start already past": ("reschedule", {"starts": "2026-12-01 18:00"}, 422, "starts_in_past"),
    "an end before the start": (
        "reschedule",
        {"starts": "2026-12-20 18:00", "ends": "2026-12-20 17:00"},
        422,
        "ends_before_start",
    ),
    "a start that is no time": ("reschedule", {"starts": "next week"}, 422, "starts_not_a_time"),
    "not an object": ("edit", ["capacity", 3], 422, "malformed"),
}


@pytest.mark.parametrize(
    ("action", "body", "status", "code"), CHANGE_REFUSED.values(), ids=CHANGE_REFUSED.keys()
)
async def test_a_change_that_cannot_stand_is_refused_and_nothing_changes(
    sqlite_town: Town, action: str, body: Any, status: int, code: str
) -> None:
    path = f"/api/events/{sqlite_town.ours}/{action}"
    async with console_at(sqlite_town.sessions) as base:
        answer = await post_json(base, path, opened_by(ORGANIZER), body)

    assert answer == (status, {"error": code})
    event = stored(sqlite_town, sqlite_town.ours)
    assert (event.capacity, event.place, event.municipality) == (2, "Читалище „Родина“", "Смолян")
    assert event.starts_at == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    assert owed(sqlite_town, sqlite_town.ours, NotificationKind.RESCHEDULED) == 0
    assert last_entry(sqlite_town) is None


async def test_a_past_event_keeps_its_place_and_time(sqlite_town: Town) -> None:
    path = f"/api/events/{sqlite_town.past}"
    async with console_at(sqlite_town.sessions) as base:
        placed = await post_json(base, f"{path}/edit", opened_by(ORGANIZER), {"place": "Зала"})
        moved = await post_json(
            base, f"{path}/reschedule", opened_by(ORGANIZER), {"starts": "2026-12-20 18:00"}
        )
        retitled = await post_json(
            base, f"{path}/edit", opened_by(ORGANIZER), {"titles": {"bg": "Обучение (проведено)"}}
        )

    assert placed == (422, {"error": "event_over"})
    assert moved == (422, {"error": "event_over"})
    assert retitled[0] == 200  # titles stay right in reports
    assert stored(sqlite_town, sqlite_town.past).title == {"bg": "Обучение (проведено)"}


async def test_bodies_that_are_not_json_or_too_big_are_refused_and_nothing_is_stored(
    sqlite_town: Town,
) -> None:
    init_data = opened_by(ORGANIZER)
    edit = f"/api/events/{sqlite_town.ours}/edit"
    async with console_at(sqlite_town.sessions) as base:
        broken = await call(base, "POST", "/api/events", init_data, body=b'{"titles": ')
        form = await call(base, "POST", edit, init_data, body=b"place=x", content_type="text/plain")
        huge = await call(
            base, "POST", edit, init_data, body=b'{"place": "' + b"x" * 70_000 + b'"}'
        )

    assert (broken[0], broken[2]) == (400, {"error": "malformed"})
    assert (form[0], form[2]) == (415, {"error": "json_only"})
    assert huge[0] == 413
    assert stored(sqlite_town, sqlite_town.ours).place == "Читалище „Родина“"
    assert last_entry(sqlite_town) is None


async def test_html_in_every_text_field_is_kept_as_text(sqlite_town: Town) -> None:
    script = "<script>alert(1)</script>"
    form = {
        **GOOD,
        "titles": {"bg": f"{script} Среща", "en": f"<b>{script}</b>", "tr": "<img src=x>"},
        "place": f"<a href='javascript:alert(1)'>{script}</a>",
    }
    async with console_at(sqlite_town.sessions) as base:
        made = (await post_json(base, "/api/events", opened_by(ORGANIZER), form))[1]
        shown = (await get(base, f"/api/events/{made['code']}", opened_by(ORGANIZER)))[2]

    assert shown["titles"] == form["titles"]
    assert shown["title"] == f"{script} Среща"  # data: the page shows it with textContent
    assert shown["place"] == form["place"]


ATTENDANCE_REFUSED = {
    "a day that is no day": ("?from=1.12.2026", 422, "bad_day"),
    "days the wrong way round": ("?from=2026-12-10&to=2026-12-01", 422, "days_swapped"),
    "days with no event": ("?from=2027-01-01&to=2027-01-31", 422, "no_events"),
}


@pytest.mark.parametrize(
    ("query", "status", "code"), ATTENDANCE_REFUSED.values(), ids=ATTENDANCE_REFUSED.keys()
)
async def test_an_attendance_list_of_nothing_is_refused_with_what_to_choose(
    sqlite_town: Town, query: str, status: int, code: str
) -> None:
    async with console_at(sqlite_town.sessions) as base:
        answer = await get(base, f"/api/events/attendance{query}", opened_by(ORGANIZER))

    assert (answer[0], answer[2]) == (status, {"error": code})
    assert last_entry(sqlite_town) is None


async def test_a_poster_needs_a_link_a_format_and_the_bots_username(sqlite_town: Town) -> None:
    path = f"/api/events/{sqlite_town.ours}/poster"
    async with console_at(sqlite_town.sessions) as base:
        svg = await get(base, f"{path}?link=card&format=svg", opened_by(CLERK))
        other = await get(base, f"{path}?link=map&format=png", opened_by(CLERK))
    async with console_at(sqlite_town.sessions, bot_username=None) as base:
        nameless = await get(base, f"{path}?link=card&format=png", opened_by(CLERK))
        detail = (await get(base, f"/api/events/{sqlite_town.ours}", opened_by(CLERK)))[2]

    assert (svg[0], svg[2]) == (400, {"error": "malformed"})
    assert (other[0], other[2]) == (400, {"error": "malformed"})
    assert (nameless[0], nameless[2]) == (503, {"error": "no_bot_username"})
    assert detail["links"] is None


# --- the bot's username -------------------------------------------------------------------------


@pytest.mark.parametrize("bot_username", [None, "set_in_settings_bot"])
async def test_the_bot_gives_the_console_its_username_once_at_start_up(
    sqlite_town: Town, telegram: FakeTelegram, bot_username: str | None
) -> None:
    settings = console_settings().model_copy(update={"bot_username": bot_username})
    bot = create_bot("42:TEST-console", telegram.url)
    try:
        app = await console_app(settings, sqlite_town.sessions, bot)
    finally:
        await bot.session.close()
    assert app is not None
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        init_data = opened_by(ORGANIZER, at=utcnow())  # the bot's clock is the real one
        links = [
            (await get(base, f"/api/events/{sqlite_town.ours}", init_data))[2]["links"]["card"]
            for _ in range(2)
        ]
    finally:
        await server.close()

    username = bot_username or "civic_feedback_test_bot"  # BOT_USERNAME, else Telegram's
    assert links == [f"https://t.me/{username}?start=ev_{sqlite_town.ours}"] * 2
    asked = [request for request in telegram.requests() if request.method == "getMe"]
    assert len(asked) == (0 if bot_username else 1)
