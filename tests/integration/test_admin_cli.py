"""The real ``feedback-admin`` console script, run as organizers run it.

Each test runs the installed script in a subprocess, in ``tmp_path`` (so no ``.env`` is
read) with an environment of its own: a SQLite file there, the test pseudonym key and a
time zone. Errors must be one line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select
from typer.core import TyperGroup
from typer.testing import CliRunner

from civic_feedback.admin_cli import database as admin_database
from civic_feedback.admin_cli.app import app
from civic_feedback.core.form_windows import FormWindow
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows import library as flow_library
from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.flows.loader import load_flow_file, load_flow_text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.events import add_event
from civic_feedback.storage.flow_versions import (
    FlowCatalog,
    form_window,
    install_library,
    publish_flow,
)
from civic_feedback.storage.models import AuditEntry, Event, EventKind, utcnow
from tests.support.admin_cli import (
    BOM,
    Cli,
    cli_in,
    low_rating_answered,
    no_traceback,
    session_on,
    table_row,
    the_error_line,
)
from tests.support.citizens import add_citizen
from tests.support.databases import migrated_sqlite
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

EVENT_SATISFACTION = Path(str(resources.files(flow_library) / "event-satisfaction.yaml"))

DEMO = """\
id: demo
title: {bg: "Обратна връзка", en: "Feedback"}
languages: [bg, en]
questions:
  - id: overall
    type: rating
    text: {bg: "Как оценявате събитието?", en: "How was the event?"}
"""
DEMO_EDITED = DEMO.replace("How was the event?", "How was the meeting?")

# Three problems: a bad scale, a misspelt reference, a missing English text.
BAD = """\
id: demo
title: {bg: "Обратна връзка", en: "Feedback"}
languages: [bg, en]
questions:
  - id: overall
    type: rating
    scale: 11
    text: {bg: "Как?", en: "How?"}
  - id: improve
    type: text
    when: {ovrall: {max: 3}}
    text: {bg: "Какво?"}
