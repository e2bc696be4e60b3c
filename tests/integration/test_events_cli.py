"""``feedback-admin events``, run as organizers run it: the installed script in a subprocess.

Like tests/support/admin_cli.py: each run happens in ``tmp_path`` (no ``.env``) with its own
environment. ``events show`` and ``events qr`` ask the Bot API for the bot's username, so
those tests point ``TELEGRAM_API_URL`` at the fake Bot API on loopback, and run the CLI in
a worker thread so the fake keeps answering while the test waits.
"""

from __future__ import annotations

import html
import re
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from civic_feedback.core.event_schedule import FollowUpPolicy
from civic_feedback.services.notifications import claim_due
from civic_feedback.services.registrations import Registrar
from civic_feedback.storage.models import (
    Citizen,
    Event,
    EventState,
    Notification,
    NotificationKind,
    NotificationState,
    utcnow,
)
from tests.support.admin_cli import (
    BOT_TOKEN,
    Cli,
    events_cli,
    insert_event,
    no_traceback,
    run_cli,
    session_on,
    stored_event,
    table_row,
    telegram_for,
    the_error_line,
)
from tests.support.citizens import add_citizen
from tests.support.fake_telegram import FakeTelegram

BOT_USERNAME = "civic_feedback_test_bot"  # FakeTelegram's
REGISTRAR = Registrar(FollowUpPolicy())
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Far ahead, so that "upcoming" holds whenever the tests run.
STARTS, ENDS = "2030-12-03 18:00", "2030-12-03 20:00"


def svg_text(poster: Path) -> str:
    """The texts of an SVG poster, lines joined by spaces."""
    nodes = re.findall(r"<text[^>]*>([^<]*)</text>", poster.read_text(encoding="utf-8"))
    return " ".join(html.unescape(node) for node in nodes)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return events_cli(tmp_path)


@pytest.fixture
def cli_db(cli: Cli) -> Iterator[Session]:
    with session_on(cli) as session:
        yield session


@pytest.fixture
async def telegram(cli: Cli) -> AsyncIterator[FakeTelegram]:
    async with telegram_for(cli) as fake:
        yield fake


