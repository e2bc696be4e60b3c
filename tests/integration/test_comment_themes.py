"""Themes in the comments a period selects: per language, counted, with anonymised examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from civic_feedback.core.weeks import iso_week_bounds
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.reports.comment_themes import comment_themes, comment_themes_json
from civic_feedback.storage.export_rows import ResponseFilter
from civic_feedback.storage.flow_versions import publish_flow
from tests.support.admin_cli import Cli, ready_cli, session_on, the_error_line
from tests.support.clock import SOFIA
from tests.support.comments import REMARKS, answer

IN_W47 = datetime(2026, 11, 18, 10, tzinfo=UTC)
IN_W48 = datetime(2026, 11, 25, 10, tzinfo=UTC)
PARKING = [
    "Нямаше място за паркиране около читалището, обиколих три пъти.",
    "Паркирането в центъра е невъзможно вечер, трябва нов паркинг.",
    "Платеното паркиране трябва да стигне и до болницата.",
    "Г-н Петров обеща паркиране, тел. 0888 123 456.",
]
STREAMING = [
    "Моля, направете онлайн излъчване на срещите за хората, които работят.",
    "Би било чудесно да има онлайн излъчване във фейсбук.",
]
ENGLISH = [
    "Please livestream these meetings, many of us work shifts.",
    "The livestream would help people in the villages, thank you.",
]


def remarks(session: Session) -> None:
    publish_flow(session, load_flow_text(REMARKS))
    session.commit()
    texts = [*PARKING, *STREAMING, *ENGLISH, "ok"]
    for telegram_id, text in enumerate(texts, start=1):
        answer(session, telegram_id, text, completed_at=IN_W47)
    answer(session, 99, "Паркирането отново е проблем, седмица по-късно.", completed_at=IN_W48)


def test_themes_of_a_week_count_its_comments_per_language(session: Session) -> None:
    remarks(session)
    start, end = iso_week_bounds("2026-W47", SOFIA)

    result = comment_themes(session, ResponseFilter(completed_from=start, completed_before=end))

    bulgarian, english = result.languages
    assert (bulgarian.language, bulgarian.comments) == ("bg", 6)
    labels = {theme.label: theme.count for theme in bulgarian.themes}
    assert labels["паркиране"] == 4  # the comment of W48 is not counted
    assert labels["онлайн излъчване"] == 2
    assert english.language == "en"
    assert [(t.label, t.count) for t in english.themes] == [("livestream", 2)]
    assert result.not_analysed == {"und": 1}  # "ok" is too short to tell its language


def test_past_a_limit_themes_are_found_in_an_even_sample_and_say_so(session: Session) -> None:
    publish_flow(session, load_flow_text(REMARKS))
    session.commit()
    for telegram_id in range(1, 41):  # forty comments, half on parking, half on streaming
        text = PARKING[telegram_id % 3] if telegram_id % 2 else STREAMING[telegram_id % 2]
        answer(session, telegram_id, text, completed_at=IN_W47)
    where = ResponseFilter(completed_from=IN_W47, completed_before=IN_W48)

    every = comment_themes(session, where)
    sample = comment_themes(session, where, read_at_most=10)

    assert (every.one_in, sample.one_in) == (1, 4)
    (all_read,), (bulgarian,) = every.languages, sample.languages
    assert (all_read.comments, bulgarian.comments) == (40, 11)  # the same eleven every time
    read = {comment_id for theme in all_read.themes for comment_id in theme.comment_ids}
    assert {comment_id for t in bulgarian.themes for comment_id in t.comment_ids} <= read
    assert {t.label for t in bulgarian.themes} == {t.label for t in all_read.themes}
    assert comment_themes_json(sample)["one_in"] == 4


@pytest.fixture
def commented(tmp_path: Path) -> Cli:
    cli = ready_cli(tmp_path, COLUMNS="160")
    with session_on(cli) as session:
        remarks(session)
    return cli


def test_themes_print_each_with_its_count_and_an_example_without_personal_details(
    commented: Cli,
) -> None:
    run = commented("comments", "--themes", "--lang", "bg", "--top", "3")

    assert run.returncode == 0, run.stderr
    assert "bg: 7 comments" in run.stdout
    rows = [[cell.strip() for cell in line.split("│")] for line in run.stdout.splitlines()]
    parking = next(row for row in rows if len(row) > 3 and row[1] == "паркиране")
    assert parking[2] == "5"
    assert "онлайн излъчване" in run.stdout
    assert "0888" not in run.stdout
    assert "Петров" not in run.stdout
    assert "livestream" not in run.stdout


def test_themes_as_json_name_the_comments_of_the_comments_export(commented: Cli) -> None:
    themes_run = commented("comments", "--themes", "--week", "2026-W47", "--format", "json")
    comments_run = commented("comments", "--week", "2026-W47", "--format", "json")

    assert themes_run.returncode == 0, themes_run.stderr
    found = json.loads(themes_run.stdout)
    texts = {c["id"]: c["text"] for c in json.loads(comments_run.stdout)}
    bulgarian = found["languages"][0]
    parking = next(t for t in bulgarian["themes"] if t["theme"] == "паркиране")
    assert [texts[i] for i in parking["comment_ids"]] == PARKING
    assert parking["comments"] == 4
    assert 2 <= len(parking["quotes"]) <= 3
    assert all("0888" not in quote and "Петров" not in quote for quote in parking["quotes"])
    assert "Г-н [име] обеща паркиране, тел. [телефон]." in parking["quotes"]
    assert found["not_analysed"] == {"und": 1}


def test_themes_go_to_a_file_as_json(commented: Cli) -> None:
    run = commented("comments", "--themes", "--format", "json", "-o", "themes.json")

    assert run.returncode == 0, run.stderr
    written = json.loads((commented.cwd / "themes.json").read_text("utf-8"))
    assert [found["language"] for found in written["languages"]] == ["bg", "en"]
    assert "themes written to themes.json" in run.stderr


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--themes", "--format", "csv"], "--themes shows as a table or --format json"),
        (["--themes", "--lang", "ru"], "--themes: themes are found in bg, en, tr, not ru"),
        (["--themes", "--top", "0"], "--top 0: choose 1 to 50 themes per language"),
        (["--top", "5"], "--top counts themes: add --themes"),
        (["--themes", "-o", "t.txt"], "a table is for the screen"),
    ],
    ids=["csv", "lang", "top-zero", "top-alone", "table-to-file"],
)
def test_themes_refuse_a_wrong_option_in_one_line(
    commented: Cli, options: list[str], says: str
) -> None:
    assert says in the_error_line(commented("comments", *options))
