"""``feedback-admin events attendance``: the figures per event and the participants, against a
database built by hand so that every number is known, in XLSX and in CSV.

Three events: a round table in Sliven with a full house (two places, two walk-ins checked in,
one still waiting, one who gave up waiting), a training in Haskovo nobody checked in at, and
a cancelled meeting in Sliven the next year.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.audit import entries
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import Citizen
from tests.support.admin_cli import (
    BOM,
    Cli,
    events_cli,
    insert_event,
    session_on,
    stored_event,
    the_error_line,
)
from tests.support.consultations import citizen_of, insert_consultation, propose
from tests.support.events import REGISTRAR
from tests.support.keys import PSEUDONYM_KEY
from tests.support.workers import complete_event_form

NAMED = "Мария Иванова"  # agreed to be named, in a consultation's report only


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return events_cli(tmp_path)


@pytest.fixture
def db(cli: Cli) -> Iterator[Session]:
    with session_on(cli) as session:
        yield session


@pytest.fixture
def codes(db: Session) -> dict[str, str]:
    """The three events, built by hand; their codes by name."""
    runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
    table = insert_event(db, "Кръгла маса", capacity=2, municipality="Sliven")
    training = insert_event(
        db,
        "Обучение",
        starts_at=datetime(2030, 12, 20, 8, 0, tzinfo=UTC),
        municipality="Haskovo",
    )
    meeting = insert_event(
        db,
        "Среща",
        starts_at=datetime(2031, 1, 15, 16, 0, tzinfo=UTC),
        municipality="Sliven",
    )

    def person(telegram_id: int) -> Citizen:
        return citizen_of(db, telegram_id)

    def at(code: str, minutes: int = 0) -> Any:
        event = stored_event(db, code)
        return event, event.starts_at - timedelta(days=5) + timedelta(minutes=minutes)

    event, when = at(table)
    for minute, telegram_id in enumerate((1, 2, 3, 4)):  # 1, 2 get the places; 3, 4 wait
        REGISTRAR.register(db, person(telegram_id), event, when + timedelta(minutes=minute))
        db.commit()
    REGISTRAR.cancel(db, person(4), event, when + timedelta(hours=1))  # gives up waiting
    for telegram_id in (1, 5):  # 1 came as registered, 5 walked in
        REGISTRAR.check_in(db, person(telegram_id), event, event.starts_at)
    db.commit()
    complete_event_form(db, runs, person(1), event)
    complete_event_form(db, runs, person(5), event)
    runs.start(
        db.connection(), person(2), event.flow_id, language="bg", event_id=event.id
    )  # not finished
    db.commit()

    event, when = at(training)
    for telegram_id in (1, 6):
        REGISTRAR.register(db, person(telegram_id), event, when)
        db.commit()
    complete_event_form(db, runs, person(6), event)  # answered though nobody checked in

    event, when = at(meeting)
    REGISTRAR.register(db, person(2), event, when)
    REGISTRAR.cancel_event(db, event, when + timedelta(days=1))
    db.commit()

    consultation = insert_consultation(db)
    propose(db, consultation, 2, "Повече пейки", author_name=NAMED)
    return {"table": table, "training": training, "meeting": meeting}


def alias(telegram_id: int) -> str:
    return pseudonym(PSEUDONYM_KEY.encode(), telegram_id)


def sheet_rows(path: Path, name: str) -> list[list[Any]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [list(row) for row in workbook[name].iter_rows(values_only=True)]
    finally:
        workbook.close()


def csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(BOM)
    return list(csv.reader(data[len(BOM) :].decode("utf-8").splitlines()))


FIGURES = ["registered", "waitlisted", "checked_in", "feedback_responses"]


def test_the_workbook_has_each_events_figures_and_its_participants_as_pseudonyms(
    cli: Cli, db: Session, codes: dict[str, str]
) -> None:
    output = cli.cwd / "attendance.xlsx"

    run = cli("events", "attendance", "-o", str(output))

    assert run.returncode == 0, run.stderr
    assert "3 events and 7 participants written to" in run.stdout
    header, *events = sheet_rows(output, "events")
    assert header == [
        "code", "title", "kind", "municipality", "starts_at", "ends_at", "place", "state",
        "capacity", *FIGURES,
    ]  # fmt: skip
    assert events == [
        [
            codes["table"], "Кръгла маса", "round_table", "Sliven", "2030-12-03T18:00:00+02:00",
            "2030-12-03T20:00:00+02:00", "Town hall", "scheduled", 2, 3, 1, 2, 2,
        ],
        [
            codes["training"], "Обучение", "round_table", "Haskovo", "2030-12-20T10:00:00+02:00",
            "2030-12-20T12:00:00+02:00", "Town hall", "scheduled", None, 2, 0, 0, 1,
        ],
        [
            codes["meeting"], "Среща", "round_table", "Sliven", "2031-01-15T18:00:00+02:00",
            "2031-01-15T20:00:00+02:00", "Town hall", "cancelled", None, 1, 0, 0, 0,
        ],
    ]  # fmt: skip
    assert sheet_rows(output, "participants") == [
        ["event_code", "participant", "status"],
        [codes["table"], alias(1), "checked_in"],
        [codes["table"], alias(2), "registered"],
        [codes["table"], alias(3), "waitlisted"],
        [codes["table"], alias(5), "checked_in"],
        [codes["training"], alias(1), "registered"],
        [codes["training"], alias(6), "registered"],
        [codes["meeting"], alias(2), "registered"],
    ]
    workbook = load_workbook(output)
    assert [workbook[name].freeze_panes for name in ("events", "participants")] == ["A2", "A2"]
    assert workbook["participants"]["A1"].font.b  # the header row is bold
    (entry,) = entries(db, action="attendance_export")
    assert entry.details == {"events": list(codes.values()), "participants": 7}


def test_nobody_is_named_not_even_who_agreed_to_be_named_elsewhere(
    cli: Cli, codes: dict[str, str]
) -> None:
    workbook, table = cli.cwd / "attendance.xlsx", cli.cwd / "attendance.csv"

    cli("events", "attendance", "-o", str(workbook))
    cli("events", "attendance", "-o", str(table))

    cells = [
        str(cell)
        for name in ("events", "participants")
        for row in sheet_rows(workbook, name)
        for cell in row
    ]
    texts = table.read_text("utf-8-sig") + (cli.cwd / "attendance-participants.csv").read_text(
        "utf-8-sig"
    )
    for found in (" ".join(cells), texts):
        assert NAMED not in found
        assert alias(2) in found  # the same person, as a pseudonym only


def test_the_csv_is_two_files_in_utf8_with_a_byte_order_mark(
    cli: Cli, codes: dict[str, str]
) -> None:
    output = cli.cwd / "attendance.csv"

    run = cli("events", "attendance", codes["training"], codes["table"], "-o", str(output))

    assert run.returncode == 0, run.stderr
    assert "attendance.csv and" in run.stdout
    header, *events = csv_rows(output)
    figures = [header.index(name) for name in FIGURES]
    assert [(row[0], row[1], [row[i] for i in figures]) for row in events] == [
        (codes["table"], "Кръгла маса", ["3", "1", "2", "2"]),
        (codes["training"], "Обучение", ["2", "0", "0", "1"]),
    ]
    people = csv_rows(cli.cwd / "attendance-participants.csv")
    assert people[0] == ["event_code", "participant", "status"]
    assert len(people) == 1 + 6


@pytest.mark.parametrize(
    ("options", "chosen"),
    [
        (["--from", "2030-12-04"], ["training", "meeting"]),
        (["--to", "2030-12-20"], ["table", "training"]),  # the whole day in TIMEZONE
        (["--from", "2030-12-03", "--to", "2030-12-03"], ["table"]),
        (["--municipality", "Sliven"], ["table", "meeting"]),
        (["--municipality", "Sliven", "--to", "2030-12-31"], ["table"]),
    ],
    ids=["from", "to", "one-day", "municipality", "municipality-and-to"],
)
def test_events_are_chosen_by_the_day_they_start_and_by_municipality(
    cli: Cli, codes: dict[str, str], options: list[str], chosen: list[str]
) -> None:
    output = cli.cwd / "attendance.csv"

    run = cli("events", "attendance", *options, "-o", str(output))

    assert run.returncode == 0, run.stderr
    assert [row[0] for row in csv_rows(output)[1:]] == [codes[name] for name in chosen]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["abcdefgh"], "no event 'abcdefgh'"),
        (["--from", "04.12.2030"], "--from '04.12.2030' is not a day"),
        (["--from", "2030-12-05", "--to", "2030-12-04"], "--from 2030-12-05 is after --to"),
        (["--municipality", "Varna"], "unknown municipality 'Varna'"),
        (["--from", "2040-01-01"], "no event matches"),
    ],
    ids=["unknown-code", "bad-day", "from-after-to", "unknown-municipality", "none-match"],
)
def test_bad_input_is_one_line_and_writes_no_file(
    cli: Cli, db: Session, codes: dict[str, str], options: list[str], says: str
) -> None:
    output = cli.cwd / "attendance.xlsx"

    run = cli("events", "attendance", *options, "-o", str(output))

    assert says in the_error_line(run)
    assert not output.exists()
    assert entries(db, action="attendance_export") == []


def test_only_xlsx_or_csv_is_written(cli: Cli) -> None:
    run = cli("events", "attendance", "-o", "attendance.pdf")

    assert "-o must end in .xlsx or .csv" in the_error_line(run)