"""


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return cli_in(tmp_path)


@pytest.fixture
def upgraded(cli: Cli) -> Cli:
    """The CLI on a database already brought to the latest schema."""
    migrated_sqlite(cli.cwd / "feedback.db")
    return cli


@pytest.fixture
def cli_db(upgraded: Cli) -> Iterator[Session]:
    with session_on(upgraded) as session:
        yield session


def command_paths() -> list[list[str]]:
    """Every group and command of the app, e.g. ['flows', 'publish']."""
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def read_csv_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


# --- help ----------------------------------------------------------------------------------


def test_every_command_has_help() -> None:
    paths = command_paths()
    assert ["flows", "publish"] in paths
    assert ["export"] in paths

    # Typer's runner: the installed console script runs in tests/integration/test_first_run.py.
    runs = [CliRunner().invoke(app, [*path, "--help"]) for path in paths]

    failures = [
        f"feedback-admin {' '.join(path)} --help: exit {run.exit_code}\n{run.output}"
        for path, run in zip(paths, runs, strict=True)
        if run.exit_code != 0 or "Usage" not in run.output or run.exception is not None
    ]
    assert failures == []


# --- flows validate ----------------------------------------------------------------------


def test_flows_validate_accepts_a_good_file(cli: Cli) -> None:
    (cli.cwd / "demo.yaml").write_text(DEMO, encoding="utf-8")

    run = cli("flows", "validate", "demo.yaml", str(EVENT_SATISFACTION))

    assert run.returncode == 0, run.stderr
    assert "demo: 1 questions" in run.stdout
    assert "event-satisfaction: 6 questions" in run.stdout


def test_flows_validate_lists_every_problem_of_a_bad_file_as_file_line_path_message(
    cli: Cli,
) -> None:
    (cli.cwd / "bad.yaml").write_text(BAD, encoding="utf-8")

    run = cli("flows", "validate", "bad.yaml")

    no_traceback(run)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "bad.yaml:5: questions[0]: scale must be between 3 and 10, not 11",
        "bad.yaml:11: questions[1].when: 'ovrall' is not an earlier question",
        "bad.yaml:12: questions[1].text: missing text for language en",
    ]


def test_flows_validate_of_a_missing_file_is_one_line(cli: Cli) -> None:
    run = cli("flows", "validate", "missing.yaml")

    assert the_error_line(run).startswith("missing.yaml:1: ")
    assert run.returncode == 1


# --- flows publish and list --------------------------------------------------------------


def test_flows_publish_makes_a_new_version_only_when_the_content_changed(cli: Cli) -> None:
    flow_file = cli.cwd / "demo.yaml"
    flow_file.write_text(DEMO, encoding="utf-8")
    upgrade = cli("db", "upgrade")

    first = cli("flows", "publish", "demo.yaml")
    again = cli("flows", "publish", "demo.yaml")
    flow_file.write_text(DEMO_EDITED, encoding="utf-8")
    edited = cli("flows", "publish", "demo.yaml")

    assert [run.returncode for run in (upgrade, first, again, edited)] == [0, 0, 0, 0]
    assert "up to date" in upgrade.stdout
    assert first.stdout.strip() == "demo version 1 (published)"
    assert again.stdout.strip() == "demo version 1 (unchanged)"
    assert edited.stdout.strip() == "demo version 2 (published)"


def test_flows_publish_publishes_nothing_when_one_file_is_bad(upgraded: Cli) -> None:
    (upgraded.cwd / "demo.yaml").write_text(DEMO, encoding="utf-8")
    (upgraded.cwd / "bad.yaml").write_text(BAD, encoding="utf-8")

    run = upgraded("flows", "publish", "demo.yaml", "bad.yaml")
    listing = upgraded("flows", "list")

    no_traceback(run)
    assert run.returncode == 1
    assert "demo version" not in run.stdout
    assert "No forms are published yet." in listing.stdout


def test_flows_list_shows_the_published_forms(upgraded: Cli, cli_db: Session) -> None:
    publish_flow(cli_db, load_flow_text(DEMO))
    cli_db.commit()
    publish_flow(cli_db, load_flow_file(EVENT_SATISFACTION), listed=False)
    cli_db.commit()

    run = upgraded("flows", "list")

    assert run.returncode == 0, run.stderr
    cells = [line.split()[1::2] for line in run.stdout.splitlines() if line.startswith("│")]
    assert [row[:4] for row in cells] == [
        ["demo", "1", "yes", "0"],  # form, version, in /feedback, responses
        ["event-satisfaction", "1", "no", "0"],
    ]


# --- when forms take answers: publish --opens/--closes, open, close -----------------------


def audit_log(cli: Cli) -> list[AuditEntry]:
    with session_on(cli) as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def stored_window(cli: Cli, flow_id: str) -> FormWindow | None:
    with session_on(cli) as session:
        return form_window(session, flow_id)


def open_cell(cli: Cli, flow_id: str) -> str:
    """The "open" column of `flows list` for one form."""
    listing = cli("flows", "list")
    assert listing.returncode == 0, listing.stderr
    return table_row(listing.stdout, flow_id)[-1]


def test_flows_publish_with_opens_and_closes_sets_the_window_without_a_new_version(
    upgraded: Cli,
) -> None:
    (upgraded.cwd / "demo.yaml").write_text(DEMO, encoding="utf-8")
    first = upgraded("flows", "publish", "demo.yaml")

    windowed = upgraded(
        "flows", "publish", "demo.yaml", "--opens", "2030-12-03 18:00", "--closes", "2030-12-05"
    )

    assert windowed.returncode == 0, windowed.stderr
    assert first.stdout.strip() == "demo version 1 (published)"
    assert windowed.stdout.splitlines() == [
        "demo version 1 (unchanged)",
        "  demo opens 03.12.2030 18:00, closes 05.12.2030 24:00 (Europe/Sofia)",
    ]
    assert stored_window(upgraded, "demo") == FormWindow(
        datetime(2030, 12, 3, 16, 0, tzinfo=UTC),  # 18:00 in Sofia
        datetime(2030, 12, 5, 22, 0, tzinfo=UTC),  # the end of 5 December in Sofia
    )
    assert open_cell(upgraded, "demo") == "opens 03.12 18:00"
    (entry,) = audit_log(upgraded)
    assert (entry.action, entry.subject) == ("form_window", "demo")
    assert entry.details == {
        "opens": "2030-12-03T16:00:00+00:00",
        "closes": "2030-12-05T22:00:00+00:00",
    }


def test_flows_publish_takes_the_window_from_the_file_and_the_options_override_it(
    upgraded: Cli,
) -> None:
    windowed = DEMO + "opens: 2030-12-01\ncloses: 2030-12-10 12:00\n"
    (upgraded.cwd / "demo.yaml").write_text(windowed, encoding="utf-8")

    run = upgraded("flows", "publish", "demo.yaml", "--closes", "2030-12-20T12:00+00:00")

    assert run.returncode == 0, run.stderr
    assert stored_window(upgraded, "demo") == FormWindow(
        datetime(2030, 11, 30, 22, 0, tzinfo=UTC),  # the start of 1 December in Sofia
        datetime(2030, 12, 20, 12, 0, tzinfo=UTC),
    )
    (upgraded.cwd / "demo.yaml").write_text(DEMO, encoding="utf-8")
    again = upgraded("flows", "publish", "demo.yaml")  # a file that says nothing: unchanged
    assert again.stdout.strip() == "demo version 1 (unchanged)"
    assert stored_window(upgraded, "demo") is not None
    assert [entry.action for entry in audit_log(upgraded)] == ["form_window"]


def test_flows_publish_refuses_an_option_that_closes_the_form_before_the_file_opens_it(
    upgraded: Cli,
) -> None:
    (upgraded.cwd / "demo.yaml").write_text(DEMO + "opens: 2030-12-10\n", encoding="utf-8")

    run = upgraded("flows", "publish", "demo.yaml", "--closes", "2030-12-09")

    assert the_error_line(run) == (
        "error: demo would close (09.12.2030 24:00) before it opens (10.12.2030 00:00)"
    )
    assert "No forms are published yet." in upgraded("flows", "list").stdout


def test_flows_validate_reports_a_closing_before_the_opening_as_file_line_path_message(
    cli: Cli,
) -> None:
    text = DEMO + "opens: 2030-12-10 18:00\ncloses: 2030-12-10 09:00\n"
    (cli.cwd / "demo.yaml").write_text(text, encoding="utf-8")

    run = cli("flows", "validate", "demo.yaml")

    no_traceback(run)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "demo.yaml:9: closes: must be after opens: the form would close before it opens"
    ]


def test_flows_close_open_and_close_at_a_time_change_the_list_and_the_audit_log(
    upgraded: Cli, cli_db: Session
) -> None:
    publish_flow(cli_db, load_flow_text(DEMO))
    cli_db.commit()
    before = utcnow()

    closed = upgraded("flows", "close", "demo")
    closed_cell = open_cell(upgraded, "demo")
    reopened = upgraded("flows", "open", "demo")
    open_again = open_cell(upgraded, "demo")
    later = upgraded("flows", "close", "demo", "--at", "2030-12-05 12:00")

    assert [run.returncode for run in (closed, reopened, later)] == [0, 0, 0]
    assert closed.stdout.startswith("demo is closed since ")
    assert re.fullmatch(r"closed \d\d\.\d\d \d\d:\d\d", closed_cell)
    assert reopened.stdout.strip() == "demo is open now, with no closing time."
    assert open_again == "open"
    assert later.stdout.strip() == "demo closes at 05.12.2030 12:00 (Europe/Sofia)."
    assert open_cell(upgraded, "demo") == "open until 05.12 12:00"
    log = audit_log(upgraded)
    assert [(entry.action, entry.subject) for entry in log] == [
        ("form_close", "demo"),
        ("form_open", "demo"),
        ("form_close", "demo"),
    ]
    closed_at = datetime.fromisoformat(log[0].details["closes"])
    assert before <= closed_at <= utcnow()
    assert log[1].details == {"opens": None, "closes": None}
    assert log[2].details == {"opens": None, "closes": "2030-12-05T10:00:00+00:00"}


def test_flows_open_drops_a_future_opening_and_keeps_a_future_closing(
    upgraded: Cli, cli_db: Session
) -> None:
    window = FormWindow(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC))
    publish_flow(cli_db, load_flow_text(DEMO), window=window)
    cli_db.commit()

    run = upgraded("flows", "open", "demo")

    assert run.stdout.strip() == "demo is open now, until 01.02.2030 02:00 (Europe/Sofia)."
    assert stored_window(upgraded, "demo") == FormWindow(None, datetime(2030, 2, 1, tzinfo=UTC))
    assert open_cell(upgraded, "demo") == "open until 01.02 02:00"


def test_flows_open_of_a_form_already_open_changes_nothing(upgraded: Cli, cli_db: Session) -> None:
    publish_flow(cli_db, load_flow_text(DEMO))
    cli_db.commit()

    run = upgraded("flows", "open", "demo")

    assert run.stdout.strip() == "demo is open now, with no closing time."
    assert audit_log(upgraded) == []


def test_flows_close_at_a_time_before_a_future_opening_is_refused(
    upgraded: Cli, cli_db: Session
) -> None:
    window = FormWindow(opens_at=datetime(2030, 12, 10, 16, 0, tzinfo=UTC))
    publish_flow(cli_db, load_flow_text(DEMO), window=window)
    cli_db.commit()

    run = upgraded("flows", "close", "demo", "--at", "2030-12-09")

    assert the_error_line(run) == (
        "error: demo opens at 10.12.2030 18:00, after --at: it would never open; "
        "choose a later time, or close it now"
    )
    assert stored_window(upgraded, "demo") == window


@pytest.mark.parametrize("command", [["close", "no-such-form"], ["open", "no-such-form"]])
def test_flows_open_or_close_of_an_unknown_form_is_one_line_pointing_to_flows_list(
    upgraded: Cli, command: list[str]
) -> None:
    run = upgraded("flows", *command)

    assert the_error_line(run) == ("error: no form 'no-such-form': see `feedback-admin flows list`")
    assert audit_log(upgraded) == []


@pytest.mark.parametrize(
    "args",
    [["close", "demo", "--at", "soon"], ["publish", "demo.yaml", "--opens", "next week"]],
)
def test_an_unreadable_time_for_a_window_is_one_line(upgraded: Cli, args: list[str]) -> None:
    (upgraded.cwd / "demo.yaml").write_text(DEMO, encoding="utf-8")

    run = upgraded("flows", *args)

    assert "is not a date and time; write e.g. 2026-12-03 18:00" in the_error_line(run)


# --- flows preview -----------------------------------------------------------------------


def test_flows_preview_asks_every_question_and_asks_again_after_a_wrong_answer(
    cli: Cli,
) -> None:
    answers = ["9", "4", "10", "information,discussion", "5", "-"]  # 9 is out of range

    run = cli(
        "flows",
        "preview",
        "event-satisfaction",
        "--lang",
        "en",
        stdin="\n".join(answers) + "\n",
    )

    no_traceback(run)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("How would you rate the event overall?") == 2
    assert "Please send a number from 1 to 5." in run.stdout
    assert "What could we do better next time?" not in run.stdout  # overall 4 hides it
    assert "Thank you for your time!" in run.stdout
    assert "End of the form." in run.stdout


def test_flows_preview_of_an_unknown_form_is_one_line(cli: Cli) -> None:
    run = cli("flows", "preview", "no-such-form")

    assert "no-such-form" in the_error_line(run)


# --- export ------------------------------------------------------------------------------


def test_export_of_a_form_without_responses_writes_an_empty_json_list(
    upgraded: Cli, cli_db: Session
) -> None:
    publish_flow(cli_db, load_flow_file(EVENT_SATISFACTION))
    cli_db.commit()

    run = upgraded("export", "--flow", "event-satisfaction", "--format", "json", "-o", "out.json")

    assert run.returncode == 0, run.stderr
    assert json.loads((upgraded.cwd / "out.json").read_text(encoding="utf-8")) == []


def test_export_csv_starts_with_a_bom_so_excel_reads_cyrillic(
    upgraded: Cli, cli_db: Session
) -> None:
    publish_flow(cli_db, load_flow_file(EVENT_SATISFACTION))
    cli_db.commit()
    low_rating_answered(cli_db, 424242, comment="Залата беше студена")

    run = upgraded("export", "--flow", "event-satisfaction", "-o", "out.csv")

    assert run.returncode == 0, run.stderr
    raw = (upgraded.cwd / "out.csv").read_bytes()
    assert raw.startswith(BOM + b"response_id,")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1
    assert rows[0]["comment"] == "Залата беше студена"
    assert rows[0]["most_useful"] == "discussion"
    assert rows[0]["respondent"] == pseudonym(PSEUDONYM_KEY.encode(), 424242)
    assert "424242" not in raw.decode("utf-8-sig")


def test_export_reads_the_sqlite_file_without_mapping_it_into_memory(
    upgraded: Cli, cli_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export reads every row once: mapped, the whole file would count as its memory."""
    publish_flow(cli_db, load_flow_file(EVENT_SATISFACTION))
    cli_db.commit()
    low_rating_answered(cli_db, 424242, comment="Залата беше студена")
    mapped: list[int] = []

    def engine_noting_mmap(url: str, **options: bool) -> Engine:
        engine = create_db_engine(url, **options)
        with engine.connect() as connection:
            mapped.append(connection.execute(text("PRAGMA mmap_size")).scalar_one())
        return engine

    monkeypatch.setattr(admin_database, "create_db_engine", engine_noting_mmap)
    for name, value in upgraded.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(upgraded.cwd)

    app(["export", "--flow", "event-satisfaction", "-o", "out.csv"], standalone_mode=False)

    assert mapped == [0]
    assert "Залата беше студена" in (upgraded.cwd / "out.csv").read_text(encoding="utf-8-sig")


