"""Exports of raw answers: JSON for scripts, CSV for Excel. Pseudonyms, never Telegram ids."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from civic_feedback.flows.engine import AnswerValue
from civic_feedback.storage.export_rows import ExportColumn, ExportRow
from civic_feedback.storage.pseudonyms import pseudonym

FIXED_COLUMNS = (
    "response_id",
    "flow_id",
    "flow_version",
    "respondent",
    "language",
    "started_at",
    "completed_at",
)
# A cell starting with one of these is a formula to a spreadsheet; a leading ' defuses it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _timestamp(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _record(row: ExportRow, key: bytes, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "response_id": row.response_id,
        "flow_id": row.flow_id,
        "flow_version": row.flow_version,
        "respondent": None if row.telegram_id is None else pseudonym(key, row.telegram_id),
        "language": row.language,
        "started_at": _timestamp(row.started_at, zone),
        "completed_at": _timestamp(row.completed_at, zone),
    }


def write_json(
    rows: Iterable[ExportRow],
    columns: list[ExportColumn],
    out: IO[str],
    *,
    key: bytes,
    zone: ZoneInfo,
) -> int:
    """A JSON list, one object per response, written as it streams. Returns the count."""
    count = 0
    out.write("[")
    for row in rows:
        record = _record(row, key, zone)
        record["answers"] = {
            c.question_id: _json_value(row.answers.get(c.question_id)) for c in columns
        }
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _json_value(value: AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def write_csv(
    rows: Iterable[ExportRow],
    columns: list[ExportColumn],
    out: IO[str],
    *,
    key: bytes,
    zone: ZoneInfo,
) -> int:
    """One row per response, one column per question; open ``out`` with utf-8-sig for Excel."""
    writer = csv.writer(out)
    writer.writerow([*FIXED_COLUMNS, *(c.question_id for c in columns)])
    count = 0
    for row in rows:
        record = _record(row, key, zone)
        answers = (csv_cell(row.answers.get(c.question_id)) for c in columns)
        writer.writerow([*(csv_cell(v) for v in record.values()), *answers])
        count += 1
    return count


def csv_cell(value: Any) -> str:
    """A value as a spreadsheet cell: text that would run as a formula starts with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    return str(value)
