"""Exports of raw answers: JSON for scripts, CSV for Excel. Pseudonyms, not Telegram ids.

The CSV and the XLSX workbook (``export_xlsx``) share one layout: the columns of the first
CSV export, in their places, then the columns added since (``ADDED_COLUMNS`` and a
``<question>__language`` column per text question), then ``telegram_id`` if asked for.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import IO, Any
from zoneinfo import ZoneInfo

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.engine import AnswerValue
from civic_feedback.flows.schema import QuestionType
from civic_feedback.storage.export_rows import ExportColumn, ExportRow

FIXED_COLUMNS = (
    "response_id",
    "flow_id",
    "flow_version",
    "respondent",
    "language",
    "started_at",
    "completed_at",
)
ADDED_COLUMNS = ("event_code", "municipality")
LANGUAGE_SUFFIX = "__language"
TELEGRAM_ID = "telegram_id"
# A cell starting with one of these is a formula to a spreadsheet; a leading ' defuses it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


@dataclass(frozen=True)
class ExportOptions:
    """How people and times appear: pseudonyms from ``key``, times in ``zone``."""

    key: bytes
    zone: ZoneInfo
    telegram_ids: bool = False  # add the telegram_id column: the file holds personal data


@dataclass(frozen=True)
class SheetLayout:
    """The columns of a CSV file or a worksheet, and each response's cells in that order."""

    columns: list[ExportColumn]
    options: ExportOptions

    @cached_property
    def text_questions(self) -> list[str]:
        return [c.question_id for c in self.columns if c.type is QuestionType.TEXT]

    def header(self) -> list[str]:
        return [
            *FIXED_COLUMNS,
            *(c.question_id for c in self.columns),
            *ADDED_COLUMNS,
            *(question + LANGUAGE_SUFFIX for question in self.text_questions),
            *((TELEGRAM_ID,) if self.options.telegram_ids else ()),
        ]

    def cells(self, row: ExportRow) -> list[Cell]:
        """Numbers stay numbers; text that a spreadsheet would run as a formula is defused."""
        record = _record(row, self.options)
        values = [
            *(record[name] for name in FIXED_COLUMNS),
            *(row.answers.get(c.question_id) for c in self.columns),
            *(record[name] for name in ADDED_COLUMNS),
            *(row.text_languages.get(question) for question in self.text_questions),
            *((row.telegram_id,) if self.options.telegram_ids else ()),
        ]
        return [spreadsheet_cell(value) for value in values]


def spreadsheet_cell(value: Any) -> Cell:
    """A value as a spreadsheet cell: yes/no, options joined with ;, formulas defused."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value  # type: ignore[no-any-return]


def iso_local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """A stored (UTC) time as ISO 8601 text in ``zone``, whole seconds; None stays None."""
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _record(row: ExportRow, options: ExportOptions) -> dict[str, Any]:
    record = {
        "response_id": row.response_id,
        "flow_id": row.flow_id,
        "flow_version": row.flow_version,
        "respondent": None if row.telegram_id is None else pseudonym(options.key, row.telegram_id),
        "language": row.language,
        "started_at": iso_local(row.started_at, options.zone),
        "completed_at": iso_local(row.completed_at, options.zone),
        "event_code": row.event_code,
        "municipality": row.municipality,
    }
    if options.telegram_ids:
        record[TELEGRAM_ID] = row.telegram_id
    return record


def write_json(
    rows: Iterable[ExportRow], columns: list[ExportColumn], out: IO[str], options: ExportOptions
) -> int:
    """A JSON list, one object per response, written as it streams. Returns the count."""
    text_questions = SheetLayout(columns, options).text_questions

    def records() -> Iterator[dict[str, Any]]:
        for row in rows:
            record = _record(row, options)
            record["answers"] = {
                c.question_id: _json_value(row.answers.get(c.question_id)) for c in columns
            }
            record["languages"] = {q: row.text_languages.get(q) for q in text_questions}
            yield record

    return write_json_list(records(), out)


def write_json_list(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON list written one object a line as ``records`` stream. Returns the count."""
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _json_value(value: AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def write_csv(
    rows: Iterable[ExportRow], columns: list[ExportColumn], out: IO[str], options: ExportOptions
) -> int:
    """One row per response, one column per question; open ``out`` with utf-8-sig for Excel."""
    layout = SheetLayout(columns, options)
    writer = csv.writer(out)
    writer.writerow(layout.header())
    count = 0
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in layout.cells(row)])
        count += 1
    return count
