"""The export as an Excel workbook: one sheet named after the form, the CSV's columns.

openpyxl in write-only mode streams rows to a temporary file and writes strings inline (no
shared-string table), so memory stays bounded however many responses there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO

from civic_feedback.reports.export import TELEGRAM_ID, ExportOptions, SheetLayout
from civic_feedback.storage.export_rows import ExportColumn, ExportRow

SHEET_TITLE_LIMIT = 31  # Excel refuses longer sheet names
# Widths in characters, for values longer than their column's name; others fit the name.
_WIDTHS = {
    "respondent": 20,
    "started_at": 27,
    "completed_at": 27,
    "municipality": 20,
    TELEGRAM_ID: 16,
}
_TEXT_WIDTH = 50  # free-text answers: wide, without hiding the next columns
_MIN_WIDTH = 10


def sheet_title(flow_id: str) -> str:
    """The form's id, cut to what Excel allows (ids are lowercase letters, digits, dashes)."""
    return flow_id[:SHEET_TITLE_LIMIT]


def write_xlsx(
    rows: Iterable[ExportRow],
    columns: list[ExportColumn],
    out: Path | IO[bytes],
    options: ExportOptions,
    *,
    flow_id: str,
) -> int:
    """A workbook with a bold, frozen header row and one row per response. Returns the count."""
    from openpyxl import Workbook  # imported here: loading it slows every feedback-admin command
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    layout = SheetLayout(columns, options)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(flow_id))
    header = layout.header()
    text_questions = set(layout.text_questions)
    for index, name in enumerate(header, start=1):
        width = _TEXT_WIDTH if name in text_questions else _WIDTHS.get(name, _MIN_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = max(width, len(name) + 2)
    sheet.freeze_panes = "A2"  # the header stays in view while scrolling
    bold = Font(bold=True)
    titles = [WriteOnlyCell(sheet, value=name) for name in header]
    for title in titles:
        title.font = bold
    sheet.append(titles)
    count = 0
    for row in rows:
        # XLSX cannot hold control characters other than tab and line breaks: they go.
        cells = layout.cells(row)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in cells])
        count += 1
    workbook.save(out)
    return count
