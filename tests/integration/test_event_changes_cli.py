"""``feedback-admin events edit`` and ``events reschedule``, run as organizers run them (the
in-process runner of tests/support/admin_cli.py), with the notification worker as
``feedback-bot`` runs it sending through the fake Bot API on loopback.

The commands use the real clock and the events are in 2030, so "ahead" holds whenever the
tests run; the worker's clock is set just after the command, when the notices are due.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy import func
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.callbacks import EventAction, EventCb
from civic_feedback.storage.audit import entries
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.events import registration_of
from civic_feedback.storage.models import (
    Citizen,
    Notification,
    NotificationKind,
    RegistrationStatus,
    utcnow,
)
from tests.support.admin_cli import (
    Cli,
    events_cli,
    insert_event,
    stored_event,
    the_error_line,
)
from tests.support.citizens import add_citizen
from tests.support.clock import FakeClock
from tests.support.databases import unit_sessions
from tests.support.events import REGISTRAR
from tests.support.fake_telegram import FakeTelegram
from tests.support.workers import BOT_TOKEN, new_worker

STARTS = datetime(2030, 12, 3, 16, 0, tzinfo=UTC)  # insert_event's: 18:00 in Sofia
LANGUAGES = {1001: "bg", 1002: "en", 1003: "tr"}
NEW_START = "--starts=2030-12-10 18:00"  # one argument, as click reads it


@pytest.fixture
def cli(tmp_path: Any) -> Cli:
    return events_cli(tmp_path)


@pytest.fixture
def sessions(cli: Cli) -> Iterator[sessionmaker[Session]]:
    """Sessions on the very database the CLI uses (the worker's, and the test's)."""
    engine = create_db_engine(cli.database_url)
    yield unit_sessions(engine)
    engine.dispose()


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    bot = Bot(BOT_TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


def registered(db: Session, code: str, languages: dict[int, str]) -> None:
    """Citizens register in this order, five days before the event."""
    event = stored_event(db, code)
    for telegram_id, language in languages.items():
        citizen = add_citizen(db, telegram_id=telegram_id, language=language)
        db.commit()
        REGISTRAR.register(db, citizen, event, event.starts_at - timedelta(days=5))
        db.commit()


def texts(telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [message.content for message in telegram.messages(chat_id)]


def status_of(db: Session, code: str, telegram_id: int) -> str | None:
    citizen = db.exec(select(Citizen).where(Citizen.telegram_id == telegram_id)).one()
    registration = registration_of(db, stored_event(db, code), citizen)
    return None if registration is None else registration.status


def snapshot(db: Session, code: str) -> tuple[Any, ...]:
    """What a refused command must leave as it was: the event, its rows, the audit log."""
    event = stored_event(db, code)
    rows = db.exec(select(func.count()).select_from(Notification)).one()
    return (
        event.title,
        event.place,
        event.capacity,
        event.municipality,
        event.reminder_offsets,
        event.starts_at,
        event.ends_at,
        event.sequence,
        rows,
        len(entries(db)),
    )


# --- reschedule ---------------------------------------------------------------------------------


async def test_a_reschedule_tells_each_citizen_once_in_their_language_however_often_run(
    cli: Cli, db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    code = insert_event(db, title_en="Budget round table", capacity=2)
    registered(db, code, LANGUAGES)  # the third waits

    first = cli("events", "reschedule", code, "--starts", "2030-12-10 18:00")
    second = cli("events", "reschedule", code, "--starts", "2030-12-10 18:00", "--ends", "20:00")
    third = cli("events", "reschedule", code, "--starts", "2030-12-10T18:00:00+02:00")
    worker = new_worker(bot, sessions, FakeClock(utcnow() + timedelta(minutes=1)))
    sent = [await worker.send_due(), await worker.send_due()]

    assert first.returncode == 0, first.stderr
    assert (
        f"Event {code} moved to 2030-12-10 18:00 – 2030-12-10 20:00 (Europe/Sofia); "
        "3 citizens will be told in Telegram." in first.stdout
    )
    assert "'20:00' is not a date and time" in the_error_line(second)
    assert third.returncode == 0, third.stderr
    assert f"Event {code} is at 2030-12-10 18:00 – 2030-12-10 20:00 (Europe/Sofia) already" in (
        third.stdout
    )
    assert sent == [3, 0]
    expected = {
        1001: "Нова дата и час за Кръгла маса за бюджета: 10 декември 2030, 18:00–20:00",
        1002: "New date and time for Budget round table: 10 December 2030, 18:00–20:00",
        1003: "Кръгла маса за бюджета için yeni tarih ve saat: 10 Aralık 2030, 18:00–20:00",
    }
    calendar = EventCb(action=EventAction.CALENDAR, code=code).pack()
    for chat_id, words in expected.items():
        (message,) = telegram.messages(chat_id)
        assert words in message.content
        (add_to_calendar,), (details,) = telegram.buttons(message)
        assert add_to_calendar[1] == calendar
        assert details[1] == EventCb(action=EventAction.CARD, code=code).pack()
    (entry,) = entries(db, action="event_reschedule")
    assert entry.subject == code
    assert entry.details["before"] == ["2030-12-03T16:00:00+00:00", "2030-12-03T18:00:00+00:00"]
    assert entry.details["after"] == ["2030-12-10T16:00:00+00:00", "2030-12-10T18:00:00+00:00"]
    assert entry.details["told"] == 3


async def test_a_notice_already_claimed_is_not_sent_again_by_a_worker_restarted_on_it(
    cli: Cli, db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    code = insert_event(db)
    registered(db, code, {1001: "bg"})
    cli("events", "reschedule", code, "--starts", "2030-12-10 18:00")
    after = FakeClock(utcnow() + timedelta(minutes=1))

    assert await new_worker(bot, sessions, after).send_due() == 1
    assert await new_worker(bot, sessions, after).send_due() == 0  # a new process, same rows

    assert len(texts(telegram, 1001)) == 1


def test_a_reschedule_replans_the_reminders_and_the_invitation(cli: Cli, db: Session) -> None:
    code = insert_event(db)
    registered(db, code, {1001: "bg"})

    run = cli(
        "events", "reschedule", code, "--starts", "2030-12-10 10:00", "--ends", "2030-12-10 13:30"
    )

    assert run.returncode == 0, run.stderr
    db.expire_all()
    plan = sorted(
        (n.kind, n.offset_seconds, n.due_at)
        for n in db.exec(select(Notification).where(Notification.state == "pending"))
        if n.kind != NotificationKind.RESCHEDULED
    )
    new_start = datetime(2030, 12, 10, 8, 0, tzinfo=UTC)
    assert plan == [
        ("invitation", 0, datetime(2030, 12, 10, 11, 30, tzinfo=UTC) + timedelta(minutes=30)),
        ("reminder", 3600, new_start - timedelta(hours=1)),
        ("reminder", 86400, new_start - timedelta(hours=24)),
    ]


@pytest.mark.parametrize(
    ("arrange", "args", "says"),
    [
        ("unknown", [NEW_START], "no event 'abcdefgh'"),
        (
            "",
            ["--starts", "10.12.2030 18:00"],
            "--starts '10.12.2030 18:00' is not a date and time",
        ),
        ("", [NEW_START, "--ends", "2030-12-10 17:00"], "the new end must be after the new start"),
        ("", ["--starts", "2020-12-10 18:00"], "the new start is in the past"),
        ("cancel", [NEW_START], "is cancelled: it cannot be rescheduled"),
        ("over", [NEW_START], "is over: it cannot be rescheduled"),
    ],
    ids=["unknown-code", "bad-time", "end-before-start", "past", "cancelled", "over"],
)
def test_a_refused_reschedule_is_one_line_and_changes_nothing(
    cli: Cli, db: Session, arrange: str, args: list[str], says: str
) -> None:
    starts_at = datetime(2020, 1, 10, 8, 0, tzinfo=UTC) if arrange == "over" else STARTS
    code = insert_event(db, starts_at=starts_at)
    registered(db, code, {1001: "bg"} if arrange != "over" else {})
    if arrange == "cancel":
        assert cli("events", "cancel", code).returncode == 0
    before = snapshot(db, code)

    run = cli("events", "reschedule", "abcdefgh" if arrange == "unknown" else code, *args)

    assert says in the_error_line(run)
    assert snapshot(db, code) == before


# --- edit ---------------------------------------------------------------------------------------


async def test_a_new_place_is_told_once_in_each_language_and_audited(
    cli: Cli, db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    code = insert_event(db, title_en="Budget round table")
    registered(db, code, {1001: "bg", 1002: "en"})

    first = cli("events", "edit", code, "--place", "Читалище „Зора“, зала 1")
    again = cli("events", "edit", code, "--place", "Читалище „Зора“, зала 1")
    worker = new_worker(bot, sessions, FakeClock(utcnow() + timedelta(minutes=1)))
    sent = [await worker.send_due(), await worker.send_due()]

    assert first.returncode == 0, first.stderr
    assert f"Event {code} changed: place." in first.stdout
    assert "2 citizens will be told of the new place in Telegram." in first.stdout
    assert f"Nothing to change: event {code} already has these details." in again.stdout
    assert sent == [2, 0]
    (bg,) = texts(telegram, 1001)
    (en,) = texts(telegram, 1002)
    assert "Ново място за Кръгла маса за бюджета: Читалище „Зора“, зала 1." in bg
    assert "3 декември 2030, 18:00–20:00" in bg
    assert "New place for Budget round table: Читалище „Зора“, зала 1." in en
    (entry,) = entries(db, action="event_edit")
    assert entry.details["changes"] == {"place": ["Town hall", "Читалище „Зора“, зала 1"]}
    assert stored_event(db, code).sequence == 1


def test_edit_changes_titles_municipality_and_reminders_given_and_nothing_else(
    cli: Cli, db: Session
) -> None:
    code = insert_event(db, title_en="Budget round table", capacity=30)

    run = cli(
        "events", "edit", code, "--title-tr", "Bütçe yuvarlak masası",
        "--municipality", "Haskovo", "--reminders", "2d,2h",
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    assert f"Event {code} changed: title, municipality, reminders." in run.stdout
    event = stored_event(db, code)
    assert event.title == {
        "bg": "Кръгла маса за бюджета",
        "en": "Budget round table",
        "tr": "Bütçe yuvarlak masası",
    }
    assert (event.municipality, event.reminder_offsets) == ("Haskovo", [2 * 86400, 2 * 3600])
    assert (event.place, event.capacity, event.starts_at) == ("Town hall", 30, STARTS)


def test_more_places_move_the_waiting_list_up_and_say_how_many(cli: Cli, db: Session) -> None:
    code = insert_event(db, capacity=1)
    registered(db, code, LANGUAGES)  # one place, two waiting

    run = cli("events", "edit", code, "--capacity", "none")

    assert run.returncode == 0, run.stderr
    assert "2 citizens moved up from the waiting list; they will be told in Telegram." in run.stdout
    assert {status_of(db, code, t) for t in LANGUAGES} == {RegistrationStatus.REGISTERED}
    (entry,) = entries(db, action="event_edit")
    assert entry.details == {"changes": {"capacity": [1, None]}, "promoted": 2, "told": 0}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--capacity", "2"], "3 citizens have a place at {code}, more than 2"),
        (["--capacity", "forty"], "--capacity 'forty' is not a number of places"),
        (["--capacity", "0"], "a capacity is at least 1 place"),
        (["--title", "  "], "the title (bg) must not be empty"),
        (["--place", ""], "the place must not be empty"),
        (["--municipality", "Varna"], "unknown municipality 'Varna'; known: Sliven, Haskovo"),
        (["--reminders", "1 day"], "--reminders: '1 day' is not a duration"),
        ([], "say what to change: --title, --title-en"),
    ],
    ids=[
        "below-registered",
        "bad-capacity",
        "no-places",
        "empty-title",
        "empty-place",
        "unknown-municipality",
        "bad-reminders",
        "nothing-given",
    ],
)
def test_a_refused_edit_is_one_line_and_changes_nothing(
    cli: Cli, db: Session, args: list[str], says: str
) -> None:
    code = insert_event(db, capacity=3)
    registered(db, code, {**LANGUAGES, 1004: "bg"})  # three places taken, one waiting
    before = snapshot(db, code)

    run = cli("events", "edit", code, *args)

    assert says.format(code=code) in the_error_line(run)
    assert snapshot(db, code) == before


def test_editing_a_cancelled_or_unknown_event_is_one_line(cli: Cli, db: Session) -> None:
    code = insert_event(db)
    cli("events", "cancel", code)

    cancelled = cli("events", "edit", code, "--title", "Нов")
    unknown = cli("events", "edit", "abcdefgh", "--title", "Нов")

    assert f"event {code} is cancelled: it cannot be edited" in the_error_line(cancelled)
    assert "no event 'abcdefgh'" in the_error_line(unknown)
    assert stored_event(db, code).title == {"bg": "Кръгла маса за бюджета"}
