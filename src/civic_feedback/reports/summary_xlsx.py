"""The weekly summary as an Excel workbook: the same tables people read, with real numbers."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from civic_feedback.reports.export import spreadsheet_cell
from civic_feedback.reports.summary import WeeklySummary
from civic_feedback.reports.summary_tables import Rate, ReportTable, summary_tables

_BOLD = Font(bold=True)
_SHEET_NAME_LENGTH = 31  # Excel's limit


def write_xlsx(summary: WeeklySummary, path: Path) -> None:
    """Sheet "overall" (headline and municipalities), one sheet per form, "events", and
    "inbox" (messages to the municipality) unless the summary is of one event."""
    overall, places, *tables = summary_tables(summary)
    count = len(summary.period.flows)
    flows, events, inbox = tables[:count], tables[count], tables[count + 1 :]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "overall"
    _write(sheet, overall)
    _write(sheet, places, first_row=sheet.max_row + 3)
    for table, flow in zip(flows, summary.period.flows, strict=True):
        _write(book.create_sheet(_sheet_name(book, flow.flow_id)), table)
    _write(book.create_sheet("events"), events)
    for table in inbox:
        _write(book.create_sheet("inbox"), table)
    book.save(path)


def _sheet_name(book: Workbook, flow_id: str) -> str:
    # Flow ids are [a-z0-9-], valid in sheet names; two long ids may share a prefix.
    name = flow_id[:_SHEET_NAME_LENGTH]
    taken = set(book.sheetnames)
    suffix = 2
    while name in taken:
        name = f"{flow_id[: _SHEET_NAME_LENGTH - 4]}~{suffix}"
        suffix += 1
    return name


def _write(sheet: Worksheet, table: ReportTable, first_row: int = 1) -> None:
    """The table's title, its bold header and rows; panes frozen below the first header."""
    sheet.cell(first_row, 1, spreadsheet_cell(table.title)).font = _BOLD
    header = first_row + 1
    for column, spec in enumerate(table.columns, start=1):
        sheet.cell(header, column, spreadsheet_cell(spec.title)).font = _BOLD
    if first_row == 1:
        sheet.freeze_panes = f"B{header + 1}"
    if not table.rows:
        sheet.cell(header + 1, 1, table.empty)
    for offset, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row, start=1):
            # Text typed by organizers could start with "=": openpyxl would store a formula.
            written = sheet.cell(
                header + offset,
                column,
                spreadsheet_cell(value) if isinstance(value, str) else value,
            )
            if isinstance(value, Rate):
                written.number_format = "0.0%"
    for column, spec in enumerate(table.columns, start=1):
        widest = max([len(spec.title), *(len(str(row[column - 1] or "")) for row in table.rows)])
        dimension = sheet.column_dimensions[get_column_letter(column)]
        dimension.width = min(max(widest + 2, dimension.width or 0), 60)
