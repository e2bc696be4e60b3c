"""The export as an Excel workbook, read back with openpyxl as Excel would open it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.engine import Button, Text
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.flows.schema import QuestionType
from civic_feedback.reports.export import ExportOptions, write_csv
from civic_feedback.reports.export_xlsx import write_xlsx
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.export_rows import (
    ExportColumn,
    ExportRow,
    export_columns,
    iter_export_rows,
)
from civic_feedback.storage.flow_versions import FlowCatalog, publish_flow
from tests.support.citizens import add_citizen
from tests.support.export_columns import FIXED
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

FLOW_ID = "municipal-budget-2027-public-consultation"  # 41 characters: longer than a sheet name
FLOW = f"""\
id: {FLOW_ID}
title: {{bg: "Бюджет 2027", en: "Budget 2027"}}
languages: [bg, en]
repeatable: true
questions:
  - {{id: score, type: rating, text: {{bg: "Оценка?", en: "Score?"}}}}
  - {{id: agree, type: yes_no, text: {{bg: "Съгласни ли сте?", en: "Agree?"}}}}
  - {{id: note, type: text, text: {{bg: "Бележка?", en: "Note?"}}}}
"""
SOFIA = ZoneInfo("Europe/Sofia")
KEY = PSEUDONYM_KEY.encode()
HEADER = [
    *FIXED,
    "score",
    "agree",
    "note",
    "event_code",
    "municipality",
    "note__language",
]


def answered(session: Session, notes: list[str]) -> None:
    publish_flow(session, load_flow_text(FLOW))
    session.commit()
    runs = FormRuns(FlowCatalog(), KEY)
    citizen = add_citizen(session, telegram_id=987654321012, language="bg")
    session.commit()
    for note in notes:
        steps: list[Step] = [Button("3"), Button("yes"), Text(note)]
        walk_form(session, runs, citizen, FLOW_ID, steps, language="bg")


def workbook_of(session: Session, path: Path, *, telegram_ids: bool = False) -> Worksheet:
    options = ExportOptions(KEY, SOFIA, telegram_ids=telegram_ids)
    rows = iter_export_rows(session, FLOW_ID)
    count = write_xlsx(rows, export_columns(session, FLOW_ID), path, options, flow_id=FLOW_ID)
    workbook = load_workbook(path)
    assert len(workbook.worksheets) == 1
    sheet = workbook.worksheets[0]
    assert sheet.max_row == count + 1
    return sheet


def values(sheet: Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_one_sheet_named_after_the_form_with_a_bold_frozen_header(
    session: Session, tmp_path: Path
) -> None:
    answered(session, ["Повече пейки в парка, моля."])

    sheet = workbook_of(session, tmp_path / "out.xlsx")

    assert sheet.title == FLOW_ID[:31]
    assert values(sheet)[0] == HEADER
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A2"


def test_columns_are_wide_enough_for_their_names_and_text_answers_wider(
    session: Session, tmp_path: Path
) -> None:
    answered(session, ["Повече пейки в парка, моля."])

    sheet = workbook_of(session, tmp_path / "out.xlsx")

    widths = {
        name: sheet.column_dimensions[get_column_letter(index)].width
        for index, name in enumerate(HEADER, start=1)
    }
    assert all(widths[name] >= len(name) + 2 for name in HEADER)
    assert widths["note"] >= 40
    assert widths["completed_at"] >= len("2026-11-16T09:30:00+02:00")


def test_numbers_stay_numbers_and_times_are_iso_text_in_the_zone(
    session: Session, tmp_path: Path
) -> None:
    answered(session, ["Благодаря на общината за срещата!"])

    row = dict(zip(HEADER, values(workbook_of(session, tmp_path / "out.xlsx"))[1], strict=True))

    assert isinstance(row["response_id"], int)
    assert (row["flow_version"], row["score"], row["agree"]) == (1, 3, "yes")
    assert row["respondent"] == pseudonym(KEY, 987654321012)
    assert row["note"] == "Благодаря на общината за срещата!"
    completed = datetime.fromisoformat(str(row["completed_at"]))
    assert completed.utcoffset() == SOFIA.utcoffset(completed.replace(tzinfo=None))
    assert row["event_code"] is None
    assert "987654321012" not in str(values(workbook_of(session, tmp_path / "again.xlsx")))


@pytest.mark.parametrize(
    ("typed", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2", "'-2"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tтаб и текст", "'\tтаб и текст"),  # the bot strips these two; imports may not
        ("\rвръщане", "'\rвръщане"),
        ("Бюджетът = 2 млн.", "Бюджетът = 2 млн."),
    ],
)
def test_text_a_spreadsheet_would_run_is_defused_in_xlsx_and_csv_alike(
    tmp_path: Path, typed: str, cell: str
) -> None:
    row = ExportRow(1, FLOW_ID, 1, None, "bg", datetime.now(UTC), None, answers={"note": typed})
    columns = [ExportColumn("note", QuestionType.TEXT)]
    options = ExportOptions(KEY, SOFIA)
    csv_out = io.StringIO(newline="")

    write_xlsx([row], columns, tmp_path / "out.xlsx", options, flow_id=FLOW_ID)
    write_csv([row], columns, csv_out, options)

    in_xlsx = next(load_workbook(tmp_path / "out.xlsx").worksheets[0].iter_rows(min_row=2))
    in_csv = list(csv.DictReader(io.StringIO(csv_out.getvalue(), newline="")))
    # Written through lxml (installed with python-docx) a bare CR is escaped and kept; through
    # the standard library's XML writer it is read back as a line feed.
    assert in_xlsx[7].value in (cell, cell.replace("\r", "\n"))
    assert in_xlsx[7].data_type == "s"  # text, never a formula
    assert in_csv[0]["note"] == cell


def test_control_characters_excel_cannot_hold_are_dropped(session: Session, tmp_path: Path) -> None:
    answered(session, ["звънец\x07 и\x1b текст"])

    row = values(workbook_of(session, tmp_path / "out.xlsx"))[1]

    assert row[HEADER.index("note")] == "звънец и текст"


def test_telegram_ids_are_a_last_column_only_when_asked_for(
    session: Session, tmp_path: Path
) -> None:
    answered(session, ["Повече пейки в парка, моля."])

    rows = values(workbook_of(session, tmp_path / "out.xlsx", telegram_ids=True))

    assert rows[0] == [*HEADER, "telegram_id"]
    assert rows[1][-1] == 987654321012
