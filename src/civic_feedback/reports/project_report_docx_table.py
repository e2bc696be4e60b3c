"""A table of the Word report as a clerk expects it: each column as wide as its words need
(no word broken across lines while the page has room), figures right-aligned, the header
row repeated on every page the table runs onto, no row cut in two by a page break, and a
total row in bold. python-docx is loaded by the caller."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from civic_feedback.reports.project_report_layout import Table

if TYPE_CHECKING:
    from docx.document import Document


FONT_PT = (9, 8)  # the smaller for a table whose words do not fit in the larger
CHAR_CM_PER_PT = 0.02  # a character's width per point of font size, bold Cyrillic included
PADDING_CM = 0.45  # a cell's margins, left and right together, and its borders
LONGEST_LINE = 45  # characters: a longer text wraps rather than widen its column further
# 12, 67% †, 3.95, -10, 67% (of those who attended), or — for no figure; not a date
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"  # WordprocessingML
_FIGURE = re.compile(r"^[−-]?\d+(\.\d+)?%?( †)?( \(.+\))?$|^—$")


def add_table(
    document: Document, block: Table, text_width_cm: float, clean: Callable[[str], str]
) -> None:
    """``block`` as a Word table filling ``text_width_cm``; ``clean`` makes texts Word-safe.

    The header row is made with python-docx; the other rows are written as the same XML it
    writes and read in one go: a report may list a thousand events, and python-docx spends
    about a millisecond on each cell.
    """
    from docx.oxml import OxmlElement, parse_xml
    from docx.shared import Cm

    table = document.add_table(rows=1, cols=len(block.columns))
    table.style = "Table Grid"
    table.autofit = False
    figures = [_is_figures(block, column) for column in range(len(block.columns))]
    widths, size = column_widths(block, text_width_cm)
    for index, width in enumerate(widths):
        table.columns[index].width = Cm(width)
    header = table._tbl.tr_lst[0]
    for tc, text, width in zip(header.tc_lst, block.columns, widths, strict=True):
        tc.getparent().replace(tc, parse_xml(_cell(text, width, size, clean, bold=True)))
    properties = header.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    properties.append(OxmlElement("w:tblHeader"))
    rows = "".join(
        _row(
            row,
            widths,
            figures,
            size,
            clean,
            bold=bool(block.total and number == len(block.rows)),
        )
        for number, row in enumerate(block.rows, start=1)
    )
    for tr in parse_xml(f'<w:tbl xmlns:w="{_W}">{rows}</w:tbl>').findall(f"{{{_W}}}tr"):
        table._tbl.append(tr)


def _row(
    texts: list[str],
    widths: list[float],
    figures: list[bool],
    size: int,
    clean: Callable[[str], str],
    *,
    bold: bool,
) -> str:
    cells = "".join(
        _cell(text, width, size, clean, bold=bold, right=figure)
        for text, width, figure in zip(texts, widths, figures, strict=True)
    )
    return f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>"


def _cell(
    text: str,
    width_cm: float,
    size: int,
    clean: Callable[[str], str],
    *,
    bold: bool,
    right: bool = False,
) -> str:
    """A cell's XML as python-docx writes it: its width, one paragraph, one run; a line
    break for each new line of the text."""
    width = round(width_cm / 2.54 * 1440)  # twentieths of a point
    lines = [escape(line) for line in clean(text).split("\n")]
    runs = '</w:t><w:br/><w:t xml:space="preserve">'.join(lines)
    look = f'<w:b w:val="{int(bold)}"/><w:sz w:val="{size * 2}"/>'
    alignment = '<w:pPr><w:jc w:val="right"/></w:pPr>' if right else ""
    return (
        f'<w:tc xmlns:w="{_W}"><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
        f"<w:p>{alignment}<w:r><w:rPr>{look}</w:rPr>"
        f'<w:t xml:space="preserve">{runs}</w:t></w:r></w:p></w:tc>'
    )


def column_widths(block: Table, text_width_cm: float) -> tuple[list[float], int]:
    """Centimetres per column, and the font size in points. Each column is as wide as its
    longest line when the page has room for that (a short table stays narrow), else at
    least its longest word, the room left shared by how much longer the columns' lines are.
    """
    columns = list(zip(block.columns, *block.rows, strict=True))
    # One character more than the longest word: the estimate of widths is rough.
    shortest = [
        max((len(word) for text in column for word in text.split()), default=0) + 1
        for column in columns
    ]
    # A header wraps at its words: a long one does not widen a column of short figures.
    natural = [
        min(
            max((len(line) for text in column[1:] for line in text.split("\n")), default=0),
            LONGEST_LINE,
        )
        for column in columns
    ]
    natural = [max(n, s) for n, s in zip(natural, shortest, strict=True)]
    for size in FONT_PT:
        char_cm = CHAR_CM_PER_PT * size
        room = (text_width_cm - PADDING_CM * len(columns)) / char_cm  # characters
        if sum(shortest) <= room:
            break
    if sum(natural) <= room:
        chars = [float(n) for n in natural]
    elif sum(shortest) >= room:
        chars = [s * room / sum(shortest) for s in shortest]
    else:
        spare, wants = room - sum(shortest), [n - s for n, s in zip(natural, shortest, strict=True)]
        chars = [s + spare * w / sum(wants) for s, w in zip(shortest, wants, strict=True)]
    return [round(c * char_cm + PADDING_CM, 2) for c in chars], size


def _is_figures(block: Table, column: int) -> bool:
    """Every cell of the column below its header is a figure (or — for none); the first
    column names the rows."""
    if column == 0:
        return False
    cells = [row[column] for row in block.rows]
    return bool(cells) and all(_FIGURE.match(cell) for cell in cells)
