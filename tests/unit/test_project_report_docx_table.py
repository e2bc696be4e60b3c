"""The Word report's tables: columns as wide as their words need, figures right-aligned, the
header repeated on each page, rows never cut by a page break, the total row in bold."""

from __future__ import annotations

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from civic_feedback.reports.project_report_docx_table import (
    CHAR_CM_PER_PT,
    PADDING_CM,
    add_table,
    column_widths,
)
from civic_feedback.reports.project_report_layout import Table

TEXT_WIDTH_CM = 17.0
EVENTS = Table(
    ["Събитие", "Вид", "Дата", "Регистрирани", "Присъствали", "Отговори", "Дял на отговорилите"],
    [
        [
            "Информационна среща: ремонтът на ул. „Раковски“",
            "информационна среща",
            "29.10.2026",
            "30",
            "21",
            "14",
            "67% (от присъствалите)",
        ]
    ],
)


def test_a_short_table_stays_narrow() -> None:
    widths, size = column_widths(Table(["Вид", "Брой"], [["кръгла маса", "1"]]), TEXT_WIDTH_CM)

    assert size == 9
    assert sum(widths) < TEXT_WIDTH_CM / 2
    assert widths[0] > widths[1]  # "кръгла маса" against "Брой"


def test_a_wide_table_fills_the_page_and_breaks_no_word() -> None:
    widths, size = column_widths(EVENTS, TEXT_WIDTH_CM)

    assert sum(widths) == pytest.approx(TEXT_WIDTH_CM, abs=0.05)
    assert size == 8  # the words of seven columns do not fit at 9 points
    for index, width in enumerate(widths):
        texts = [EVENTS.columns[index], *(row[index] for row in EVENTS.rows)]
        longest = max(len(word) for text in texts for word in text.split())
        assert width >= longest * CHAR_CM_PER_PT * size + PADDING_CM, EVENTS.columns[index]


def test_a_long_header_wraps_rather_than_widen_a_column_of_figures() -> None:
    table = Table(["Тема", "Коментари, които я споменават"], [["паркиране", "6"]])

    widths, _ = column_widths(table, TEXT_WIDTH_CM)

    assert widths[1] < widths[0] + 1  # "споменават", not the whole header, sets its width


def test_figures_are_right_aligned_the_header_repeats_and_the_total_is_bold() -> None:
    document = Document()
    block = Table(
        ["Тема", "Дата", "Получени", "Медиана"],
        [["Пътища", "22.10.2026", "3", "2.0 †"], ["Всички теми", "29.10.2026", "5", "—"]],
        total=True,
    )

    add_table(document, block, TEXT_WIDTH_CM, str)

    (table,) = document.tables
    aligned = [cell.paragraphs[0].alignment for cell in table.rows[1].cells]
    right = WD_ALIGN_PARAGRAPH.RIGHT
    assert aligned == [None, None, right, right]  # labels and dates stay left
    rows = [row._tr.get_or_add_trPr() for row in table.rows]
    assert [row.find(qn("w:tblHeader")) is not None for row in rows] == [True, False, False]
    assert all(row.find(qn("w:cantSplit")) is not None for row in rows)
    bold = [
        [run.bold for cell in row.cells for run in cell.paragraphs[0].runs] for row in table.rows
    ]
    assert bold == [[True] * 4, [False] * 4, [True] * 4]


def test_an_empty_table_has_its_header_only() -> None:
    document = Document()

    add_table(document, Table(["Тема", "Коментари"], []), TEXT_WIDTH_CM, str)

    assert [cell.text for cell in document.tables[0].rows[0].cells] == ["Тема", "Коментари"]


def test_a_citizens_text_is_written_as_text_with_its_lines() -> None:
    document = Document()
    quote = '<script>alert("x")</script> & „паркиране“\nвтори ред'
    block = Table(["Тема", "Цитати"], [["паркиране", quote], ["осветление", "—"]])

    add_table(document, block, TEXT_WIDTH_CM, str)

    (table,) = document.tables
    assert [cell.text for cell in table.rows[1].cells] == ["паркиране", quote]
    assert len(table.rows) == 3
