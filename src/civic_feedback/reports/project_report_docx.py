"""The project report as an editable Word document (python-docx, loaded only for it)."""

from __future__ import annotations

import io
from pathlib import Path

from civic_feedback.reports.project_report_docx_table import add_table
from civic_feedback.reports.project_report_layout import (
    Block,
    Bullets,
    Chart,
    Heading,
    Paragraph,
    Table,
)

CHART_WIDTH_CM = 15.5
PAGE_CM = (21.0, 29.7)  # A4, the paper of municipal offices
MARGIN_CM = 2.0
FONT = "Arial"  # in every Word; LibreOffice draws it with the same widths (Liberation Sans)


def _plain(text: str) -> str:
    """Text Word can hold: XML forbids control characters other than tab and line breaks."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32)


def write_docx(blocks: list[Block], path: Path) -> None:
    from docx import Document
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    for style in ("Normal", "Title", "Heading 1", "Heading 2", "Caption", "List Bullet"):
        document.styles[style].font.name = FONT
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(_plain(block.text), level=block.level)
        elif isinstance(block, Paragraph):
            document.add_paragraph(_plain(block.text))
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(_plain(item), style="List Bullet")
        elif isinstance(block, Table):
            add_table(document, block, PAGE_CM[0] - 2 * MARGIN_CM, _plain)
            document.add_paragraph()  # Word sets what follows right under the table
        elif isinstance(block, Chart):
            picture = document.add_picture(io.BytesIO(block.draw()), width=Cm(CHART_WIDTH_CM))
            # Word reads the picture's alternative text from docPr's descr (and title).
            properties = picture._inline.docPr
            properties.set("descr", _plain(block.alt))
            properties.set("title", _plain(block.caption))
            document.add_paragraph(_plain(block.caption), style="Caption")
    document.save(str(path))
