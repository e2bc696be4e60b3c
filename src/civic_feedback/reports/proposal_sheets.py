"""The proposals of a consultation as a sheet staff fill in, and the same sheet read back.

Staff get every proposal with empty ``decision`` and ``reasons`` columns, fill them in Excel
(in Bulgarian or English words), and give the file back. Reading it back is a door into the
system: every row is checked, every problem is reported with its row number, and nothing is
applied unless every row is valid. Oversized, damaged or foreign files are refused.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from civic_feedback.reports.export import Cell, iso_local, spreadsheet_cell
from civic_feedback.services.consultations import PlannedDecision, check_decision
from civic_feedback.storage.models import Decision

COLUMNS = (
    "number",
    "received_at",
    "language",
    "author",
    "text",
    "attachment",
    "decision",
    "reasons",
)
MAX_FILE_BYTES = 10 * 1024 * 1024  # a sheet of decisions is far smaller
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an XLSX is a zip: refuse one that unpacks huge
MAX_ROWS = 20_000

# Words staff may write in the decision column, in any case, with or without spaces.
DECISION_WORDS: dict[str, Decision] = {
    **dict.fromkeys(
        (
            "accepted",
            "accept",
            "yes",
            "прието",
            "приема се",
            "приема",
            "да",
            "kabul",
            "kabul edildi",
        ),
        Decision.ACCEPTED,
    ),
    **dict.fromkeys(
        (
            "partly",
            "partly accepted",
            "partially accepted",
            "partial",
            "частично",
            "частично прието",
            "частично се приема",
            "kısmen",
            "kısmen kabul",
            "kısmen kabul edildi",
        ),
        Decision.PARTLY,
    ),
    **dict.fromkeys(
        (
            "not accepted",
            "not_accepted",
            "rejected",
            "no",
            "неприето",
            "не е прието",
            "не се приема",
            "не",
            "kabul edilmedi",
            "reddedildi",
        ),
        Decision.NOT_ACCEPTED,
    ),
}
_DECISION_HINT = "accepted, partly, not accepted (прието, частично прието, не се приема)"


@dataclass(frozen=True)
class ProposalRow:
    """One proposal as staff see it: the author is a pseudonym, never a Telegram id."""

    number: int
    received_at: datetime
    language: str
    author: str
    text: str
    attachment: str | None
    decision: Decision | None
    reasons: str | None


def _cells(row: ProposalRow, zone: ZoneInfo) -> list[Cell]:
    values: list[Any] = [
        row.number,
        iso_local(row.received_at, zone),
        row.language,
        row.author,
        row.text,
        row.attachment,
        row.decision.value if row.decision else None,
        row.reasons,
    ]
    return [spreadsheet_cell(value) for value in values]


def write_proposals_csv(rows: Iterable[ProposalRow], out: io.TextIOBase, zone: ZoneInfo) -> int:
    """Open ``out`` with utf-8-sig, so that Excel reads the Cyrillic right."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in _cells(row, zone)])
        count += 1
    return count


def write_proposals_xlsx(rows: Iterable[ProposalRow], path: Path, zone: ZoneInfo) -> int:
    from openpyxl import Workbook  # imported here: it slows every other command's start
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    sheet = workbook.create_sheet("proposals")
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        cells = _cells(row, zone)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in cells])
        count += 1
    widths = {"A": 8, "B": 26, "C": 9, "D": 20, "E": 60, "F": 20, "G": 16, "H": 50}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("instructions")
    for line in (
        ["decision: " + _DECISION_HINT],
        ["reasons: required when a proposal is not accepted or only partly accepted."],
        ["Leave a row's decision empty to decide it later. Do not change the numbers."],
        ["решение: прието, частично прието или не се приема; при неприето — мотиви."],
    ):
        help_sheet.append(line)
    workbook.save(path)
    return count


