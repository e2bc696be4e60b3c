"""The attendance list for funders: per event the figures, then who took part.

People appear as pseudonyms (``c-…``, the same as in every export), never by name or
Telegram id. Registering for an event asks for no consent to be named, and the consents given
elsewhere (a consultation proposal signed with the author's name, a message staff may answer
by name) cover only what they were given for, so none is borrowed here. A funder can still
count the distinct people across events.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.schema import in_language
from civic_feedback.reports.export import Cell, iso_local, spreadsheet_cell
from civic_feedback.storage.attendance import Attendance, Participant
from civic_feedback.storage.models import RegistrationStatus

EVENT_COLUMNS = (
    "code",
    "title",
    "kind",
    "municipality",
    "starts_at",
    "ends_at",
    "place",
    "state",
    "capacity",
    "registered",
    "waitlisted",
    "checked_in",
    "feedback_responses",
)
PARTICIPANT_COLUMNS = ("event_code", "participant", "status")
_STATUS_WORDS: dict[str, str] = {
    RegistrationStatus.REGISTERED: "registered",
    RegistrationStatus.WAITLISTED: "waitlisted",
    RegistrationStatus.ATTENDED: "checked_in",
}
_WIDTHS = {"title": 40, "starts_at": 26, "ends_at": 26, "place": 30, "participant": 20}


@dataclass(frozen=True)
class AttendanceSheets:
    """The two tables as cells: one row per event, one row per participant."""

    events: list[list[Cell]]
    participants: list[list[Cell]]


def attendance_sheets(
    figures: Sequence[Attendance],
    people: Sequence[Participant],
    *,
    language: str,
    zone: ZoneInfo,
    key: bytes,
) -> AttendanceSheets:
    """Titles in ``language``, times in ``zone``, people as pseudonyms made with ``key``."""
    events = [
        [
            spreadsheet_cell(value)
            for value in (
                row.event.code,
                in_language(row.event.title, language),
                row.event.kind,
                row.event.municipality,
                iso_local(row.event.starts_at, zone),
                iso_local(row.event.ends_at, zone),
                row.event.place,
                row.event.state,
                row.event.capacity,
                row.registered,
                row.waitlisted,
                row.checked_in,
                row.responses,
            )
        ]
        for row in figures
    ]
    participants: list[list[Cell]] = [
        [person.event_code, pseudonym(key, person.telegram_id), _STATUS_WORDS[person.status]]
        for person in people
    ]
    return AttendanceSheets(events, participants)


def participants_path(path: Path) -> Path:
    """Where the CSV of participants goes, beside the events' one: ``x-participants.csv``."""
    return path.with_name(f"{path.stem}-participants{path.suffix}")


def write_attendance_csv(sheets: AttendanceSheets, path: Path) -> Path:
    """Two CSV files (UTF-8 with a byte-order mark, so Excel reads Cyrillic): the events at
    ``path``, the participants beside it. Returns the second one's path."""
    second = participants_path(path)
    for target, header, rows in (
        (path, EVENT_COLUMNS, sheets.events),
        (second, PARTICIPANT_COLUMNS, sheets.participants),
    ):
        with target.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return second


def write_attendance_xlsx(sheets: AttendanceSheets, path: Path) -> None:
    """A workbook with the sheets ``events`` and ``participants``, headers bold and frozen;
    written in openpyxl's write-only mode, so tens of thousands of rows take little memory."""
    from openpyxl import Workbook  # imported here: it slows every other command's start
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in (
        ("events", EVENT_COLUMNS, sheets.events),
        ("participants", PARTICIPANT_COLUMNS, sheets.participants),
    ):
        sheet = workbook.create_sheet(title)
        for index, name in enumerate(header, start=1):
            width = max(_WIDTHS.get(name, 0), len(name) + 2, 10)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"  # the header stays in view while scrolling
        titles = [WriteOnlyCell(sheet, value=name) for name in header]
        for cell in titles:
            cell.font = bold
        sheet.append(titles)
        for row in rows:  # XLSX holds no control characters but tab and line breaks
            cells = [ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]
            sheet.append(cells)
    workbook.save(path)