def add_event(cli: Cli, *options: str, title: str = "Кръгла маса за бюджета") -> str:
    """``events add`` with good defaults; returns the printed code."""
    run = cli(
        "events", "add", "--title", title, "--kind", "round_table",
        "--starts", STARTS, "--ends", ENDS, "--place", "Town hall", *options,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    no_traceback(run)
    found = re.search(r"Event ([a-z2-9]{8}) added", run.stdout)
    assert found is not None, run.stdout
    return found[1]


def citizens_register(session: Session, code: str, *telegram_ids: int) -> None:
    event = stored_event(session, code)
    for telegram_id in telegram_ids:
        citizen = add_citizen(session, telegram_id=telegram_id, language="bg")
        session.commit()
        REGISTRAR.register(session, citizen, event, event.starts_at - timedelta(days=5))
        session.commit()


# --- events add ---------------------------------------------------------------------------------


def test_events_add_prints_the_code_and_stores_the_event_in_the_deployments_time_zone(
    cli: Cli, cli_db: Session
) -> None:
    code = add_event(
        cli, "--municipality", "Sliven", "--capacity", "40", "--title-en", "Budget round table"
    )

    event = stored_event(cli_db, code)
    assert event.starts_at == datetime(2030, 12, 3, 16, 0, tzinfo=UTC)  # 18:00 in Sofia (EET)
    assert event.ends_at == datetime(2030, 12, 3, 18, 0, tzinfo=UTC)
    assert event.title == {"bg": "Кръгла маса за бюджета", "en": "Budget round table"}
    assert (event.kind, event.municipality, event.capacity) == ("round_table", "Sliven", 40)
    assert event.flow_id == "event-satisfaction"
    assert event.reminder_offsets == [24 * 3600, 3600]
    assert event.state == EventState.SCHEDULED


def test_events_add_reads_summer_time_and_explicit_offsets(cli: Cli, cli_db: Session) -> None:
    summer = add_event(cli, "--starts", "2030-07-01 18:00", "--ends", "2030-07-01T20:00")
    offset = add_event(cli, "--starts", "2030-12-03T18:00+01:00", "--ends", "2030-12-03 20:00")

    assert stored_event(cli_db, summer).starts_at == datetime(2030, 7, 1, 15, 0, tzinfo=UTC)
    assert stored_event(cli_db, offset).starts_at == datetime(2030, 12, 3, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reminders", "offsets"),
    [("2d,90s,90s", [2 * 86400, 90]), ("1m", [60]), ("", [])],
    ids=["dedup-and-sort", "one-minute", "none"],
)
def test_events_add_takes_the_reminders_as_durations(
    cli: Cli, cli_db: Session, reminders: str, offsets: list[int]
) -> None:
    code = add_event(cli, "--reminders", reminders)

    assert stored_event(cli_db, code).reminder_offsets == offsets


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--starts", "03.12.2030 18:00"], "--starts '03.12.2030 18:00' is not a date and time"),
        (["--starts", "2030-02-30 18:00"], "is not a date and time"),
        (["--ends", "2030-12-03 17:00"], "the end must be after the start"),
        (["--ends", STARTS], "the end must be after the start"),
        (["--flow", "no-such-form"], "no form 'no-such-form'"),
        (["--municipality", "Varna"], "unknown municipality 'Varna'; known: Sliven, Haskovo"),
        (["--reminders", "24x"], "--reminders: '24x' is not a duration"),
        (["--map-url", "javascript:alert(1)"], "the map link must be a web address"),
        (["--title", "   "], "the title must not be empty"),
    ],
    ids=[
        "bad-start",
        "no-such-day",
        "end-before-start",
        "end-at-start",
        "unknown-flow",
        "unknown-municipality",
        "bad-reminder",
        "bad-map-url",
        "empty-title",
    ],
)
def test_events_add_refuses_bad_input_in_one_line_and_stores_nothing(
    cli: Cli, cli_db: Session, options: list[str], says: str
) -> None:
    run = cli(
        "events", "add", "--title", "Кръгла маса", "--kind", "round_table",
        "--starts", STARTS, "--ends", ENDS, *options,
    )  # fmt: skip

    assert says in the_error_line(run)
    assert cli_db.exec(select(Event)).all() == []


def test_events_add_of_an_unknown_kind_is_a_usage_error_without_traceback(cli: Cli) -> None:
    run = cli(
        "events", "add", "--title", "X", "--kind", "party", "--starts", STARTS, "--ends", ENDS
    )

    no_traceback(run)
    assert run.returncode == 2
    assert "party" in run.stderr


# --- events list and cancel ---------------------------------------------------------------------


def test_events_list_shows_each_event_with_its_registrations(cli: Cli, cli_db: Session) -> None:
    full = insert_event(cli_db, "Full one", capacity=2, municipality="Haskovo")
    empty = insert_event(cli_db, "Empty one", municipality="Sliven")
    citizens_register(cli_db, full, 1, 2, 3)  # two places, one waiting
    event = stored_event(cli_db, full)
    first_citizen = cli_db.exec(select(Citizen).where(Citizen.telegram_id == 1)).one()
    REGISTRAR.check_in(cli_db, first_citizen, event, event.starts_at)
    cli_db.commit()

    run = cli("events", "list")

    assert run.returncode == 0, run.stderr
    header = table_row(run.stdout, "code")
    assert header[5:8] == ["registered", "waiting", "attended"]
    row = table_row(run.stdout, full)
    assert row[1:] == [
        "2030-12-03 18:00", "Full one", "round_table", "Haskovo", "2", "1", "1", "scheduled",
    ]  # fmt: skip
    assert table_row(run.stdout, empty)[5:] == ["0", "0", "0", "scheduled"]