class SheetError(ValueError):
    """The sheet cannot be used; ``problems`` lists each one with its row number."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_decisions(path: Path, numbers: Collection[int]) -> list[PlannedDecision]:
    """The filled-in decisions of a sheet (.xlsx or .csv) on the proposals ``numbers``; rows
    with no decision are left out. Raises SheetError with every problem found."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise SheetError([f"cannot read {path}: {error.strerror}"]) from None
    if size > MAX_FILE_BYTES:
        raise SheetError(
            [
                f"{path.name} is {size // 1024 // 1024} MB; a sheet of decisions "
                f"must be under {MAX_FILE_BYTES // 1024 // 1024} MB"
            ]
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path.read_bytes())
    else:
        raise SheetError([f"{path.name}: give the .xlsx or .csv written by `proposals`"])
    return _decisions(rows, numbers)


def _xlsx_rows(path: Path) -> list[tuple[Any, ...]]:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise SheetError([f"{path.name} is not an Excel workbook (.xlsx)"]) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError([f"{path.name} unpacks to more than 100 MB: not a sheet of decisions"])
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SheetError([f"{path.name} cannot be read as a workbook ({error})"]) from None
    try:
        sheet = workbook["proposals"] if "proposals" in workbook.sheetnames else workbook.active
        if sheet is None:
            raise SheetError([f"{path.name} has no sheet"])
        return _at_most(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> list[tuple[Any, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251")  # Excel in Bulgarian saves CSV in Windows-1251
    if "\x00" in text:
        raise SheetError(["the file is not a text CSV sheet"])
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in Bulgarian separates with ;
    return _at_most(tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter))


def _at_most(rows: Iterator[tuple[Any, ...]] | Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    taken: list[tuple[Any, ...]] = []
    for row in rows:
        if len(taken) > MAX_ROWS:
            raise SheetError([f"more than {MAX_ROWS} rows: not a sheet of decisions"])
        taken.append(row)
    return taken


def _decisions(rows: list[tuple[Any, ...]], numbers: Collection[int]) -> list[PlannedDecision]:
    if not rows:
        raise SheetError(["the sheet is empty"])
    header = [str(cell or "").strip().lower() for cell in rows[0]]
    missing = [name for name in ("number", "decision", "reasons") if name not in header]
    if missing:
        raise SheetError(
            [f"row 1: no column {', '.join(missing)}: use the sheet written by `proposals`"]
        )
    at = {name: header.index(name) for name in ("number", "decision", "reasons")}
    problems: list[str] = []
    decided: list[PlannedDecision] = []
    seen: dict[int, int] = {}
    for index, cells in enumerate(rows[1:], start=2):
        values = {name: _cell(cells, column) for name, column in at.items()}
        if not any(values.values()):
            continue  # an empty line
        number = _number(values["number"])
        if number is None:
            problems.append(f"row {index}: number {values['number']!r} is not a proposal number")
            continue
        if number in seen:
            problems.append(f"row {index}: proposal No. {number} is also on row {seen[number]}")
            continue
        seen[number] = index
        if number not in numbers:
            problems.append(f"row {index}: there is no proposal No. {number}")
            continue
        word = " ".join(values["decision"].lower().replace("_", " ").split())
        if not word:
            if values["reasons"]:
                problems.append(f"row {index}: reasons without a decision")
            continue
        decision = DECISION_WORDS.get(word)
        if decision is None:
            problems.append(
                f"row {index}: decision {values['decision']!r} is not one of {_DECISION_HINT}"
            )
            continue
        problem = check_decision(decision, values["reasons"])
        if problem:
            problems.append(f"row {index}: {problem}")
            continue
        decided.append(PlannedDecision(index, number, decision, values["reasons"] or None))
    if problems:
        raise SheetError(problems)
    return decided


def _cell(cells: tuple[Any, ...], column: int) -> str:
    value = cells[column] if column < len(cells) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(text: str) -> int | None:
    try:
        number = int(float(text))
    except ValueError:
        return None
    return number if number >= 1 and str(number) in (text, f"{number}.0") else None
