"""The project report as an editable Word document (python-docx, loaded only for it)."""

from __future__ import annotations

import io
from pathlib import Path

from civic_feedback.reports.project_report_layout import (
    Block,
    Bullets,
    Chart,
    Heading,
    Paragraph,
    Table,
)

CHART_WIDTH_CM = 15.5


def _plain(text: str) -> str:
    """Text Word can hold: XML forbids control characters other than tab and line breaks."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32)


def write_docx(blocks: list[Block], path: Path) -> None:
    from docx import Document
    from docx.shared import Cm

    document = Document()
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(_plain(block.text), level=block.level)
        elif isinstance(block, Paragraph):
            document.add_paragraph(_plain(block.text))
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(_plain(item), style="List Bullet")
        elif isinstance(block, Table):
            table = document.add_table(rows=1, cols=len(block.columns))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.columns, strict=True):
                cell.text = _plain(text)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = _plain(text)
        elif isinstance(block, Chart):
            picture = document.add_picture(io.BytesIO(block.draw()), width=Cm(CHART_WIDTH_CM))
            # Word reads the picture's alternative text from docPr's descr (and title).
            properties = picture._inline.docPr
            properties.set("descr", _plain(block.alt))
            properties.set("title", _plain(block.caption))
            document.add_paragraph(_plain(block.caption), style="Caption")
    document.save(str(path))