def test_events_list_filters_upcoming_and_by_municipality(cli: Cli, cli_db: Session) -> None:
    future = insert_event(cli_db, "Future", municipality="Sliven")
    past = insert_event(
        cli_db, "Past", starts_at=datetime(2020, 1, 10, 8, 0, tzinfo=UTC), municipality="Sliven"
    )
    elsewhere = insert_event(cli_db, "Elsewhere", municipality="Haskovo")

    upcoming = cli("events", "list", "--upcoming").stdout
    in_sliven = cli("events", "list", "--municipality", "Sliven").stdout

    assert future in upcoming
    assert elsewhere in upcoming
    assert past not in upcoming
    assert future in in_sliven
    assert past in in_sliven  # without --upcoming, past events too
    assert elsewhere not in in_sliven


def test_events_list_without_events_says_so(cli: Cli) -> None:
    run = cli("events", "list")

    assert run.returncode == 0, run.stderr
    assert "No events." in run.stdout


def test_events_cancel_tells_the_registered_and_a_second_cancel_is_an_error(
    cli: Cli, cli_db: Session
) -> None:
    code = insert_event(cli_db, capacity=1)
    citizens_register(cli_db, code, 1, 2)  # one registered, one waiting: both are told

    first = cli("events", "cancel", code)
    second = cli("events", "cancel", code)

    assert first.returncode == 0, first.stderr
    assert f"Event {code} cancelled; 2 citizens will be told" in first.stdout
    assert f"event {code} is already cancelled" in the_error_line(second)
    assert stored_event(cli_db, code).state == EventState.CANCELLED
    cli_db.expire_all()
    notices = cli_db.exec(
        select(Notification).where(Notification.kind == NotificationKind.CANCELLED)
    ).all()
    assert len(notices) == 2


@pytest.mark.parametrize("command", ["cancel", "show"])
def test_an_unknown_event_code_is_one_clear_line(cli: Cli, command: str) -> None:
    run = cli("events", command, "abcdefgh", env={"BOT_TOKEN": BOT_TOKEN})

    assert "no event 'abcdefgh'" in the_error_line(run)


# --- events show and qr (they ask the Bot API for the bot's username) ---------------------------


