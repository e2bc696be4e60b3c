"""The project report's citizens' messages: per topic received, answered, median hours to a
first answer, resolved and median days to resolve, computed as the summary computes its
inbox, flagged under 10 messages, in all three formats.

Week 2026-W47 (16-22 November, Sofia), all times hand-picked:

| topic | sent | first answer | resolved |
|---|---|---|---|
| roads | 16th 09:00 | +2 h | 18th 09:00 (2 days) |
| roads | 17th 10:00 | +4 h | 20th 10:00 (3 days) |
| roads | 18th 08:00 | +1 h | — |
| cleanliness | 16th 12:00 (no municipality) | +24 h | 21st 12:00 (5 days) |
| cleanliness | 19th 12:00 | — | — |
| parks | 10th 12:00, the week before | 16th 12:00 (144 h) | 22nd 12:00 (12 days) |
| roads | a draft, never sent | | |

Roads: 3 received, 3 answered, median 2 h, 2 resolved, median 2.5 days. Cleanliness: 2, 1,
24 h, 1, 5 days. Parks: 0 received, 1 answered (144 h), 1 resolved (12 days). All topics: 5
received, 5 answered (median of 1, 2, 4, 24, 144 h: 4 h), 4 resolved (of 2, 3, 5, 12 days: 4).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from civic_feedback.reports.project_report import ProjectReport, project_report
from civic_feedback.reports.project_report_html import report_html
from civic_feedback.reports.project_report_layout import THIN, Table, report_blocks
from civic_feedback.reports.project_report_md import write_markdown
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import InboxItem
from tests.support.admin_cli import cli_in
from tests.support.clock import SOFIA
from tests.support.summary_data import WEEK, sofia

ROADS, CLEAN, PARKS = "Пътища и транспорт", "Чистота и околна среда", "Паркове и обществени места"
HEADER = [
    "Тема",
    "Получени",
    "Отговорени",
    "Медиана до първи отговор (часове)",
    "Решени",
    "Медиана до решаване (дни)",
]


@pytest.fixture
def backend() -> str:
    """SQLite: the test against the summary command runs on both databases."""
    return "sqlite"


def message(
    topic: str,
    sent: datetime,
    answered_after: timedelta | None = None,
    resolved: datetime | None = None,
    *,
    municipality: str | None = "Видин",
    status: str = "answered",
) -> InboxItem:
    return InboxItem(
        municipality=municipality,
        topic=topic,
        language="bg",
        status=status,
        created_at=sent,
        first_answered_at=sent + answered_after if answered_after else None,
        resolved_at=resolved,
    )


def store_messages(session: Session) -> None:
    install_library(session)  # topics are named by general-feedback's options
    hour = timedelta(hours=1)
    session.add_all(
        [
            message("roads_transport", sofia(16, 9), 2 * hour, sofia(18, 9)),
            message("roads_transport", sofia(17, 10), 4 * hour, sofia(20, 10)),
            message("roads_transport", sofia(18, 8), hour),
            message(
                "cleanliness_environment", sofia(16, 12), 24 * hour, sofia(21), municipality=None
            ),
            message("cleanliness_environment", sofia(19, 12), status="new"),
            message("parks_public_spaces", sofia(10, 12), 144 * hour, sofia(22, 12)),
            message("roads_transport", sofia(17), status="draft"),
        ]
    )
    session.commit()


def week_report(session: Session, language: str = "bg") -> ProjectReport:
    return project_report(session, date(2026, 11, 16), date(2026, 11, 22), SOFIA, language=language)


def figures_of(report: ProjectReport) -> dict[str, tuple[object, ...]]:
    assert report.inbox is not None
    rows = {**report.inbox.topics, "all": report.inbox.figures}
    return {
        name: (
            f.received,
            f.answered,
            f.median_hours_to_answer,
            f.resolved,
            f.median_days_to_resolve,
        )
        for name, f in rows.items()
    }


def test_each_topic_has_the_hand_computed_figures_most_received_first(session: Session) -> None:
    store_messages(session)

    figures = figures_of(week_report(session))

    assert list(figures) == [ROADS, CLEAN, PARKS, "all"]
    assert figures == {
        ROADS: (3, 3, 2.0, 2, 2.5),
        CLEAN: (2, 1, 24.0, 1, 5.0),
        PARKS: (0, 1, 144.0, 1, 12.0),
        "all": (5, 5, 4.0, 4, 4.0),
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_all_topics_are_the_inbox_figures_of_the_summary_command(
    database_url: str, session: Session, tmp_path: Path
) -> None:
    store_messages(session)
    cli = cli_in(tmp_path, DATABASE_URL=database_url)

    run = cli("summary", "--week", WEEK, "--format", "json")

    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)["inbox"]["overall"]
    keys = ("received", "answered", "median_hours_to_answer", "resolved", "median_days_to_resolve")
    assert figures_of(week_report(session))["all"] == tuple(summary[key] for key in keys)
    assert summary["received"] == 5  # the fixture is what the summary counts too


def test_medians_on_fewer_than_ten_messages_are_flagged_and_listed(session: Session) -> None:
    store_messages(session)
    report = week_report(session)
    (table,) = [
        block
        for block in report_blocks(report)
        if isinstance(block, Table) and block.columns == HEADER
    ]

    assert table.rows == [
        [ROADS, "3", "3", f"2.0 {THIN}", "2", f"2.5 {THIN}"],
        [CLEAN, "2", "1", f"24.0 {THIN}", "1", f"5.0 {THIN}"],
        [PARKS, "0", "1", f"144.0 {THIN}", "1", f"12.0 {THIN}"],
        ["Всички теми", "5", "5", f"4.0 {THIN}", "4", f"4.0 {THIN}"],
    ]
    assert report.thin_figures
    html = report_html(report_blocks(report), "bg")
    assert "Съобщения на гражданите, Всички теми: Медиана до първи отговор (часове) — 5" in html


def test_ten_answered_messages_make_a_median_that_is_not_flagged(session: Session) -> None:
    store_messages(session)
    for day in range(16, 23):  # seven more roads messages, each answered after an hour
        session.add(message("roads_transport", sofia(day, 15), timedelta(hours=1)))
    session.commit()

    report = week_report(session)

    assert report.inbox is not None
    roads = report.inbox.topics[ROADS]
    assert (roads.answered, roads.median_hours_to_answer, roads.resolved) == (10, 1.0, 2)
    blocks = report_blocks(report)
    rows = [row for block in blocks if isinstance(block, Table) for row in block.rows]
    assert [ROADS, "10", "10", "1.0", "2", f"2.5 {THIN}"] in rows
    assert ["Всички теми", "12", "12", "1.0", "4", f"4.0 {THIN}"] in rows


def test_markdown_html_and_docx_hold_the_same_topic_table(session: Session, tmp_path: Path) -> None:
    from docx import Document

    from civic_feedback.reports.project_report_docx import write_docx

    store_messages(session)
    blocks = report_blocks(week_report(session, "en"))
    write_markdown(blocks, tmp_path / "report.md")
    write_docx(blocks, tmp_path / "report.docx")
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    html = report_html(blocks, "en")
    tables = Document(str(tmp_path / "report.docx")).tables
    docx_rows = [[cell.text for cell in row.cells] for table in tables for row in table.rows]

    header = [
        "Topic",
        "Received",
        "Answered",
        "Median time to first answer (hours)",
        "Resolved",
        "Median time to resolve (days)",
    ]
    roads = ["Roads and transport", "3", "3", "2.0 †", "2", "2.5 †"]
    every = ["All topics", "5", "5", "4.0 †", "4", "4.0 †"]
    for row in (header, roads, every):
        assert row in docx_rows
    for row in (header, roads):
        assert "| " + " | ".join(row) + " |" in markdown
    assert "| " + " | ".join(f"**{cell}**" for cell in every) + " |" in markdown  # the total
    assert "<tr><td>Roads and transport</td><td>3</td><td>3</td><td>2.0 †</td>" in html
    assert '<tfoot><tr class="total"><td>All topics</td><td>5</td><td>5</td><td>4.0 †</td>' in html
    (table,) = [table for table in tables if table.rows[0].cells[0].text == "Topic"]
    total = table.rows[-1].cells[0].paragraphs[0].runs[0]
    first = table.rows[1].cells[0].paragraphs[0].runs[0]
    assert (total.bold, first.bold) == (True, False)


def test_no_messages_leave_the_section_out(session: Session) -> None:
    install_library(session)
    session.add(message("roads_transport", sofia(17), status="draft"))
    session.commit()

    report = week_report(session)

    assert report.inbox is None
    assert "Съобщения на гражданите" not in report_html(report_blocks(report), "bg")


def test_a_topic_no_longer_offered_shows_its_id_as_text_never_as_markup(
    session: Session, tmp_path: Path
) -> None:
    install_library(session)
    hostile = "<script>alert(1)</script>|*x*"  # a retired option id, as the row holds it
    session.add(message(hostile, sofia(17, 9), timedelta(hours=3)))
    session.commit()

    blocks = report_blocks(week_report(session, "en"))
    html = report_html(blocks, "en")
    write_markdown(blocks, tmp_path / "report.md")
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")

    assert "<script>" not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;|*x*</td><td>1</td><td>1</td>" in html
    assert "| \\<script\\>alert(1)\\</script\\>\\|\\*x\\* | 1 | 1 | 3.0 † |" in markdown