def test_export_without_pseudonym_key_exits_2_naming_pseudonym_key(upgraded: Cli) -> None:
    run = upgraded(
        "export", "--flow", "event-satisfaction", "-o", "out.csv", env={"PSEUDONYM_KEY": None}
    )

    assert "PSEUDONYM_KEY" in the_error_line(run)
    assert run.returncode == 2
    assert not (upgraded.cwd / "out.csv").exists()


def test_export_of_an_unknown_form_is_one_clear_line(upgraded: Cli) -> None:
    run = upgraded("export", "--flow", "no-such-form", "-o", "out.csv")

    line = the_error_line(run)
    assert "no form 'no-such-form'" in line
    assert "flows list" in line


def test_export_of_an_event_needs_no_flow_and_writes_a_workbook(
    upgraded: Cli, cli_db: Session
) -> None:
    install_library(cli_db)
    cli_db.commit()
    event = add_event(
        cli_db,
        Event(
            code="",
            kind=EventKind.CONSULTATION,
            municipality="Хасково",
            title={"bg": "Консултация"},
            starts_at=utcnow(),
            ends_at=utcnow(),
            flow_id="event-satisfaction",
        ),
    )
    cli_db.commit()
    citizen = add_citizen(cli_db, telegram_id=424242, language="bg")
    cli_db.commit()
    steps: list[Step] = [
        Button("2"),
        Button("7"),
        1,
        Button("4"),
        Text("Залата беше студена"),
        Skip(),
    ]
    runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
    walk_form(cli_db, runs, citizen, "event-satisfaction", steps, language="bg", event_id=event.id)
    low_rating_answered(cli_db, 434343, comment="Без събитие")  # not about the event

    run = upgraded("export", "--event", event.code, "--format", "xlsx", "-o", "out.xlsx")

    assert run.returncode == 0, run.stderr
    assert "1 responses written to out.xlsx" in run.stderr
    sheet = load_workbook(upgraded.cwd / "out.xlsx").worksheets[0]
    header, values = sheet.iter_rows(values_only=True)  # the one response about the event
    exported = dict(zip(header, values, strict=True))
    assert sheet.title == "event-satisfaction"
    assert (exported["event_code"], exported["municipality"]) == (event.code, "Хасково")
    assert exported["comment"] == "Залата беше студена"


