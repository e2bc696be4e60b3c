"""The project report: its figures against hand-computed ones and against the summary's, its
flags on figures with fewer than 10 responses, and the three formats saying the same thing.

November 2026 in Sofia holds one event in Видин (4 checked in, 1 more registered) with two
responses (ratings 5 and 2, NPS 10 and 3), one standalone response (rating 4) and two
comments about parking, one with a phone number and one with a script tag; October (the
previous 30 days) one response rated 1. A consultation with three decided proposals and one
message to the municipality answered after two hours complete it.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from matplotlib.patches import Rectangle
from sqlmodel import Session

from civic_feedback.reports.charts import agg_pyplot
from civic_feedback.reports.project_report import ProjectReport, months_between, project_report
from civic_feedback.reports.project_report_charts import csat_figure
from civic_feedback.reports.project_report_html import report_html
from civic_feedback.reports.project_report_labels import LABELS, language_label
from civic_feedback.reports.project_report_layout import (
    THIN,
    Chart,
    Heading,
    Paragraph,
    Table,
    report_blocks,
)
from civic_feedback.reports.project_report_md import write_markdown
from civic_feedback.reports.summary import period_headlines, summarize_period, weekly_summary
from civic_feedback.reports.trend import average_rating
from civic_feedback.storage.consultations import add_consultation
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Consultation, InboxItem, Proposal, RegistrationStatus
from civic_feedback.storage.summary_scope import Scope
from tests.support.admin_cli import cli_in, the_error_line
from tests.support.clock import SOFIA
from tests.support.summary_data import WEEK, Answers, WeekData, sofia

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
PHONE = "0888 123 456"
PARKING_PHONE = f"Паркирането пред общината е голям проблем, обадете се на {PHONE} веднага."
PARKING_SCRIPT = "<script>alert(1)</script> Паркирането пред общината липсва вечер за всички."


@pytest.fixture
def backend() -> str:
    """SQLite: the one end-to-end test below runs on both databases."""
    return "sqlite"


def comment(text: str, **values: object) -> Answers:
    return Answers({**values, "comment": text}, {"comment": "bg"})  # type: ignore[dict-item]


def store_project(session: Session) -> WeekData:
    install_library(session)  # the inbox's topics are named by general-feedback's options
    data = WeekData(session)
    event = data.event("Видин", sofia(18, 18), "Кръгла маса за паркирането")
    data.register(event, RegistrationStatus.ATTENDED, 4)
    data.register(event, RegistrationStatus.REGISTERED, 1)
    data.respond(
        comment(PARKING_PHONE, overall=5, recommend=10), completed=sofia(18, 21), event=event
    )
    data.respond(Answers({"overall": 2, "recommend": 3}, {}), completed=sofia(19), event=event)
    citizen = data.citizen("Видин")
    data.respond(comment(PARKING_SCRIPT, overall=4), completed=sofia(20), citizen=citizen)
    data.respond(
        Answers({"overall": 1}, {}), completed=sofia(20) - timedelta(days=31), citizen=citizen
    )
    consultation = add_consultation(
        session,
        Consultation(
            code="",
            municipality="Видин",
            title={"bg": "Наредба за паркирането"},
            opens_at=sofia(1),
            closes_at=sofia(25),
        ),
    )
    assert consultation.id is not None
    for number, decision in enumerate(("accepted", "partly", "not_accepted"), start=1):
        session.add(
            Proposal(
                consultation_id=consultation.id,
                number=number,
                language="bg",
                text=f"Предложение {number}",
                decision=decision,
            )
        )
    session.add(
        InboxItem(
            municipality="Видин",
            topic="roads_transport",
            language="bg",
            status="answered",
            created_at=sofia(5, 10),
            first_answered_at=sofia(5, 12),
        )
    )
    session.commit()
    return data


def november(session: Session, language: str = "bg") -> ProjectReport:
    return project_report(session, *NOVEMBER, SOFIA, language=language)


def test_each_section_has_the_hand_computed_figures(session: Session) -> None:
    store_project(session)
    report = november(session)

    assert (report.headline.events, report.headline.registered, report.headline.attended) == (
        1,
        5,
        4,
    )
    assert report.headline.completed == 3
    assert report.municipalities == ["Видин"]
    # CSAT: 5 and 4 of 5, 2 and 4 and 5 → 2 of 3; average (5 + 2 + 4) / 3; NPS (1 − 1) / 2.
    assert (report.overall.ratings, report.overall.csat, report.overall.average) == (
        3,
        0.6667,
        3.67,
    )
    assert (report.overall.nps_answers, report.overall.nps) == (2, 0)
    assert (report.previous.ratings, report.previous.csat, report.previous.average) == (1, 0.0, 1.0)
    assert (report.previous_first_day, report.previous_last_day) == (
        date(2026, 10, 2),
        date(2026, 10, 31),
    )
    (event,) = report.events
    assert (event.kind, event.responses, event.rate_base, event.response_rate) == (
        "consultation",
        2,
        "attended",
        0.5,
    )
    assert (event.satisfaction.csat, event.satisfaction.average, event.satisfaction.nps) == (
        0.5,
        3.5,
        0,
    )
    assert report.kinds == {"consultation": 1}
    assert [(m.label, m.ratings, m.csat) for m in report.months] == [("ное 2026", 3, 0.6667)]
    assert (report.overall.label, report.previous.label) == ("1–30 ное 2026", "2–31 окт 2026")
    (consultation,) = report.consultations
    counts = consultation.counts
    assert (counts.received, counts.accepted, counts.partly, counts.not_accepted) == (3, 1, 1, 1)
    assert report.inbox is not None
    assert (report.inbox.figures.received, report.inbox.figures.median_hours_to_answer) == (1, 2.0)
    assert list(report.inbox.topics) == ["Пътища и транспорт"]
    assert report.inbox.topics["Пътища и транспорт"].received == 1
    assert report.comment_languages == {"bg": 2}


def test_figures_are_those_of_the_summary_for_the_same_selection(session: Session) -> None:
    store_project(session)
    week = project_report(session, date(2026, 11, 16), date(2026, 11, 22), SOFIA, language="bg")
    summary = weekly_summary(session, WEEK, SOFIA, language="bg")

    assert week.headline == summary.period.headlines.overall
    assert week.overall.average == average_rating(summary.period.flows)
    assert [
        (e.code, e.registered, e.attended, e.responses, e.response_rate) for e in week.events
    ] == [
        (e.code, e.registered, e.attended, e.responses, e.response_rate)
        for e in summary.period.events
    ]
    event_id = summary.period.events[0].code
    one = weekly_summary(
        session, WEEK, SOFIA, language="bg", event=(week_event_id(session, event_id), event_id)
    )
    assert week.events[0].satisfaction.csat == one.period.headlines.overall.csat
    assert week.events[0].satisfaction.nps == one.period.headlines.overall.nps
    start, end = summary.period.start, summary.period.end
    assert period_headlines(session, Scope(start, end)) == summary.period.headlines
    assert summarize_period(session, Scope(start, end), language="bg").headlines.overall == (
        week.headline
    )


def week_event_id(session: Session, code: str) -> int:
    from civic_feedback.storage.events import find_event

    found = find_event(session, code)
    assert found is not None
    assert found.id is not None
    return found.id


def test_months_are_cut_to_the_period() -> None:
    assert months_between(date(2026, 1, 15), date(2026, 3, 2)) == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ]


@pytest.mark.parametrize(
    ("language", "months"),
    [
        ("bg", ["ное 2026", "дек 2026", "яну 2027"]),
        ("en", ["Nov 2026", "Dec 2026", "Jan 2027"]),
        ("tr", ["Kas 2026", "Ara 2026", "Oca 2027"]),
    ],
)
def test_months_are_named_in_the_reports_language_in_its_table_chart_and_alt_text(
    session: Session, language: str, months: list[str]
) -> None:
    store_project(session)
    report = project_report(
        session, date(2026, 11, 15), date(2027, 1, 10), SOFIA, language=language
    )
    blocks = report_blocks(report)
    (chart,) = [b for b in blocks if isinstance(b, Chart) and b.name == "csat-months"]
    table = blocks[blocks.index(chart) - 1]
    figure = csat_figure(report.months, chart.caption, LABELS[language]["ratings"].lower())
    try:
        ticks = [label.get_text() for label in figure.axes[0].get_yticklabels()]
        bars = [bar.get_width() for bar in figure.axes[0].patches if isinstance(bar, Rectangle)]
        (column,) = figure.axes[0].child_axes
        written = [label.get_text() for label in column.get_yticklabels()]
    finally:
        agg_pyplot().close(figure)

    assert [month.label for month in report.months] == months
    assert isinstance(table, Table)
    assert [row[0] for row in table.rows] == months
    assert ticks == months
    assert bars[0] == pytest.approx(66.67)  # November's three ratings; December, January none
    assert [math.isnan(height) for height in bars[1:]] == [True, True]
    # The alternative text reads each month's figures as the chart writes them.
    for month, figures in zip(months, written, strict=True):
        assert f"{month} {figures}" in chart.alt
    assert f"{months[0]} 67%" in chart.alt


def test_the_monthly_chart_compares_with_the_previous_period_only_when_it_has_a_csat(
    session: Session,
) -> None:
    store_project(session)  # 20 October: one rating of 1, a CSAT of 0% before November
    with_previous = report_blocks(november(session, "en"))
    without = report_blocks(
        project_report(session, date(2026, 10, 19), date(2026, 11, 30), SOFIA, language="en")
    )

    (compared,) = [b for b in with_previous if isinstance(b, Chart) and b.name == "csat-months"]
    (alone,) = [b for b in without if isinstance(b, Chart) and b.name == "csat-months"]
    assert compared.caption == "Satisfaction (CSAT) per month against the previous period"
    assert compared.alt.endswith(". Previous period: 0%")
    assert alone.caption == "Satisfaction (CSAT) per month"
    assert "Previous period" not in alone.alt
    assert alone.draw.args[1:] == (alone.caption, "ratings")  # type: ignore[attr-defined]
    assert compared.draw.args[1:] == (  # type: ignore[attr-defined]
        compared.caption,
        "ratings",
        0.0,
        "Previous period",
    )


def test_past_forty_events_the_tables_list_every_one_and_no_chart_per_event_is_drawn(
    session: Session,
) -> None:
    store_project(session)
    report = november(session, "en")
    event = report.events[0]
    crowded = replace(report, events=[replace(event, code=f"e{n}") for n in range(41)])

    blocks = report_blocks(crowded)

    names = [block.name for block in blocks if isinstance(block, Chart)]
    assert "activities" not in names
    assert "csat-events" not in names
    notes = [b.text for b in blocks if isinstance(b, Paragraph) and "41 events" in b.text]
    assert notes == ["41 events: no chart per event is drawn; the table gives each one."] * 2
    assert "activities" in [b.name for b in report_blocks(report) if isinstance(b, Chart)]


@pytest.mark.parametrize(
    ("language", "names", "heading", "left_out"),
    [
        ("bg", ["български", "неопределен"], "Език: български (2)", "неопределен: 1"),
        ("en", ["Bulgarian", "undetermined"], "Language: Bulgarian (2)", "undetermined: 1"),
        ("tr", ["Bulgarca", "belirsiz"], "Dil: Bulgarca (2)", "belirsiz: 1"),
    ],
)
def test_comments_languages_are_named_in_the_reports_language(
    session: Session, language: str, names: list[str], heading: str, left_out: str
) -> None:
    data = store_project(session)
    unclear = Answers({"comment": "ok ok"}, {"comment": "und"})
    data.respond(unclear, completed=sofia(21), citizen=data.citizen("Видин"))
    session.commit()
    blocks = report_blocks(november(session, language))

    said = blocks.index(Heading(LABELS[language]["said"], 1))
    languages, first = blocks[said + 1], blocks[said + 2]
    assert isinstance(languages, Table)
    assert [row[0] for row in languages.rows] == names
    assert first == Heading(heading, 2)
    assert any(isinstance(b, Paragraph) and b.text.endswith(left_out) for b in blocks)


def test_a_language_the_report_has_no_name_for_keeps_its_code() -> None:
    assert language_label("de", "bg") == "de"
    assert language_label("ru", "en") == "Russian"


def test_figures_on_fewer_than_ten_responses_are_flagged(session: Session) -> None:
    data = store_project(session)
    report = november(session)
    assert report.overall.thin_ratings
    assert report.events[0].thin_rate
    assert report.thin_figures
    html = report_html(report_blocks(report), "bg")
    assert f"67% {THIN}" in html
    assert "по-малко от 10 отговора" in html

    for day in range(2, 12):  # ten more ratings of 5: 13 ratings, no longer thin
        data.respond(Answers({"overall": 5}, {}), completed=sofia(day))
    again = november(session)
    assert again.overall.ratings == 13
    assert not again.overall.thin_ratings
    items = [item for block in report_blocks(again) for item in getattr(block, "items", [])]
    assert "Удовлетвореност (CSAT): 92%" in items  # 12 of 13, with no flag


def test_quotes_are_anonymised_and_html_escapes_comments(session: Session) -> None:
    store_project(session)
    report = november(session)
    (bulgarian,) = report.themes.languages
    quotes = [quote for theme in bulgarian.themes for quote in theme.quotes]
    assert quotes, "the parking theme has quotes"
    assert any("[телефон]" in quote for quote in quotes)
    blocks = report_blocks(report)
    html = report_html(blocks, "bg")
    # The embedded charts' base64 may hold any four digits by chance: only the text counts.
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert PHONE not in html
    assert "0888" not in text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Паркирането" in html


def test_docx_opens_with_its_charts_alt_texts_and_tables(session: Session, tmp_path: Path) -> None:
    from docx import Document

    from civic_feedback.reports.project_report_docx import write_docx

    store_project(session)
    blocks = report_blocks(november(session))
    path = tmp_path / "report.docx"
    write_docx(blocks, path)

    document = Document(str(path))
    charts = [block for block in blocks if isinstance(block, Chart)]
    assert len(document.inline_shapes) == len(charts) == 3
    descriptions = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert descriptions == [chart.alt for chart in charts]
    assert "Кръгла маса за паркирането" in descriptions[0]
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"Кръгла маса за паркирането", "50% † (от присъствалите)", "67% †"} <= cells
    assert PHONE not in "\n".join(p.text for p in document.paragraphs) + "\n".join(cells)


def test_markdown_and_html_hold_the_same_figures(session: Session, tmp_path: Path) -> None:
    store_project(session)
    blocks = report_blocks(november(session, "en"))
    charts = write_markdown(blocks, tmp_path / "report.md")
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    html = report_html(blocks, "en")

    assert [chart.name for chart in charts] == [
        "activities.png",
        "csat-months.png",
        "csat-events.png",
    ]
    assert all(chart.read_bytes().startswith(b"\x89PNG") for chart in charts)
    for figure in ("Satisfaction (CSAT): 67% †", "Average rating (1–5): 3.67 †", "NPS: 0 †"):
        assert figure in markdown
        assert figure in html
    for row in ("| Nov 2026 | 3 | 3 | 67% † | 3.67 † | 2 | 0 † |",):
        assert row in markdown
    assert "![Registered, attended" not in markdown  # the alt text is the figures, not the title
    assert "![Meeting: Registered 5, Attended 4, Responses 2](report-charts/activities.png)" in (
        markdown
    )
    assert 'alt="Meeting: Registered 5, Attended 4, Responses 2"' in html
    assert "\\<script\\>alert(1)\\</script\\> Паркирането" in markdown


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_report_command_writes_a_docx_with_the_summarys_figures(
    database_url: str, session: Session, tmp_path: Path
) -> None:
    store_project(session)
    cli = cli_in(tmp_path, DATABASE_URL=database_url)

    run = cli(
        "report", "--from", "2026-11-01", "--to", "2026-11-30", "-o", "r.docx", "--lang", "en"
    )
    exported = cli(
        "export",
        "--flow",
        "week-demo",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-30",
        "--format",
        "json",
        "-o",
        "rows.json",
    )

    assert run.returncode == 0, run.stderr
    assert exported.returncode == 0, exported.stderr
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "r.docx")).paragraphs)
    rows = json.loads((tmp_path / "rows.json").read_text(encoding="utf-8"))
    assert f"Questionnaires completed: {len(rows)}" in text
    assert "Satisfaction (CSAT): 67% †" in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--from", "2026-06-30", "--to", "2026-01-01"), "is before --from"),
        (
            ("--from", "2026-01-01", "--to", "2026-06-30", "--municipality", "Атлантида"),
            "no municipality 'Атлантида'",
        ),
        (
            ("--from", "2026-01-01", "--to", "2026-06-30", "--format", "pdf"),
            "choose docx, md or html",
        ),
        (("--from", "2026-01-01", "--to", "2026-06-30", "-o", "missing/r.docx"), "does not exist"),
        (("--from", "2026-1-1", "--to", "2026-06-30"), "YYYY-MM-DD"),
    ],
)
def test_bad_input_is_one_clear_line(
    database_url: str, tmp_path: Path, arguments: tuple[str, ...], message: str
) -> None:
    cli = cli_in(tmp_path, DATABASE_URL=database_url)
    run = cli("report", "-o", "r.docx", *arguments)
    assert message in the_error_line(run)
    assert not (tmp_path / "r.docx").exists()


def test_a_folder_as_the_output_is_refused(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    cli = cli_in(tmp_path, DATABASE_URL=database_url)
    run = cli("report", "--from", "2026-01-01", "--to", "2026-06-30", "-o", "reports")
    assert "is a folder; name a file in it" in the_error_line(run)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_unwritable_file_is_refused_before_any_work(database_url: str, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    cli = cli_in(tmp_path, DATABASE_URL=database_url)
    run = cli("report", "--from", "2026-01-01", "--to", "2026-06-30", "-o", "locked/r.docx")
    locked.chmod(0o700)
    assert "cannot write there" in the_error_line(run)