async def test_events_show_prints_details_counts_and_the_three_links(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    code = insert_event(cli_db, capacity=1, title_en="Budget round table")
    citizens_register(cli_db, code, 1, 2)
    event = stored_event(cli_db, code)
    claim_due(cli_db, event.starts_at, lambda *_: False)  # the bot was down: both missed
    cli_db.commit()

    run = await run_cli(cli, "events", "show", code)

    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Кръгла маса за бюджета" in out
    assert "Budget round table" in out
    assert "2030-12-03 18:00 – 2030-12-03 20:00 (Europe/Sofia)" in out
    assert table_row(out, "reminders before start")[1] == "24h, 1h"
    assert table_row(out, "registered / waiting / attended")[1] == "1 / 1 / 0"
    assert table_row(out, "reminders sent / missed / uncertain")[1] == "0 / 2 / 0"
    for what, prefix in (("card", "ev"), ("checkin", "ci"), ("feedback", "fb")):
        link = f"https://t.me/{BOT_USERNAME}?start={prefix}_{code}"
        assert re.search(rf"^{what}:\s+{re.escape(link)}$", out, re.MULTILINE), out
    assert len(telegram.requests("getMe")) == 1
    missed = cli_db.exec(
        select(Notification).where(Notification.state == NotificationState.MISSED)
    ).all()
    assert len(missed) == 2


async def test_events_show_counts_reminders_and_invitations_left_sending_as_uncertain(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    now = utcnow()
    soon = insert_event(cli_db, "Скоро", starts_at=now + timedelta(minutes=10))
    over = insert_event(cli_db, "Вчера", starts_at=now - timedelta(hours=3))
    citizens_register(cli_db, soon, 1, 2)
    citizens_register(cli_db, over, 3)
    # The bot claimed what was due a minute ago and was killed before it heard back.
    claim_due(cli_db, now - timedelta(minutes=1), lambda *_: False)
    cli_db.commit()

    shown = {code: await run_cli(cli, "events", "show", code) for code in (soon, over)}

    out = shown[soon].stdout
    assert table_row(out, "reminders sent / missed / uncertain")[1] == "0 / 0 / 4"
    assert "may or may not have arrived, and are not sent again" in out
    out = shown[over].stdout
    assert table_row(out, "reminders sent / missed / uncertain")[1] == "0 / 2 / 0"
    assert table_row(out, "feedback invitations sent / uncertain")[1] == "0 / 1"


def test_events_show_without_a_bot_token_says_to_set_bot_token(cli: Cli, cli_db: Session) -> None:
    code = insert_event(cli_db)

    run = cli("events", "show", code)

    assert "BOT_TOKEN" in the_error_line(run)


def test_with_bot_username_links_and_posters_are_made_without_telegram(
    cli: Cli, cli_db: Session
) -> None:
    code = insert_event(cli_db)
    cli.env["BOT_USERNAME"] = "@smolyan_feedback_bot"  # no BOT_TOKEN, no Bot API at all
    poster = cli.cwd / "poster.svg"

    shown = cli("events", "show", code)
    printed = cli("events", "qr", code, "--what", "feedback", "-o", str(poster))

    assert shown.returncode == 0, shown.stderr
    assert f"https://t.me/smolyan_feedback_bot?start=ci_{code}" in shown.stdout
    assert printed.returncode == 0, printed.stderr
    svg = svg_text(poster)
    assert "Сканирайте, за да дадете мнение" in svg  # what scanning does, in DEFAULT_LANGUAGE
    assert "Кръгла маса за бюджета" in svg
    assert "Town hall · 03.12.2030 18:00" in svg  # where and when, in TIMEZONE
    assert f"https://t.me/smolyan_feedback_bot?start=fb_{code}" in svg


@pytest.mark.parametrize("name", ["smolyan", "@not a bot", "x" * 40 + "bot", "bot"])
def test_a_bot_username_that_cannot_be_one_is_one_line_naming_the_setting(
    cli: Cli, cli_db: Session, name: str
) -> None:
    code = insert_event(cli_db)

    run = cli("events", "show", code, env={"BOT_USERNAME": name})

    line = the_error_line(run)
    assert "BOT_USERNAME" in line
    assert "ending in bot" in line


def test_events_show_when_the_bot_api_cannot_be_reached_is_one_clear_line(
    cli: Cli, cli_db: Session
) -> None:
    code = insert_event(cli_db)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    run = cli(
        "events", "show", code,
        env={"BOT_TOKEN": BOT_TOKEN, "TELEGRAM_API_URL": f"http://127.0.0.1:{closed_port}"},
    )  # fmt: skip

    assert "cannot ask Telegram for the bot's name" in the_error_line(run)


async def test_events_qr_writes_a_printable_png_poster_of_the_chosen_link(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    code = insert_event(cli_db)
    poster = cli.cwd / "poster.png"

    run = await run_cli(cli, "events", "qr", code, "--what", "checkin", "-o", str(poster))

    assert run.returncode == 0, run.stderr
    assert f"https://t.me/{BOT_USERNAME}?start=ci_{code}" in run.stdout
    data = poster.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    image = pytest.importorskip("PIL.Image")
    with image.open(poster) as opened:
        width, height = opened.size
    assert width > 1000
    assert height > width  # A5 portrait


async def test_events_qr_writes_an_svg_poster_of_the_event_card_by_default(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    code = insert_event(cli_db)
    poster = cli.cwd / "poster.svg"

    run = await run_cli(cli, "events", "qr", code, "-o", str(poster))

    assert run.returncode == 0, run.stderr
    assert f"https://t.me/{BOT_USERNAME}?start=ev_{code}" in run.stdout
    text = poster.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml")
    assert "<svg" in text
    assert "Сканирайте, за да се регистрирате" in svg_text(
        poster
    )  # the card is where people register


@pytest.mark.parametrize("name", ["poster.gif", "poster", "poster.png.txt"])
def test_events_qr_refuses_other_formats_before_asking_telegram(
    cli: Cli, cli_db: Session, name: str
) -> None:
    code = insert_event(cli_db)

    run = cli("events", "qr", code, "-o", name)

    assert "-o must end in .png, .svg, .pdf" in the_error_line(run)
    assert not (cli.cwd / name).exists()