def test_export_with_telegram_ids_warns_that_the_file_holds_personal_data(
    upgraded: Cli, cli_db: Session
) -> None:
    install_library(cli_db)
    cli_db.commit()
    low_rating_answered(cli_db, 424242, comment="Залата беше студена")

    run = upgraded(
        "export", "--flow", "event-satisfaction", "--include-telegram-ids", "-o", "out.csv"
    )

    assert run.returncode == 0, run.stderr
    assert "warning: out.csv will hold Telegram ids" in run.stderr
    rows = list(csv.DictReader(io.StringIO(read_csv_text(upgraded.cwd / "out.csv"), newline="")))
    assert rows[0]["telegram_id"] == "424242"
    cli_db.expire_all()
    (entry,) = cli_db.exec(select(AuditEntry)).all()
    assert (entry.action, entry.subject) == ("export", "event-satisfaction")
    assert entry.details["telegram_ids"] is True
    assert entry.details["responses"] == 1


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--since", "16.11.2026"], "--since '16.11.2026' is not a day: write it as YYYY-MM-DD"),
        (["--until", "2026-02-30"], "--until '2026-02-30' is not a day"),
        (["--since", "2026-11-17", "--until", "2026-11-16"], "is after --until"),
        (["--event", "NOSUCH22"], "no event 'NOSUCH22': see `feedback-admin events list`"),
        ([], "say what to export: --flow FORM, or --event CODE"),
        (["--flow", "no-such-form", "--since", "2026-11-01"], "no form 'no-such-form'"),
    ],
    ids=["bad-since", "bad-until", "since-after-until", "unknown-event", "nothing", "no-form"],
)
def test_export_refuses_a_wrong_selection_in_one_line(
    upgraded: Cli, options: list[str], says: str
) -> None:
    run = upgraded("export", *options, "-o", "out.csv")

    assert says in the_error_line(run)
    assert not (upgraded.cwd / "out.csv").exists()


@pytest.mark.parametrize(
    ("database_url", "says"),
    [
        ("not a url", "DATABASE_URL"),
        ("sqlite:////no/such/folder/feedback.db", "cannot use the database"),
    ],
    ids=["malformed", "unopenable-file"],
)
def test_a_bad_database_url_is_one_clear_line(cli: Cli, database_url: str, says: str) -> None:
    run = cli("flows", "list", env={"DATABASE_URL": database_url})

    assert says in the_error_line(run)


# --- start-up ----------------------------------------------------------------------------


def test_feedback_admin_starts_without_loading_the_telegram_library(tmp_path: Path) -> None:
    # aiogram alone takes ~2.6 s to import: every command, even --help, would pay for it.
    probe = (
        "import sys, civic_feedback.admin_cli.__main__; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'aiogram'))"
    )

    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert run.stdout.strip() == "[]"
